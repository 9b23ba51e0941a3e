-- Rebuilds the alert-window grains for the reporting days p_from .. p_to from sms_metric_rollups:
-- sms_metric_rollups_system (per hour the sum of all its rows, per minute the sum of its minute
-- rows, all users together, by metric type) and sms_metric_active_minutes (per user and hour the
-- minutes with a row, and those with a daily_limit_hit_count above zero; an hour row sets all 60).
-- Callers: _rebuild_system_rollups (migration backfill, benchmark seeds) and rollup_sms_metrics when
-- sms_metrics_window_grains says a run left the grains behind. It holds the rollup's lock, so no
-- rollup run changes the minute rollups while they are summed. Returns the sms_metric_rollups_system rows written.
create or replace function sms_monitor._rebuild_window_grains(p_from date, p_to date)
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
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'));
  delete from sms_monitor.sms_metric_rollups_system s where s.metric_date between p_from and p_to;
  delete from sms_monitor.sms_metric_active_minutes a where a.metric_date between p_from and p_to;
  insert into sms_monitor.sms_metric_rollups_system (metric_date, metric_hour, metric_minute, metric_type, metric_value)
  select r.metric_date, r.metric_hour, r.metric_minute, r.metric_type, sum(r.metric_value)
    from sms_monitor.sms_metric_rollups r
   where r.metric_date between p_from and p_to and r.metric_hour is not null
   group by grouping sets ((r.metric_date, r.metric_hour, r.metric_minute, r.metric_type),
                           (r.metric_date, r.metric_hour, r.metric_type))
  -- the first set's hour rows (minute NULL) are the second set's business
  having grouping(r.metric_minute) = 1 or r.metric_minute is not null
   order by 1, 2, 3, 4;
  get diagnostics v_count = row_count;
  insert into sms_monitor.sms_metric_active_minutes (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
  select r.metric_date, r.metric_hour, r.user_id, bit_or(sms_monitor._minute_bits(r.metric_minute)),
         coalesce(bit_or(sms_monitor._minute_bits(r.metric_minute))
                    filter (where r.metric_type = 'daily_limit_hit_count' and r.metric_value > 0), 0)
    from sms_monitor.sms_metric_rollups r
   where r.metric_date between p_from and p_to and r.metric_hour is not null
     and r.user_id <> sms_monitor._system_wide_user()
   group by r.metric_date, r.metric_hour, r.user_id
   order by 1, 2, 3;
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_window_grains(date, date) is
  'Internal: rebuilds sms_metric_rollups_system and sms_metric_active_minutes for the days p_from .. p_to from '
  'sms_metric_rollups (backfill, seeds, a rollup run that left them behind); returns the system rows written.';
revoke all on function sms_monitor._rebuild_window_grains(date, date) from public;
