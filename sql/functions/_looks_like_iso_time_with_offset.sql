-- Cheap shape check for event times: a date (digits and two dashes), a time (digits, ':' and '.'
-- only) and an explicit offset (Z, +hh, +hhmm or +hh:mm, digits only). A time without an offset
-- would be read in the session's zone, which differs between services: the bug that split a send
-- and its delivery across days; a zone name or anything else between the time and the offset
-- (2026-12-01T10:00:00 Mars/Phobos+01:00, which PostgreSQL would read somehow) is refused too.
-- It runs once per event in record_sms_events, inlined, so each use of p_text re-evaluates the
-- caller's argument (a jsonb ->>): one anchored regular expression (compiled once per backend) uses
-- it three times, where a chain of string functions would use it a dozen times at about twice the
-- cost per event. ASCII digits only ([0-9], not \d). The cast checks the calendar and the offset's range.
create or replace function sms_monitor._looks_like_iso_time_with_offset(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text is null
      or (length(p_text) between 17 and 40
          and p_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9:.]*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$');
$$;

comment on function sms_monitor._looks_like_iso_time_with_offset(text) is
  'Internal: whether an event time is a date, a time and an explicit UTC offset and nothing else (cheap, one regex).';
revoke all on function sms_monitor._looks_like_iso_time_with_offset(text) from public;
