-- The sums an alert window needs, in one pass over the buckets of the window.
-- Window: the hourly buckets that overlap [p_now - p_window_minutes, p_now], i.e. from the hour
-- containing p_now - window to the hour containing p_now (both in the reporting timezone): the
-- window is rounded out to whole hours, so it covers between window and window + 60 minutes.
-- A daily bucket (metric_hour NULL: recorded without an hour) counts only when its whole reporting
-- day lies inside that span: a day's total cannot be split into hours, and counting it in part
-- would mix a day of traffic into an hour.
-- Active user: a user (user_id not NULL) with any bucket in the window, whatever the metric, the
-- same definition as sms_metrics_daily.active_users. System-wide rows (user_id NULL) add to the
-- sums but are nobody's activity.
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
-- the window bounds decide the plan (an hour or a month of buckets): plan with the real values
set plan_cache_mode = force_custom_plan
as $$
declare
  v_tz text := sms_monitor._reporting_timezone();
  v_from timestamp := date_trunc('hour', (p_now - make_interval(mins => p_window_minutes)) at time zone v_tz);
  v_to timestamp := date_trunc('hour', p_now at time zone v_tz);
  v_from_date date := v_from::date;
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_date date := v_to::date;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  -- whole days inside [v_from, v_to + 1 hour)
  v_first_day date := case when v_from = v_from::date then v_from::date else v_from::date + 1 end;
  v_last_day date := (v_to + interval '1 hour')::date - 1;
begin
  -- The hourly range is split per day (first day from its hour, whole days between, last day up to
  -- its hour) so every branch is an equality or plain range on the bucket key's leading columns:
  -- the planner estimates those well and reads the index range (a row comparison
  -- (metric_date, metric_hour) >= (...) is estimated so badly that long windows got seq scans).
  return query
  with b as (
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where v_from_date = v_to_date
       and m.metric_date = v_from_date and m.metric_hour between v_from_hour and v_to_hour
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where v_from_date < v_to_date
       and m.metric_date = v_from_date and m.metric_hour >= v_from_hour
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where m.metric_date > v_from_date and m.metric_date < v_to_date and m.metric_hour is not null
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where v_from_date < v_to_date
       and m.metric_date = v_to_date and m.metric_hour <= v_to_hour
    union all
    select m.metric_type, m.metric_value, m.user_id
      from sms_monitor.sms_metrics m
     where m.metric_date between v_first_day and v_last_day
       and m.metric_hour is null
  )
  select v_from, v_to + interval '1 hour',
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'sent_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'delivered_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'llm_success_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'template_fallback_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'llm_cost_usd'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'opt_out_count'), 0),
         count(distinct b.user_id),
         count(distinct b.user_id) filter (where b.metric_type = 'daily_limit_hit_count' and b.metric_value > 0)
    from b;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the hourly buckets overlapping the '
  'last p_window_minutes before p_now (reporting timezone); daily buckets count only when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
