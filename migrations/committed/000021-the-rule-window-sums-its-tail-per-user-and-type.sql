--! Previous: sha1:61280a71e2a4d8109eacd7f933060cf567fc7af6
--! Hash: sha1:673793dc1fe909745a6d85b76544e816630c6501
--! Message: The rule window sums its tail per user and type

-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- the counter rules' window sums its log tail per user and type (one list of the types it sums)
--! Included functions/_alert_window_stats.sql
-- The sums an alert window needs, from the alert-window grains plus the log rows past their
-- watermark (sms_metrics_window_grains), in one snapshot: live and counted once.
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
-- Rows read: the sums are the window's whole days (sms_metric_rollups_system_daily), the hours of
-- its partial days (sms_metric_rollups_system's hour rows: an hour row holds every value of its
-- hour), less the minutes of its first and last hour that lie outside it (the minute rows); the
-- users are those of the whole days (sms_metric_active_users_daily, and sms_metric_rollups_daily
-- for the daily limit) and those whose minute masks of the partial days' hours
-- (sms_metric_active_minutes), ANDed with the window's minutes of that hour, are not zero.
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
-- the window bounds decide the plan (which days, hours and minutes): plan with the real values
set plan_cache_mode = force_custom_plan
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
  -- the partial days' hours: the first day's from v_from_hour on (up to v_to_hour when it is also
  -- the last day), the last day's up to v_to_hour
  v_from_part boolean := v_from_date not between v_first_day and v_last_day;
  v_to_part boolean := v_to_date > v_last_day and v_to_date > v_from_date;
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  v_from_minute smallint := extract(minute from v_from)::smallint;
  v_to_minute smallint := extract(minute from v_to)::smallint;
  -- the window's minutes of its first hour (v_from_minute .. 59) and of its last (0 .. v_to_minute)
  v_all bigint := sms_monitor._minute_bits(null);
  v_from_mask bigint := sms_monitor._minute_bits(null) # ((1::bigint << v_from_minute) - 1);
  v_to_mask bigint := (1::bigint << (v_to_minute + 1)) - 1;
  -- the log tail's rows are placed as integers (hour * 60 + minute), not as a timestamp per row
  v_from_mod integer := v_from_hour * 60 + v_from_minute;
  v_to_mod integer := v_to_hour * 60 + v_to_minute;
  v_nobody uuid := sms_monitor._system_wide_user();
  v_types text[] := array['sent_count', 'delivered_count', 'llm_success_count', 'template_fallback_count',
                          'llm_cost_usd', 'opt_out_count'];
  v_grains bigint;
  v_rolled bigint;
begin
  -- the log ids the grains hold (the rollup's watermark, or behind it until the next rollup run has
  -- summed again what a run with an earlier body of the rollup left out) and those the day tables
  -- hold; a STABLE function: this and the query below read one snapshot
  select g.last_id, sms_monitor._rollup_watermark('sms_metrics') into v_grains, v_rolled
    from sms_monitor.sms_metrics_window_grains g;
  return query
  with tail as materialized (
    -- the log rows past the watermark of the table that holds their place in the window, summed
    -- per user and type in the one scan (fewer rows for the two reads below than a row per value)
    select e.user_id, e.metric_type, sum(e.metric_value) as metric_value,
           bool_or(e.metric_type = 'daily_limit_hit_count' and e.metric_value > 0) as hit_limit
      from sms_monitor.sms_metric_events e
     where e.id > least(v_grains, v_rolled)
       and (e.id > v_rolled or e.metric_date not between v_first_day and v_last_day)
       and (e.id > v_grains or e.metric_date between v_first_day and v_last_day)
       and e.metric_date between v_from_date and v_to_date
       and case
             when e.metric_hour is null then e.metric_date between v_first_day and v_last_day
             else (e.metric_date > v_from_date or e.metric_hour * 60 + coalesce(e.metric_minute, 59) >= v_from_mod)
                  and (e.metric_date < v_to_date or e.metric_hour * 60 + coalesce(e.metric_minute, 0) <= v_to_mod)
           end
     group by e.user_id, e.metric_type
  ), sums as (
    select d.metric_type, d.metric_value
      from sms_monitor.sms_metric_rollups_system_daily d
     where d.metric_date between v_first_day and v_last_day and d.metric_type = any (v_types)
    union all
    select h.metric_type, h.metric_value
      from sms_monitor.sms_metric_rollups_system h
     where v_from_part and h.metric_date = v_from_date and h.metric_hour >= v_from_hour
       and (v_from_date < v_to_date or h.metric_hour <= v_to_hour)
       and h.metric_minute is null and h.metric_type = any (v_types)
    union all
    select h.metric_type, h.metric_value
      from sms_monitor.sms_metric_rollups_system h
     where v_to_part and h.metric_date = v_to_date and h.metric_hour <= v_to_hour
       and h.metric_minute is null and h.metric_type = any (v_types)
    union all
    -- the first hour's minutes before the window, the last hour's after it
    select m.metric_type, -m.metric_value
      from sms_monitor.sms_metric_rollups_system m
     where v_from_part and m.metric_date = v_from_date and m.metric_hour = v_from_hour
       and m.metric_minute < v_from_minute and m.metric_type = any (v_types)
    union all
    select m.metric_type, -m.metric_value
      from sms_monitor.sms_metric_rollups_system m
     where v_to_date > v_last_day and m.metric_date = v_to_date and m.metric_hour = v_to_hour
       and m.metric_minute > v_to_minute and m.metric_type = any (v_types)
    union all
    select t.metric_type, t.metric_value from tail t
  ), users as (
    select a.user_id, false as hit_limit
      from sms_monitor.sms_metric_active_users_daily a
     where a.metric_date between v_first_day and v_last_day
    union all
    select d.user_id, true
      from sms_monitor.sms_metric_rollups_daily d
     where d.metric_date between v_first_day and v_last_day
       and d.metric_type = 'daily_limit_hit_count' and d.metric_value > 0 and d.user_id <> v_nobody
    union all
    select a.user_id, (a.limit_minutes & w.mask) <> 0
      from sms_monitor.sms_metric_active_minutes a
     cross join lateral (
       select case when a.metric_hour = v_from_hour then v_from_mask else v_all end
              & case when v_from_date = v_to_date and a.metric_hour = v_to_hour then v_to_mask else v_all end as mask
     ) w
     where v_from_part and a.metric_date = v_from_date and a.metric_hour >= v_from_hour
       and (v_from_date < v_to_date or a.metric_hour <= v_to_hour)
       and (a.active_minutes & w.mask) <> 0
    union all
    select a.user_id, (a.limit_minutes & w.mask) <> 0
      from sms_monitor.sms_metric_active_minutes a
     cross join lateral (
       select case when a.metric_hour = v_to_hour then v_to_mask else v_all end as mask
     ) w
     where v_to_part and a.metric_date = v_to_date and a.metric_hour <= v_to_hour
       and (a.active_minutes & w.mask) <> 0
    union all
    select t.user_id, t.hit_limit
      from tail t
     where t.user_id <> v_nobody
  ), u as (
    -- per user first (a hash of a few thousand users, not a sort for count(distinct))
    select x.user_id, bool_or(x.hit_limit) as hit_limit from users x group by x.user_id
  )
  select v_from, v_to + interval '1 minute',
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'sent_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'delivered_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'llm_success_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'template_fallback_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'llm_cost_usd'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'opt_out_count'), 0),
         (select count(*) from u),
         (select count(*) from u where u.hit_limit)
    from sums s;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes '
  'to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
--! EndIncluded functions/_alert_window_stats.sql
