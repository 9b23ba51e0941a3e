-- record_sms_message_events / record_sms_message_event: every field's bounds, 22023 naming
-- events[i].field (the field alone in the single form), and nothing written by a refused batch.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(36);

-- one valid element with one field replaced (or removed, with 'null' as p_value and p_remove)
create function pg_temp.ev(p_field text, p_value jsonb, p_remove boolean default false) returns jsonb language sql as $$
  select case when p_remove then e - p_field else e || jsonb_build_object(p_field, p_value) end
    from (select jsonb_build_object('message_id', 'SMok', 'status', 'sent',
            'occurred_at', to_char((now() - interval '1 minute') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) e) x $$;
create function pg_temp.batch(p_bad jsonb) returns jsonb language sql as $$
  select jsonb_build_array(pg_temp.ev('message_id', '"SMfirst"'), p_bad) $$;

select throws_ok($$select sms_monitor.record_sms_message_events('{}')$$, '22023',
  'events: must be a JSON array of message events (got object)', 'not an array');
select throws_ok($$select sms_monitor.record_sms_message_events(null)$$, '22023',
  'events: must be a JSON array of message events (got NULL)', 'NULL');
select throws_ok($$select sms_monitor.record_sms_message_events('[1]')$$, '22023',
  'events[0].(element): must be an object (got number)', 'an element that is no object');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('body', '"hi"')))$$, '22023',
  'events[1].body: unknown field (allowed: message_id, status, occurred_at, user_id, provider, sender, sender_type, carrier, country, error_code, segments, price_usd, message_class)',
  'an unknown field');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('message_id', 'null', true)))$$, '22023',
  'events[1].message_id: is required: the provider''s id, 1 to 64 printable ASCII characters without spaces', 'message_id missing');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('message_id', to_jsonb(repeat('x', 65)))))$$, '22023',
  'events[1].message_id: is required: the provider''s id, 1 to 64 printable ASCII characters without spaces', 'message_id of 65 characters');
select lives_ok($$select sms_monitor.record_sms_message_events(jsonb_build_array(pg_temp.ev('message_id', to_jsonb(repeat('x', 64)))))$$,
  'message_id of 64 characters');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('message_id', '"a b"')))$$, '22023',
  'events[1].message_id: is required: the provider''s id, 1 to 64 printable ASCII characters without spaces', 'message_id with a space');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('status', 'null', true)))$$, '22023',
  'events[1].status: is required: queued, sent, delivered, undelivered, failed, canceled or a provider spelling', 'status missing');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('status', '"delivery_failed"')))$$, '22023',
  'events[1].status: unknown status "delivery_failed" (queued, sent, delivered, undelivered, failed, canceled or a provider spelling listed in sms_message_status_spellings)',
  'a spelling of another provider (telnyx) is unknown without that provider');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('provider', '"Twilio"')))$$, '22023',
  'events[1].provider: must be a lower-case name of at most 32 characters (a-z, 0-9, _ . -), e.g. twilio', 'provider in capitals');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('occurred_at', 'null', true)))$$, '22023',
  'events[1].occurred_at: is required: an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z', 'occurred_at missing');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('occurred_at', '"2026-06-01T10:00:00"')))$$, '22023',
  'events[1].occurred_at: is required: an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z', 'occurred_at without an offset');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('occurred_at', '"2026-02-30T10:00:00Z"')))$$, '22023',
  'events[1].occurred_at: 2026-02-30T10:00:00Z is not a valid time', 'February 30th');
-- a time that does not parse after another bad element: the first bad element is named
select throws_ok($$select sms_monitor.record_sms_message_events(jsonb_build_array(
    pg_temp.ev('status', '"nope"'), pg_temp.ev('occurred_at', '"2026-02-30T10:00:00Z"')))$$, '22023',
  'events[0].status: unknown status "nope" (queued, sent, delivered, undelivered, failed, canceled or a provider spelling listed in sms_message_status_spellings)',
  'February 30th after an unknown status: the status is named');
select throws_like($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('occurred_at',
    to_jsonb(to_char((now() + interval '10 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))))$$,
  'events[1].occurred_at: % is more than 00:05:00 ahead of the server clock (%)', 'ten minutes ahead of the clock');
select throws_like($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('occurred_at', '"2001-01-01T00:00:00Z"')))$$,
  'events[1].occurred_at: 2001-01-01T00:00:00Z is older than the % days retention keeps (earliest day: %)', 'older than retention');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('user_id', '"nope"')))$$, '22023',
  'events[1].user_id: must be a UUID string or null', 'user_id not a UUID');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('sender', to_jsonb(repeat('9', 65)))))$$, '22023',
  'events[1].sender: must be a string of 1 to 64 characters without control characters (a number or a sender id)', 'sender too long');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('sender_type', '"landline"')))$$, '22023',
  'events[1].sender_type: must be long_code, short_code, toll_free, alphanumeric or other', 'sender_type unknown');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('carrier', '"a\nb"')))$$, '22023',
  'events[1].carrier: must be a string of 1 to 64 characters without control characters', 'carrier with a newline');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('country', '"us"')))$$, '22023',
  'events[1].country: must be an ISO 3166-1 alpha-2 code in capitals, e.g. US', 'country in lower case');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('error_code', '"30007; drop"')))$$, '22023',
  'events[1].error_code: must be a string or a whole number of 1 to 32 characters (letters, digits, _ . -)', 'error_code with punctuation');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('segments', '0')))$$, '22023',
  'events[1].segments: must be a whole number from 1 to 255', 'segments 0');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('segments', '256')))$$, '22023',
  'events[1].segments: must be a whole number from 1 to 255', 'segments 256');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('price_usd', '-0.0075')))$$, '22023',
  'events[1].price_usd: must be a number from 0 to 1000 with at most 10 decimal places (what the message cost)', 'negative price');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('price_usd', '"0.0075"')))$$, '22023',
  'events[1].price_usd: must be a number from 0 to 1000 with at most 10 decimal places (what the message cost)', 'price as a string');
select throws_ok($$select sms_monitor.record_sms_message_events(pg_temp.batch(pg_temp.ev('message_class', '"promo"')))$$, '22023',
  'events[1].message_class: must be otp, transactional, marketing or other', 'message_class unknown');

-- Nothing written by the refused batches above (their first element was valid).
select is((select count(*)::int from sms_monitor.sms_message_events where message_id = 'SMfirst'), 0, 'no event from a refused batch');
select is(sms_monitor.rollup_sms_messages(), 1::bigint, 'only the 64-character message''s event is in the log');
select is((select count(*)::int from sms_monitor.sms_metric_events), 1, 'folded: its sent_count');

-- The single form names the field alone.
select throws_ok($$select sms_monitor.record_sms_message_event('SM1', 'sent', now(), '{"country": "USA"}')$$, '22023',
  'country: must be an ISO 3166-1 alpha-2 code in capitals, e.g. US', 'single form: country');
select throws_ok($$select sms_monitor.record_sms_message_event('SM1', 'sent', null)$$, '22023',
  'occurred_at: is required', 'single form: occurred_at NULL');
select throws_ok($$select sms_monitor.record_sms_message_event('SM1', 'sent', 'infinity')$$, '22023',
  'occurred_at: must be a finite time', 'single form: infinity');
select throws_ok($$select sms_monitor.record_sms_message_event('SM1', 'sent', now(), '{"status": "delivered"}')$$, '22023',
  'attributes: must not hold message_id, status or occurred_at (they are arguments)', 'single form: status among the attributes');
select lives_ok($$select sms_monitor.record_sms_message_event('SM1', 'sent', now() - interval '1 minute',
    '{"provider": "twilio", "sender_type": "short_code", "segments": 255, "price_usd": 1000, "error_code": 21610}')$$,
  'single form: every bound at its edge');

select * from finish();
rollback;
