-- What is wrong with one message event (a JSON object), as "<field>: <problem>", or NULL. The
-- bounds of every field (docs/messages.md); p_status is the event's status as _sms_message_status
-- mapped it (NULL: unknown); the time window (retention, clock skew) is checked by the caller,
-- which knows the clock and the settings. No sub-select and no SET clause, so the planner inlines
-- it into the caller's query (a called SQL function costs ~0.1 ms per element). Lengths are checked
-- with length() and characters with an unanchored class: a bounded repeat such as {1,64} in a
-- regular expression costs ~3 µs per match, the length check and the class ~0.3 µs.
create or replace function sms_monitor._message_event_problem(p_event jsonb, p_status text)
returns text
language sql
stable
parallel safe
as $$
  select case
    when jsonb_typeof(p_event) <> 'object' then
      format('(element): must be an object (got %s)', jsonb_typeof(p_event))
    when p_event - array['message_id', 'status', 'occurred_at', 'user_id', 'provider', 'sender', 'sender_type',
                         'carrier', 'country', 'error_code', 'segments', 'price_usd', 'message_class'] <> '{}'::jsonb then
      sms_monitor._message_event_unknown_field(p_event)
    when jsonb_typeof(p_event -> 'message_id') is distinct from 'string'
      or length(p_event ->> 'message_id') not between 1 and 64 or (p_event ->> 'message_id') ~ '[^\x21-\x7e]' then
      'message_id: is required: the provider''s id, 1 to 64 printable ASCII characters without spaces'
    when coalesce(jsonb_typeof(p_event -> 'provider'), 'null') not in ('string', 'null')
      or length(p_event ->> 'provider') > 32 or (p_event ->> 'provider') !~ '^[a-z0-9][a-z0-9_.-]*$' then
      'provider: must be a lower-case name of at most 32 characters (a-z, 0-9, _ . -), e.g. twilio'
    when jsonb_typeof(p_event -> 'status') is distinct from 'string' then
      'status: is required: queued, sent, delivered, undelivered, failed, canceled or a provider spelling'
    when p_status is null then
      format('status: unknown status %s (queued, sent, delivered, undelivered, failed, canceled or a provider '
             'spelling listed in sms_message_status_spellings)', to_json(left(p_event ->> 'status', 40))::text)
    when jsonb_typeof(p_event -> 'occurred_at') is distinct from 'string'
      or not sms_monitor._looks_like_iso_time_with_offset(p_event ->> 'occurred_at') then
      'occurred_at: is required: an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
    when coalesce(jsonb_typeof(p_event -> 'user_id'), 'null') not in ('string', 'null')
      or ((p_event ->> 'user_id') is not null and not sms_monitor._is_canonical_uuid(p_event ->> 'user_id')
          and not sms_monitor._is_uuid(p_event ->> 'user_id')) then
      'user_id: must be a UUID string or null'
    when coalesce(jsonb_typeof(p_event -> 'sender'), 'null') not in ('string', 'null')
      or length(p_event ->> 'sender') not between 1 and 64 or (p_event ->> 'sender') ~ '[\x00-\x1f\x7f]' then
      'sender: must be a string of 1 to 64 characters without control characters (a number or a sender id)'
    when coalesce(jsonb_typeof(p_event -> 'sender_type'), 'null') not in ('string', 'null')
      or (p_event ->> 'sender_type') not in ('long_code', 'short_code', 'toll_free', 'alphanumeric', 'other') then
      'sender_type: must be long_code, short_code, toll_free, alphanumeric or other'
    when coalesce(jsonb_typeof(p_event -> 'carrier'), 'null') not in ('string', 'null')
      or length(p_event ->> 'carrier') not between 1 and 64 or (p_event ->> 'carrier') ~ '[\x00-\x1f\x7f]' then
      'carrier: must be a string of 1 to 64 characters without control characters'
    when coalesce(jsonb_typeof(p_event -> 'country'), 'null') not in ('string', 'null')
      or (p_event ->> 'country') !~ '^[A-Z]{2}$' then
      'country: must be an ISO 3166-1 alpha-2 code in capitals, e.g. US'
    when coalesce(jsonb_typeof(p_event -> 'error_code'), 'null') not in ('string', 'number', 'null')
      or length(p_event ->> 'error_code') not between 1 and 32 or (p_event ->> 'error_code') ~ '[^A-Za-z0-9_.-]' then
      'error_code: must be a string or a whole number of 1 to 32 characters (letters, digits, _ . -)'
    when coalesce(jsonb_typeof(p_event -> 'segments'), 'null') not in ('number', 'null')
      or length(p_event ->> 'segments') not between 1 and 3 or (p_event ->> 'segments') ~ '[^0-9]'
      or (p_event ->> 'segments')::integer not between 1 and 255 then
      'segments: must be a whole number from 1 to 255'
    when coalesce(jsonb_typeof(p_event -> 'price_usd'), 'null') not in ('number', 'null')
      or (p_event ->> 'price_usd')::numeric < 0 or (p_event ->> 'price_usd')::numeric > 1000
      or scale((p_event ->> 'price_usd')::numeric) > 10 then
      'price_usd: must be a number from 0 to 1000 with at most 10 decimal places (what the message cost)'
    when coalesce(jsonb_typeof(p_event -> 'message_class'), 'null') not in ('string', 'null')
      or (p_event ->> 'message_class') not in ('otp', 'transactional', 'marketing', 'other') then
      'message_class: must be otp, transactional, marketing or other'
  end;
$$;

comment on function sms_monitor._message_event_problem(jsonb, text) is
  'Internal: the validation rules for one message event; returns "<field>: <problem>" or NULL.';
revoke all on function sms_monitor._message_event_problem(jsonb, text) from public;
