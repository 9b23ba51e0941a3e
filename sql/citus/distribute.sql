-- Distributes the metric storage over Citus workers (docs/scaling.md), only where the citus
-- extension is installed in this database; elsewhere it says so and changes nothing. Run on the
-- coordinator after `sms-monitor migrate`, as the owner (scripts/citus-distribute.sh does both
-- steps); running it again changes nothing.
--   distributed by user_id, co-located: sms_metric_events (the log, with its partitions) and
--     sms_metric_rollups and sms_metric_rollups_daily, so the rollup's INSERT ... SELECT ... GROUP BY user_id, ... runs on the
--     workers, shard by shard;
--   reference tables (a copy on every node): metric_types, settings, sms_rollup_watermarks;
--   everything else (alerting, outbox, batch ids, the system-wide day rollups
--     sms_metric_rollups_system_daily, sms_metric_active_users_daily and sms_metric_active_user_counts
--     (kept by triggers on the users table, local tables as it): keyed by day, a dozen rows, a row per
--     active user a day and one count a day, and the alert-window grains sms_metric_rollups_system,
--     sms_metric_active_minutes and sms_metrics_window_grains: keyed by day and hour) stays on the coordinator.
do $$
declare
  v_table text;
begin
  if not exists (select from pg_extension e where e.extname = 'citus') then
    raise notice 'citus is not installed in database %: nothing distributed', current_database();
    return;
  end if;
  foreach v_table in array array['sms_monitor.metric_types', 'sms_monitor.settings', 'sms_monitor.sms_rollup_watermarks'] loop
    if not exists (select from pg_dist_partition p where p.logicalrelid = v_table::regclass) then
      execute 'select create_reference_table($1)' using v_table;
    end if;
  end loop;
  if not exists (select from pg_dist_partition p where p.logicalrelid = 'sms_monitor.sms_metric_events'::regclass) then
    execute $q$select create_distributed_table('sms_monitor.sms_metric_events', 'user_id')$q$;
  end if;
  if not exists (select from pg_dist_partition p where p.logicalrelid = 'sms_monitor.sms_metric_rollups'::regclass) then
    execute $q$select create_distributed_table('sms_monitor.sms_metric_rollups', 'user_id',
                                              colocate_with => 'sms_monitor.sms_metric_events')$q$;
  end if;
  if not exists (select from pg_dist_partition p where p.logicalrelid = 'sms_monitor.sms_metric_rollups_daily'::regclass) then
    execute $q$select create_distributed_table('sms_monitor.sms_metric_rollups_daily', 'user_id',
                                              colocate_with => 'sms_monitor.sms_metric_events')$q$;
  end if;
  raise notice 'sms-monitor: sms_metric_events, sms_metric_rollups and sms_metric_rollups_daily distributed by user_id';
end $$;
