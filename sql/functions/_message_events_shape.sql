-- The regular expression a batch of message events (a JSON array) matches, in jsonb's text form,
-- only when every element passes _message_event_problem, except for what
-- record_sms_message_events' fast path checks beside it: the lengths of message_id, provider,
-- sender, carrier, error_code and occurred_at, the scale of price_usd, the status spelling, the
-- user_id (its cast) and the time window. jsonb prints an object's keys sorted by length, then
-- byte by byte, separated by ", " with ": " after each key, and a string with " or \ escaped, so
-- an element is exactly one object whose keys are known and in that order, each value of the type
-- and characters its field allows. The pattern may refuse an element that passes (a string with an
-- escaped character, a non-canonical number): the caller then checks element by element; it never
-- accepts one that does not. One match over the whole batch costs ~2 µs an element, one match per
-- element and field ~1 µs each. No bounded repeats over long runs ({1,64} costs ~4x the match).
create or replace function sms_monitor._message_events_shape()
returns text
language sql
immutable
parallel safe
as $$
  select '^\[' || o || '(?:, ' || o || ')*\]$'
    from (select
      '\{(?:"sender": ' || free || ', )?"status": "[^"\\]*"'
      || '(?:, "carrier": ' || free || ')?'
      || '(?:, "country": (?:"[A-Z]{2}"|null))?'
      || '(?:, "user_id": (?:"[^"\\]*"|null))?'
      || '(?:, "provider": (?:"[a-z0-9][a-z0-9_.-]*"|null))?'
      || '(?:, "segments": (?:[1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]|null))?'
      || '(?:, "price_usd": (?:(?:0|[1-9][0-9]{0,2})(?:\.[0-9]+)?|1000(?:\.0+)?|null))?'
      || '(?:, "error_code": (?:"[A-Za-z0-9_.-]+"|-?[0-9][0-9.]*|null))?'
      || ', "message_id": "[\x21\x23-\x5b\x5d-\x7e]+"'
      || ', "occurred_at": "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9:.]*(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)"'
      || '(?:, "sender_type": (?:"(?:long_code|short_code|toll_free|alphanumeric|other)"|null))?'
      || '(?:, "message_class": (?:"(?:otp|transactional|marketing|other)"|null))?\}' as o
       from (select '(?:"[^\x00-\x1f\x7f"\\]+"|null)'::text as free) f) x;
$$;

comment on function sms_monitor._message_events_shape() is
  'Internal: the regular expression a JSON array of message events matches (as jsonb text) only when each element '
  'passes _message_event_problem, lengths, price scale, status, user_id and times aside.';
revoke all on function sms_monitor._message_events_shape() from public;
