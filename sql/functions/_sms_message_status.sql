-- A provider's status word as one of the six statuses, or NULL when it is not known
-- (_sms_message_status_of holds the mapping).
create or replace function sms_monitor._sms_message_status(p_provider text, p_spelling text)
returns text
language sql
stable
parallel safe
as $$
  select s.status from sms_monitor._sms_message_status_of(p_provider, p_spelling) s;
$$;

comment on function sms_monitor._sms_message_status(text, text) is
  'Internal: maps a provider''s status spelling to queued, sent, delivered, undelivered, failed or canceled (NULL: unknown).';
revoke all on function sms_monitor._sms_message_status(text, text) from public;
