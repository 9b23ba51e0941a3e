-- The incremental rollup (about every second by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grains (sms_metric_rollups_daily per user, sms_metric_rollups_system_daily
-- for all users, sms_metric_active_users_daily) and the alert-window grains (sms_metric_rollups_system per
-- hour and minute, sms_metric_active_minutes) in the same transaction.
-- The window grains have a watermark of their own (sms_metrics_window_grains): a run with an earlier
-- body of this function (compiled before a migration committed) rolls events up without them, so
-- when it is behind the rollup's watermark, the days of the log rows in between are summed again
-- from the minute rollups (_rebuild_window_grains) before this run's range is added.
-- Returns how many log rows it rolled up.
create or replace function sms_monitor.rollup_sms_metrics()
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_range record;
  v_written record;
  v_grains bigint;
  v_day date;
begin
  if to_regclass(format('sms_monitor.sms_metric_events_%s',
                        to_char((now() at time zone 'UTC')::date + 1, 'YYYYMMDD'))) is null then
    -- (a day with rows in the default partition is left there: see _ensure_sms_event_partitions)
    perform sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date, 3);
  end if;
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_metrics', 'sms_monitor.sms_metric_events',
                                         'sms_monitor.sms_metric_events_id_seq');
  select g.last_id into v_grains from sms_monitor.sms_metrics_window_grains g for update;
  if v_grains is null then
    raise exception 'rollup sms_metrics: no row in sms_metrics_window_grains' using errcode = '55000';
  end if;
  if v_grains < v_range.from_id then
    -- the ids (v_grains, from_id] are in the minute rollups but not in the window grains
    for v_day in
      select distinct e.metric_date from sms_monitor.sms_metric_events e
       where e.id > v_grains and e.id <= v_range.from_id and e.metric_hour is not null
       order by 1
    loop
      perform sms_monitor._rebuild_window_grains(v_day, v_day);
    end loop;
  end if;
  if v_grains is distinct from v_range.to_id then
    update sms_monitor.sms_metrics_window_grains set last_id = v_range.to_id;
  end if;
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  -- one pass over the range: its minute buckets (m), from which every grain is added, keys in a
  -- fixed order (retention's compaction takes the same rows' locks in the same order), and the
  -- tables in a fixed order too: the select list reads each insert's result in turn
  with m as materialized (
    select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute,
           sum(e.metric_value) as metric_value, count(*) as sample_count,
           coalesce(sms_monitor._jsonb_merge_agg(e.metadata order by e.id) filter (where e.metadata is not null),
                    '{}'::jsonb) as metadata
      from sms_monitor.sms_metric_events e
     where e.id > v_range.from_id and e.id <= v_range.to_id
     group by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
  ), minutes as (
    insert into sms_monitor.sms_metric_rollups as r
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
    select m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute, m.metric_value, m.sample_count, m.metadata
      from m
     order by m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute
    on conflict on constraint sms_metric_rollups_key do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count,
          metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata)
    returning 1
  ), days as (
    insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
    select m.user_id, m.metric_type, m.metric_date, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.user_id, m.metric_type, m.metric_date
     order by m.user_id, m.metric_type, m.metric_date
    on conflict on constraint sms_metric_rollups_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), system_days as (
    -- the system-wide day grain and the day's users (what sms_metrics_daily reads)
    insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
    select m.metric_date, m.metric_type, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.metric_date, m.metric_type
     order by m.metric_date, m.metric_type
    on conflict on constraint sms_metric_rollups_system_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), users as (
    insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
    select distinct m.metric_date, m.user_id
      from m
     where m.user_id <> sms_monitor._system_wide_user()
     order by m.metric_date, m.user_id
    on conflict on constraint sms_metric_active_users_daily_pkey do nothing
    returning 1
  ), system_hours as (
    -- the window grains: per hour all its rows, per minute its minute rows, all users together
    insert into sms_monitor.sms_metric_rollups_system as r (metric_date, metric_hour, metric_minute, metric_type, metric_value)
    select m.metric_date, m.metric_hour, m.metric_minute, m.metric_type, sum(m.metric_value)
      from m
     where m.metric_hour is not null
     group by grouping sets ((m.metric_date, m.metric_hour, m.metric_minute, m.metric_type),
                             (m.metric_date, m.metric_hour, m.metric_type))
    having grouping(m.metric_minute) = 1 or m.metric_minute is not null
     order by 1, 2, 3, 4
    on conflict on constraint sms_metric_rollups_system_key do update
      set metric_value = r.metric_value + excluded.metric_value
    returning 1
  ), minutes_active as (
    -- per user and hour the minutes with a row (an unchanged mask is not written again)
    insert into sms_monitor.sms_metric_active_minutes as a (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
    select m.metric_date, m.metric_hour, m.user_id, bit_or(sms_monitor._minute_bits(m.metric_minute)),
           coalesce(bit_or(sms_monitor._minute_bits(m.metric_minute))
                      filter (where m.metric_type = 'daily_limit_hit_count' and m.metric_value > 0), 0)
      from m
     where m.metric_hour is not null and m.user_id <> sms_monitor._system_wide_user()
     group by m.metric_date, m.metric_hour, m.user_id
     order by 1, 2, 3
    on conflict on constraint sms_metric_active_minutes_pkey do update
      set active_minutes = a.active_minutes | excluded.active_minutes,
          limit_minutes = a.limit_minutes | excluded.limit_minutes
      where (a.active_minutes | excluded.active_minutes) <> a.active_minutes
         or (a.limit_minutes | excluded.limit_minutes) <> a.limit_minutes
    returning 1
  )
  select (select coalesce(sum(m.sample_count), 0)::bigint from m) as events, (select count(*) from minutes) as minutes,
         (select count(*) from days) as days, (select count(*) from system_days) as system_days,
         (select count(*) from users) as users, (select count(*) from system_hours) as system_hours,
         (select count(*) from minutes_active) as minutes_active
    into v_written;
  return v_written.events;
end;
$$;

comment on function sms_monitor.rollup_sms_metrics() is
  'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction '
  'with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';
revoke all on function sms_monitor.rollup_sms_metrics() from public;
grant execute on function sms_monitor.rollup_sms_metrics() to sms_monitor_admin, sms_monitor_notifier;
