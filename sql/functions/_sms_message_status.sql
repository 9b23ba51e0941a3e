-- A provider's status word as one of the six statuses, or NULL when it is not known: the mapping
-- for that provider first, then the one for any provider (sms_message_status_spellings, the only
-- place spellings are mapped). Case-insensitive.
create or replace function sms_monitor._sms_message_status(p_provider text, p_spelling text)
returns text
language sql
stable
parallel safe
as $$
  select s.status
    from sms_monitor.sms_message_status_spellings s
   where s.spelling = lower(p_spelling)
     and s.provider in (coalesce(lower(p_provider), ''), '')
   order by s.provider desc
   limit 1;
$$;

comment on function sms_monitor._sms_message_status(text, text) is
  'Internal: maps a provider''s status spelling to queued, sent, delivered, undelivered, failed or canceled (NULL: unknown).';
revoke all on function sms_monitor._sms_message_status(text, text) from public;
