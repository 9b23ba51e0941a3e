-- A provider's status word as one of the six statuses: the mapping for that provider first, then
-- the one for any provider (sms_message_status_spellings, the only place spellings are mapped);
-- no row when it is not known. Case-insensitive. A set-returning SQL function without SET clauses,
-- so a query that joins it (lateral) has it inlined and planned once with the query, where a call
-- of the scalar _sms_message_status plans its query again in every statement that calls it.
create or replace function sms_monitor._sms_message_status_of(p_provider text, p_spelling text)
returns table (status text)
language sql
stable
parallel safe
rows 1
as $$
  select s.status
    from sms_monitor.sms_message_status_spellings s
   where s.spelling = lower(p_spelling)
     and s.provider in (coalesce(lower(p_provider), ''), '')
   order by s.provider desc
   limit 1;
$$;

comment on function sms_monitor._sms_message_status_of(text, text) is
  'Internal: the status a provider''s spelling maps to, as one row (none: unknown); joined laterally it is inlined.';
revoke all on function sms_monitor._sms_message_status_of(text, text) from public;
