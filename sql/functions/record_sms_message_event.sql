-- One message event: the single-event form of record_sms_message_events (same rules, same
-- counting). p_attributes holds the optional fields (user_id, provider, sender, sender_type,
-- carrier, country, error_code, segments, price_usd, message_class). Errors name the field without
-- the events[0] prefix. Returns 1 (the event was accepted into the log; the fold counts it).
create or replace function sms_monitor.record_sms_message_event(
  p_message_id text,
  p_status text,
  p_occurred_at timestamptz,
  p_attributes jsonb default '{}'::jsonb
)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  if p_attributes is null or jsonb_typeof(p_attributes) <> 'object' then
    raise exception 'attributes: must be a JSON object (got %)', coalesce(jsonb_typeof(p_attributes), 'NULL')
      using errcode = '22023';
  end if;
  if p_attributes ?| array['message_id', 'status', 'occurred_at'] then
    raise exception 'attributes: must not hold message_id, status or occurred_at (they are arguments)'
      using errcode = '22023';
  end if;
  return sms_monitor.record_sms_message_events(jsonb_build_array(p_attributes || jsonb_build_object(
    'message_id', p_message_id, 'status', p_status,
    'occurred_at', to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))));
exception when sqlstate '22023' then
  -- the same check as the batch form, named as this function's arguments
  raise exception '%', regexp_replace(sqlerrm, '^events\[0\]\.', '') using errcode = '22023';
end;
$$;

comment on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb) is
  'Records one message event (the optional fields in p_attributes) like record_sms_message_events; returns 1 (accepted; '
  'rollup_sms_messages folds it). 22023 names the field.';
revoke all on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
