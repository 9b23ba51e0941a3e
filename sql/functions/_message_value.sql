-- The value of one message attribute (a message_dimension) of a sms_messages row: the one mapping
-- from a dimension to its column, used by the message readers and the minute buckets. No SET
-- clause, every name qualified: the planner inlines it.
create or replace function sms_monitor._message_value(p_message sms_monitor.sms_messages,
                                                     p_dimension sms_monitor.message_dimension)
returns text
language sql
immutable
parallel safe
as $$
  select case p_dimension
           when 'carrier' then (p_message).carrier when 'country' then (p_message).country
           when 'sender' then (p_message).sender when 'sender_type' then (p_message).sender_type
           when 'error_code' then (p_message).error_code when 'message_class' then (p_message).message_class
           when 'provider' then (p_message).provider end
$$;

comment on function sms_monitor._message_value(sms_monitor.sms_messages, sms_monitor.message_dimension) is
  'Internal: the message''s value of p_dimension (carrier, country, ...), NULL when unknown or p_dimension is NULL.';
revoke all on function sms_monitor._message_value(sms_monitor.sms_messages, sms_monitor.message_dimension) from public;
grant execute on function sms_monitor._message_value(sms_monitor.sms_messages, sms_monitor.message_dimension)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
