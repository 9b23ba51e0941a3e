-- The daily retention job (pg_cron 'sms-monitor-retention', or the notifier where pg_cron is
-- missing), always at the server's now(): no caller chooses the cut-off (with "now() + 3000 years"
-- it would delete every metric and every cron run record). What it deletes: _apply_sms_retention.sql.
create or replace function sms_monitor.apply_sms_retention()
returns table (target text, deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query select * from sms_monitor._apply_sms_retention(now());
end;
$$;

comment on function sms_monitor.apply_sms_retention() is
  'Daily retention at the server''s now(): rolls up, deletes metric buckets older than settings.metric_retention_days (400), '
  'drops rolled-up event log partitions older than 3 days, deletes sent '
  'notifications older than notification_retention_days (30) of incidents resolved before then, batch ids older than '
  '7 days and cron.job_run_details older than job_run_retention_days (14).';
revoke all on function sms_monitor.apply_sms_retention() from public;
grant execute on function sms_monitor.apply_sms_retention() to sms_monitor_admin, sms_monitor_notifier;
