-- The value of one message attribute a per-dimension rule groups by (NULL when p_by is NULL or the attribute is unknown).
create or replace function sms_monitor._alert_message_key(p_message sms_monitor.sms_messages, p_by text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return case p_by
  when 'carrier' then p_message.carrier
  when 'country' then p_message.country
  when 'sender' then p_message.sender
  when 'sender_type' then p_message.sender_type
  when 'error_code' then p_message.error_code
  when 'message_class' then p_message.message_class
  when 'provider' then p_message.provider
end;

comment on function sms_monitor._alert_message_key(sms_monitor.sms_messages, text) is
  'Internal: the attribute p_by (carrier, country, sender, sender_type, error_code, message_class, provider) of a message.';
revoke all on function sms_monitor._alert_message_key(sms_monitor.sms_messages, text) from public;
