-- The message fold (about every second by run_sms_rollups, before rollup_sms_metrics): claims the message
-- log rows past the 'sms_messages' watermark (_rollup_claim_range: serialized by an advisory lock,
-- waits out writers holding lower ids) and folds them into sms_messages and the counters
-- (_fold_message_events) in the same transaction, so every event is folded exactly once however
-- runs overlap, retry or die. Returns how many events it folded. Message events show in
-- sms_messages, the message reads and the counters once folded.
create or replace function sms_monitor.rollup_sms_messages()
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_range record;
  v_tz text;
begin
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_messages', 'sms_monitor.sms_message_events',
                                         'sms_monitor.sms_message_events_id_seq');
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  select s.reporting_timezone into v_tz from sms_monitor.settings s;
  return sms_monitor._fold_message_events(v_range.from_id, v_range.to_id, v_tz);
end;
$$;

comment on function sms_monitor.rollup_sms_messages() is
  'Folds the message events past the watermark into sms_messages and the counters, exactly once (one transaction '
  'with the watermark); returns how many events.';
revoke all on function sms_monitor.rollup_sms_messages() from public;
grant execute on function sms_monitor.rollup_sms_messages() to sms_monitor_admin, sms_monitor_notifier;
