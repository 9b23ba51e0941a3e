-- Cheap shape check for event times: a date, a time, and an explicit offset (Z, +hh, +hhmm or
-- +hh:mm). A time without an offset would be read in the session's zone, which differs between
-- services: the bug that split a send and its delivery across days. String functions only (no
-- regex) because it runs once per event in record_sms_events; the cast checks the calendar.
create or replace function sms_monitor._looks_like_iso_time_with_offset(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text is null
      or (length(p_text) >= 17
          and substr(p_text, 5, 1) = '-' and substr(p_text, 8, 1) = '-'
          and substr(p_text, 11, 1) in ('T', 't', ' ')
          and (right(p_text, 1) in ('Z', 'z')
               or (substr(p_text, length(p_text) - 5, 1) in ('+', '-') and substr(p_text, length(p_text) - 2, 1) = ':')
               or substr(p_text, length(p_text) - 4, 1) in ('+', '-')
               or substr(p_text, length(p_text) - 2, 1) in ('+', '-')));
$$;

comment on function sms_monitor._looks_like_iso_time_with_offset(text) is
  'Internal: whether an event time has a date, a time and an explicit UTC offset (cheap, no regex).';
revoke all on function sms_monitor._looks_like_iso_time_with_offset(text) from public;
