-- The sums an alert window needs, in one pass over the window's rows (rollups + the not-yet-rolled-up
-- tail of sms_metric_events, one snapshot: live and counted once).
-- Window, exact to the minute: the minute buckets from the minute containing p_now - window to
-- the minute containing p_now (reporting timezone), so it covers between window and window + 1
-- minute: an event 61 minutes before p_now is outside a 60-minute window, one 59 minutes before is
-- inside. Values recorded per hour (record_sms_metric with an hour: no minute) count when their
-- hour overlaps that span, and minutes older than _minute_rollup_days() (compacted into their hour)
-- likewise; a daily bucket (metric_hour NULL) counts only when its whole reporting day lies inside
-- the span: a day's total cannot be split, and counting it in part would mix a day into an hour.
-- Active user: a user (not the system-wide nil UUID) with any row in the window, whatever the
-- metric, the same definition as sms_metrics_daily.active_users. System-wide rows add to the sums
-- but are nobody's activity.
create or replace function sms_monitor._alert_window_stats(p_now timestamptz, p_window_minutes integer)
returns table (
  window_start timestamp,
  window_end timestamp,
  sent numeric,
  delivered numeric,
  llm_success numeric,
  template_fallback numeric,
  llm_cost numeric,
  opt_outs numeric,
  active_users bigint,
  limit_users bigint
)
language plpgsql
stable
rows 1
security invoker
set search_path = pg_catalog, pg_temp
-- the window bounds decide the plan (an hour or a month of rows): plan with the real values
set plan_cache_mode = force_custom_plan
-- a window's rows are read in tens of milliseconds: starting parallel workers (on the cores the
-- writers and the rollup use) made it slower, not faster
set max_parallel_workers_per_gather = 0
as $$
declare
  v_tz text := sms_monitor._reporting_timezone();
  v_from timestamp := date_trunc('minute', (p_now - make_interval(mins => p_window_minutes)) at time zone v_tz);
  v_to timestamp := date_trunc('minute', p_now at time zone v_tz);
  v_from_date date := v_from::date;
  v_to_date date := v_to::date;
  -- whole days inside [v_from, v_to + 1 minute)
  v_first_day date := case when v_from = v_from::date then v_from::date else v_from::date + 1 end;
  v_last_day date := (v_to + interval '1 minute')::date - 1;
  v_nobody uuid := sms_monitor._system_wide_user();
  -- every minute or hour row that can count lies in the hours from the one containing v_from to
  -- the one containing v_to: the rollups are read by that hour range (index on date, hour), split
  -- per day so every branch is an equality or plain range on the index's leading columns (a row
  -- comparison (metric_date, metric_hour) >= (...) is estimated badly), then filtered exactly below
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  -- the window's first and last minute as minutes of their days: a row's place is compared as
  -- integers (hour * 60 + minute), not as a timestamp built per row
  v_from_mod integer := extract(hour from v_from)::integer * 60 + extract(minute from v_from)::integer;
  v_to_mod integer := extract(hour from v_to)::integer * 60 + extract(minute from v_to)::integer;
begin
  return query
  with w_rows as (
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date = v_to_date
       and r.metric_date = v_from_date and r.metric_hour between v_from_hour and v_to_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date < v_to_date
       and r.metric_date = v_from_date and r.metric_hour >= v_from_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where r.metric_date > v_from_date and r.metric_date < v_to_date and r.metric_hour is not null
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date < v_to_date
       and r.metric_date = v_to_date and r.metric_hour <= v_to_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where r.metric_date between v_first_day and v_last_day and r.metric_hour is null
    union all
    select e.metric_type, e.metric_value, e.user_id, e.metric_date, e.metric_hour, e.metric_minute
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
       and e.metric_date between v_from_date and v_to_date
  ), b as (
    -- a minute row counts when its minute lies in [v_from, v_to]; an hour row (no minute) when its
    -- hour overlaps that span (its last minute >= v_from, its first <= v_to); a day row when its
    -- whole day lies inside
    select x.metric_type, x.metric_value, x.user_id
      from w_rows x
     where case
             when x.metric_hour is null then x.metric_date between v_first_day and v_last_day
             else (x.metric_date > v_from_date or x.metric_hour * 60 + coalesce(x.metric_minute, 59) >= v_from_mod)
                  and (x.metric_date < v_to_date or x.metric_hour * 60 + coalesce(x.metric_minute, 0) <= v_to_mod)
           end
  ), u as (
    -- per user first (a hash of a few thousand users, not a sort of every row for count(distinct))
    select b.user_id,
           sum(b.metric_value) filter (where b.metric_type = 'sent_count') as sent,
           sum(b.metric_value) filter (where b.metric_type = 'delivered_count') as delivered,
           sum(b.metric_value) filter (where b.metric_type = 'llm_success_count') as llm_success,
           sum(b.metric_value) filter (where b.metric_type = 'template_fallback_count') as template_fallback,
           sum(b.metric_value) filter (where b.metric_type = 'llm_cost_usd') as llm_cost,
           sum(b.metric_value) filter (where b.metric_type = 'opt_out_count') as opt_outs,
           bool_or(b.metric_type = 'daily_limit_hit_count' and b.metric_value > 0) as hit_limit
      from b
     group by b.user_id
  )
  select v_from, v_to + interval '1 minute',
         coalesce(sum(u.sent), 0), coalesce(sum(u.delivered), 0), coalesce(sum(u.llm_success), 0),
         coalesce(sum(u.template_fallback), 0), coalesce(sum(u.llm_cost), 0), coalesce(sum(u.opt_outs), 0),
         count(*) filter (where u.user_id <> v_nobody),
         count(*) filter (where u.user_id <> v_nobody and u.hit_limit)
    from u;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes '
  'to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
