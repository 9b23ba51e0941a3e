-- Rebuilds the system-wide day rollups (sms_metric_rollups_system_daily: one row per day and metric
-- type for all users together; sms_metric_active_users_daily: which users had any row that day) for
-- the reporting days p_from .. p_to from the per-user day grain (sms_metric_rollups_daily), and the
-- alert-window grains of those days from the minute rollups (_rebuild_window_grains), the way
-- rollup_sms_metrics, the sms_metrics insert trigger and retention keep them. The migration's
-- backfill and the benchmark seeders (which write rollup rows directly) call it; the log tail past
-- the watermark stays out, as in every rollup table (readers add it). It holds the rollup's lock,
-- so no rollup run changes the per-user days while they are summed. Returns the day rows written.
create or replace function sms_monitor._rebuild_system_rollups(p_from date, p_to date)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  if p_from is null or p_to is null then
    raise exception 'from and to: both days are needed' using errcode = '22023';
  end if;
  -- the rollup's own lock (_rollup_claim_range): no run adds to the day grain while it is summed
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'));
  delete from sms_monitor.sms_metric_rollups_system_daily s where s.metric_date between p_from and p_to;
  delete from sms_monitor.sms_metric_active_users_daily a where a.metric_date between p_from and p_to;
  insert into sms_monitor.sms_metric_rollups_system_daily (metric_date, metric_type, metric_value, sample_count)
  select d.metric_date, d.metric_type, sum(d.metric_value), sum(d.sample_count)
    from sms_monitor.sms_metric_rollups_daily d
   where d.metric_date between p_from and p_to
   group by d.metric_date, d.metric_type
   order by d.metric_date, d.metric_type;
  get diagnostics v_count = row_count;
  insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
  select distinct d.metric_date, d.user_id
    from sms_monitor.sms_metric_rollups_daily d
   where d.metric_date between p_from and p_to
     and d.user_id <> sms_monitor._system_wide_user()
   order by d.metric_date, d.user_id;
  perform sms_monitor._rebuild_window_grains(p_from, p_to);
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_system_rollups(date, date) is
  'Internal: rebuilds sms_metric_rollups_system_daily and sms_metric_active_users_daily for the days p_from .. p_to '
  'from sms_metric_rollups_daily, and the alert-window grains (migration backfill, benchmark seeds); returns the day rows written.';
revoke all on function sms_monitor._rebuild_system_rollups(date, date) from public;
