-- Internal (owner only): retention at any p_now, for tests. Everyone else runs apply_sms_retention(),
-- which uses the server's now(): a caller who could choose the cut-off could delete everything.
-- The daily retention job (pg_cron 'sms-monitor-retention'). Deletes, per sms_monitor.settings:
--   sms_metrics buckets whose reporting day is more than metric_retention_days (default 400) before
--     the reporting day of p_now;
--   outbox rows delivered (status sent) more than notification_retention_days (default 30) ago, of
--     incidents resolved before that too (an open incident keeps them: they say whom to tell when it
--     is resolved); failed and dead rows stay as evidence until an operator looks at them;
--   pg_cron's cron.job_run_details rows that ended more than job_run_retention_days (default 14)
--     ago, when pg_cron is installed here (that table grows by a row per job run, forever).
--   batch ids of record_sms_events (sms_ingest_batches) older than 7 days: a retry later than that
--     would be recorded again (the buffered client gives up on a batch long before);
-- Returns one row per target with how many rows went.
create or replace function sms_monitor._apply_sms_retention(p_now timestamptz)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_settings sms_monitor.settings;
  v_count bigint;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  select * into v_settings from sms_monitor.settings;

  delete from sms_monitor.sms_metrics m
   where m.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_metrics'; deleted := v_count; return next;

  -- only of incidents resolved before the cut-off: an open incident's sent trigger is how its
  -- acknowledge and resolve find the channels that were told (_alert_told_channels)
  delete from sms_monitor.sms_alert_notifications n
   using sms_monitor.sms_alert_history h
   where h.id = n.alert_id
     and n.status = 'sent' and n.sent_at < p_now - make_interval(days => v_settings.notification_retention_days)
     and h.resolved_at < p_now - make_interval(days => v_settings.notification_retention_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_alert_notifications'; deleted := v_count; return next;

  delete from sms_monitor.sms_ingest_batches b where b.created_at < p_now - interval '7 days';
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_ingest_batches'; deleted := v_count; return next;

  if to_regclass('cron.job_run_details') is not null then
    execute 'delete from cron.job_run_details where end_time < $1'
      using p_now - make_interval(days => v_settings.job_run_retention_days);
    get diagnostics v_count = row_count;
    target := 'cron.job_run_details'; deleted := v_count; return next;
  end if;
end;
$$;

comment on function sms_monitor._apply_sms_retention(timestamptz) is
  'Internal: apply_sms_retention at any p_now (owner only).';
revoke all on function sms_monitor._apply_sms_retention(timestamptz) from public;
