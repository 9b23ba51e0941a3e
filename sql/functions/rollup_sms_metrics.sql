-- The incremental rollup (every 2 s by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grains (sms_metric_rollups_daily per user, sms_metric_rollups_system_daily
-- for all users, sms_metric_active_users_daily) in the same transaction.
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
  v_count bigint;
begin
  if to_regclass(format('sms_monitor.sms_metric_events_%s',
                        to_char((now() at time zone 'UTC')::date + 1, 'YYYYMMDD'))) is null then
    -- (a day with rows in the default partition is left there: see _ensure_sms_event_partitions)
    perform sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date, 3);
  end if;
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_metrics', 'sms_monitor.sms_metric_events',
                                         'sms_monitor.sms_metric_events_id_seq');
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  select count(*) into v_count
    from sms_monitor.sms_metric_events e where e.id > v_range.from_id and e.id <= v_range.to_id;
  -- keys in a fixed order: retention's compaction takes the same rows' locks in the same order
  insert into sms_monitor.sms_metric_rollups as r
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
  select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute,
         sum(e.metric_value), count(*),
         coalesce(sms_monitor._jsonb_merge_agg(e.metadata order by e.id) filter (where e.metadata is not null), '{}'::jsonb)
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
   group by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
   order by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
  on conflict on constraint sms_metric_rollups_key do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count,
        metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata);
  insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
  select e.user_id, e.metric_type, e.metric_date, sum(e.metric_value), count(*)
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
   group by e.user_id, e.metric_type, e.metric_date
   order by e.user_id, e.metric_type, e.metric_date
  on conflict on constraint sms_metric_rollups_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  -- the system-wide day grain and the day's users, from the same range (what sms_metrics_daily reads)
  insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
  select e.metric_date, e.metric_type, sum(e.metric_value), count(*)
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
   group by e.metric_date, e.metric_type
   order by e.metric_date, e.metric_type
  on conflict on constraint sms_metric_rollups_system_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
  select distinct e.metric_date, e.user_id
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
     and e.user_id <> sms_monitor._system_wide_user()
   order by e.metric_date, e.user_id
  on conflict on constraint sms_metric_active_users_daily_pkey do nothing;
  return v_count;
end;
$$;

comment on function sms_monitor.rollup_sms_metrics() is
  'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction '
  'with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';
revoke all on function sms_monitor.rollup_sms_metrics() from public;
grant execute on function sms_monitor.rollup_sms_metrics() to sms_monitor_admin, sms_monitor_notifier;
