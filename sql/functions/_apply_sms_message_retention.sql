-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- messages nothing has arrived for in p_days days (sms_messages.updated_at), and message log rows
-- that arrived before then, and the message buckets (sms_message_minute_stats,
-- sms_message_hour_stats) of minutes and whole hours before then. Their counters live on in the rollups until those age out too.
create or replace function sms_monitor._apply_sms_message_retention(p_now timestamptz, p_days integer)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  delete from sms_monitor.sms_messages m where m.updated_at < p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_messages'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_events e
   where e.recorded_on < ((p_now - make_interval(days => p_days)) at time zone 'UTC')::date;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_events'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_minute_stats t where t.minute < p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_minute_stats'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_hour_stats t where t.minute + interval '1 hour' <= p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_hour_stats'; deleted := v_count; return next;
end;
$$;

comment on function sms_monitor._apply_sms_message_retention(timestamptz, integer) is
  'Internal: deletes messages untouched for p_days days, message log rows recorded and message minute buckets '
  'older than then.';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
