-- Kept for callers of the public contract (the notifier, operators' scripts): sms_metrics_daily and
-- sms_metrics_user_daily are live views now, so there is nothing to refresh; this runs the
-- incremental rollup (rollup_sms_metrics), which moves the tail into the rollups without changing
-- any figure. An error is raised, never swallowed.
create or replace function sms_monitor.refresh_sms_metrics_daily()
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform sms_monitor.rollup_sms_metrics();
end;
$$;

comment on function sms_monitor.refresh_sms_metrics_daily() is
  'Runs rollup_sms_metrics() (the daily views are live; nothing else to refresh). Kept for existing callers.';
revoke all on function sms_monitor.refresh_sms_metrics_daily() from public;
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_admin;
