-- Cheap shape check for event times: a date (digits and two dashes), a time (digits, ':' and '.'
-- only) and an explicit offset (Z, +hh, +hhmm or +hh:mm, digits only). A time without an offset
-- would be read in the session's zone, which differs between services: the bug that split a send
-- and its delivery across days; a zone name or anything else between the time and the offset
-- (2026-12-01T10:00:00 Mars/Phobos+01:00, which PostgreSQL would read somehow) is refused too.
-- String functions only (no regex) because it runs once per event in record_sms_events; the cast
-- checks the calendar and the offset's range.
create or replace function sms_monitor._looks_like_iso_time_with_offset(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text is null
      or (length(p_text) >= 17 and length(p_text) <= 40
          and substr(p_text, 5, 1) = '-' and substr(p_text, 8, 1) = '-'
          and translate(left(p_text, 10), '0123456789', '') = '--'
          and substr(p_text, 11, 1) in ('T', 't', ' ')
          and case
                when right(p_text, 1) in ('Z', 'z') then
                  translate(substr(p_text, 12, length(p_text) - 12), '0123456789:.', '') = ''
                when substr(p_text, length(p_text) - 5, 1) in ('+', '-') and substr(p_text, length(p_text) - 2, 1) = ':' then
                  translate(substr(p_text, 12, length(p_text) - 17), '0123456789:.', '') = ''
                  and translate(right(p_text, 5), '0123456789', '') = ':'
                when substr(p_text, length(p_text) - 4, 1) in ('+', '-') then
                  translate(substr(p_text, 12, length(p_text) - 16), '0123456789:.', '') = ''
                  and translate(right(p_text, 4), '0123456789', '') = ''
                when substr(p_text, length(p_text) - 2, 1) in ('+', '-') then
                  translate(substr(p_text, 12, length(p_text) - 14), '0123456789:.', '') = ''
                  and translate(right(p_text, 2), '0123456789', '') = ''
                else false
              end);
$$;

comment on function sms_monitor._looks_like_iso_time_with_offset(text) is
  'Internal: whether an event time is a date, a time and an explicit UTC offset and nothing else (cheap, no regex).';
revoke all on function sms_monitor._looks_like_iso_time_with_offset(text) from public;
