-- record_sms_message_events decides "every element is valid" in one set-based statement (the fast
-- path) and words the first problem element by element only when one is not (the slow path). Here:
-- the length-and-class checks of _message_event_problem accept exactly what the anchored regular
-- expressions with bounded repeats accept; a single-element batch is accepted exactly when the
-- element-by-element check finds no problem, else refused with that problem; spellings mapped once
-- per batch give each event its own provider's status; mixed problems are named in element order.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(18);

create function pg_temp.base() returns jsonb language sql as $$
  select jsonb_build_object('message_id', 'SMfast', 'status', 'sent',
    'occurred_at', to_char((now() - interval '1 minute') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) $$;
-- the outcome of one call: 'ok <n>' or '<sqlstate> <message>'; a refused call writes nothing
create function pg_temp.outcome(p_events jsonb) returns text language plpgsql as $$
begin
  return 'ok ' || sms_monitor.record_sms_message_events(p_events);
exception when others then
  return sqlstate || ' ' || sqlerrm;
end $$;

create temp table strings (s text);
insert into strings values (''), ('a'), ('A'), ('0'), ('-'), ('_'), ('.'), ('a b'), (' a'), ('a '), (E'a\tb'), (E'a\nb'),
  (E'abc\n'), (E'\x01'), (E'a\x1f'), (E'a\x7f'), ('é'), ('ab😀'), ('Twilio'), ('twilio'), ('-twilio'), ('.x'), ('x.y-z_1'),
  ('a/b'), ('a,b'), ('~!'), ('{}'), ('[1]'), ('null'), ('true'), (repeat('x', 31)), (repeat('x', 32)), (repeat('x', 33)),
  (repeat('x', 63)), (repeat('x', 64)), (repeat('x', 65)), (repeat('é', 64)), (repeat('é', 65)), (repeat('a b', 20));

-- the field's problem for each string, against the regular expression it replaced
select is_empty($$
  select s from strings
   where (_message_event_problem(pg_temp.base() || jsonb_build_object('message_id', s), 'sent') is not null)
      <> (s !~ '^[\x21-\x7e]{1,64}$') $$, 'message_id: length and class checks accept what ^[\x21-\x7e]{1,64}$ does');
select is_empty($$
  select s from strings
   where (_message_event_problem(pg_temp.base() || jsonb_build_object('provider', s), 'sent') is not null)
      <> (s !~ '^[a-z0-9][a-z0-9_.-]{0,31}$') $$, 'provider: as ^[a-z0-9][a-z0-9_.-]{0,31}$');
select is_empty($$
  select f, s from strings, unnest(array['sender', 'carrier']) f
   where (_message_event_problem(pg_temp.base() || jsonb_build_object(f, s), 'sent') is not null)
      <> (s !~ '^[^\x00-\x1f\x7f]{1,64}$') $$, 'sender and carrier: as ^[^\x00-\x1f\x7f]{1,64}$');
select is_empty($$
  select s from strings
   where (_message_event_problem(pg_temp.base() || jsonb_build_object('error_code', s), 'sent') is not null)
      <> (s !~ '^[A-Za-z0-9_.-]{1,32}$') $$, 'error_code: as ^[A-Za-z0-9_.-]{1,32}$');
select is_empty($$
  select n from unnest(array['0', '1', '9', '10', '99', '100', '255', '256', '999', '1000', '1.5', '1.0', '1e2', '-1', '007']) n
   where (_message_event_problem(pg_temp.base() || jsonb_build_object('segments', n::numeric), 'sent') is not null)
      <> ((n::numeric)::text !~ '^[0-9]{1,3}$' or n::numeric not between 1 and 255) $$,
  'segments: as ^[0-9]{1,3}$ and 1 to 255');
select is_empty($$
  select u from unnest(array['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', 'a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111', 'g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a1', 'a0eebc999-c0b-4ef8-bb6d-6bb9bd380a11', repeat('-', 36), 'not-a-uuid', '']) u
   where (_message_event_problem(pg_temp.base() || jsonb_build_object('user_id', u), 'sent') is not null)
      <> not _is_uuid(u) $$, 'user_id: refused exactly when the string does not cast to uuid');
select ok(_is_canonical_uuid('A0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11') and not _is_canonical_uuid('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}')
  and not _is_canonical_uuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-') and _is_canonical_uuid(null) is null,
  '_is_canonical_uuid: the 8-4-4-4-12 form in either case only');

-- one element at a time: the batch is accepted exactly when the element-by-element check finds nothing
create temp table elements (e jsonb);
insert into elements
select pg_temp.base() || x from (values ('{}'::jsonb), ('{"status": "SENT"}'), ('{"status": "Delivered", "provider": "vonage"}'),
  ('{"status": "accepted", "provider": "vonage"}'), ('{"status": "accepted"}'), ('{"status": "delivery_failed"}'),
  ('{"status": "delivery_failed", "provider": "telnyx"}'), ('{"status": "delivery_failed", "provider": "TELNYX"}'),
  ('{"status": 5}'), ('{"status": null}'), ('{"provider": null}'), ('{"provider": 5}'), ('{"provider": ""}'),
  ('{"message_id": 12345}'), ('{"message_id": ""}'), ('{"user_id": null}'), ('{"user_id": 5}'),
  ('{"user_id": "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"}'), ('{"user_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1x"}'),
  ('{"sender": 15017122661}'), ('{"sender": "+15017122661", "sender_type": "long_code", "carrier": "AT&T", "country": "US"}'),
  ('{"country": "us"}'), ('{"error_code": 30007}'), ('{"error_code": true}'), ('{"segments": "2"}'), ('{"segments": 2}'),
  ('{"price_usd": 0.0079}'), ('{"price_usd": -0.01}'), ('{"price_usd": 1000.00000000001}'), ('{"price_usd": "1"}'),
  ('{"message_class": "otp"}'), ('{"message_class": "OTP"}'), ('{"body": "hi"}'), ('{"Body": "hi"}'),
  ('{"occurred_at": "2026-02-30T00:00:00Z"}'), ('{"occurred_at": "2026-01-01 10:00"}'), ('{"occurred_at": 5}'),
  ('{"occurred_at": "2100-01-01T00:00:00Z"}'), ('{"occurred_at": "2001-01-01T00:00:00+01:00"}')) v(x);
select is_empty($$
  select e, pg_temp.outcome(jsonb_build_array(e)) got
    from elements
   where pg_temp.outcome(jsonb_build_array(e)) <> coalesce('22023 events[0].' || _message_event_problem(e,
           _sms_message_status(e ->> 'provider', case when jsonb_typeof(e -> 'status') = 'string' then e ->> 'status' end)), 'ok 1')
     and e ->> 'occurred_at' not in ('2026-02-30T00:00:00Z', '2100-01-01T00:00:00Z', '2001-01-01T00:00:00+01:00') $$,
  'a valid element is accepted; an invalid one refused with its element-by-element problem');
select is(pg_temp.outcome(jsonb_build_array(pg_temp.base() || '{"occurred_at": "2026-02-30T00:00:00Z"}')),
  '22023 events[0].occurred_at: 2026-02-30T00:00:00Z is not a valid time', 'a time that looks right but does not parse');
select matches(pg_temp.outcome(jsonb_build_array(pg_temp.base() || '{"occurred_at": "2100-01-01T00:00:00Z"}')),
  '^22023 events\[0\]\.occurred_at: 2100-01-01T00:00:00Z is more than 00:05:00 ahead of the server clock', 'ahead of the clock');
select matches(pg_temp.outcome(jsonb_build_array(pg_temp.base() || '{"occurred_at": "2001-01-01T00:00:00+01:00"}')),
  '^22023 events\[0\]\.occurred_at: 2001-01-01T00:00:00\+01:00 is older than the \d+ days retention keeps', 'older than retention');

-- problems of different kinds in one batch: the first in element order, whichever kind the fast path trips on
select is(pg_temp.outcome(jsonb_build_array(pg_temp.base(), pg_temp.base() || '{"provider": "Twilio"}',
    pg_temp.base() || '{"occurred_at": "2026-02-30T00:00:00Z"}')),
  '22023 events[1].provider: must be a lower-case name of at most 32 characters (a-z, 0-9, _ . -), e.g. twilio',
  'a bad provider before a time that does not parse');
select is(pg_temp.outcome(jsonb_build_array(pg_temp.base(), pg_temp.base() || '{"occurred_at": "2026-02-30T00:00:00Z"}',
    pg_temp.base() || '{"user_id": "x"}')),
  '22023 events[1].occurred_at: 2026-02-30T00:00:00Z is not a valid time', 'a time that does not parse before a bad user_id');

-- the batch-wide check (_message_events_shape over the batch's text, the lengths beside it; from 64
-- elements on) accepts a batch of 64 copies of an element exactly when the element-by-element check
-- accepts the element: every field with every value
create function pg_temp.copies(p_event jsonb) returns jsonb language sql as $$
  select jsonb_agg(p_event) from generate_series(1, 64) $$;
select is_empty($$
  select f, v, pg_temp.outcome(pg_temp.copies(e)) got from strings, unnest(array['message_id', 'provider', 'sender',
      'carrier', 'country', 'error_code', 'status', 'user_id', 'sender_type', 'message_class', 'segments', 'price_usd', 'body']) f,
    lateral (select to_jsonb(s) union all select x from unnest(array['null', '0', '1', '255', '256', '12.5', '-1', '1e3',
      '0.00000000001', '0.0000000001', '1000.0', '1000.5', 'true', '{}', '[]', '"long_code"', '"otp"', '"US"', '"delivered"',
      '"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"']::jsonb[]) x) j(v),
    lateral (select pg_temp.base() || jsonb_build_object(f, v) as e) el
   where pg_temp.outcome(pg_temp.copies(e)) <> coalesce('22023 events[0].' || _message_event_problem(e,
           _sms_message_status(e ->> 'provider', case when jsonb_typeof(e -> 'status') = 'string' then e ->> 'status' end)), 'ok 64')
  $$, '64 copies of an element, each field with each value: accepted exactly when the element-by-element check finds nothing');
select ok(jsonb_build_array(pg_temp.base(), pg_temp.base() || '{"user_id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "provider": "twilio",
    "sender": "+15017122661", "sender_type": "long_code", "carrier": "AT&T", "country": "US", "error_code": 30007, "segments": 2,
    "price_usd": 0.0079, "message_class": "otp"}')::text ~ _message_events_shape(), 'the shape accepts every field at once');
-- what the shape or the lengths refuse in a batch of 64 or more but the element-by-element check accepts is still appended
select is(pg_temp.outcome(jsonb_build_array(pg_temp.base() || '{"message_id": "SMslow1", "sender": "say \"hi\""}',
    pg_temp.base() || jsonb_build_object('message_id', 'SMslow2', 'carrier', repeat('é', 60)),
    pg_temp.base() || '{"message_id": "SMslow3", "user_id": "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"}') || pg_temp.copies(pg_temp.base())),
  'ok 67',
  'a quote in a sender, 60 two-byte characters, a UUID in braces: appended the element-by-element way');

-- spellings mapped once per batch: each event gets its own provider's status, repeats included
select is(pg_temp.outcome(jsonb_build_array(pg_temp.base() || '{"message_id": "SMsp1", "status": "delivery_failed", "provider": "telnyx"}',
    pg_temp.base() || '{"message_id": "SMsp2", "status": "Delivery_Failed", "provider": "telnyx"}',
    pg_temp.base() || '{"message_id": "SMsp3", "status": "accepted", "provider": "vonage"}',
    pg_temp.base() || '{"message_id": "SMsp4", "status": "ACCEPTED"}',
    pg_temp.base() || '{"message_id": "SMsp5", "status": "accepted", "provider": "twilio"}')), 'ok 5', 'five spellings accepted');
select results_eq($$select message_id, status, provider_status from sms_monitor.sms_message_events
                    where message_id like 'SMsp%' order by id$$,
  $$values ('SMsp1', 'undelivered', 'delivery_failed'), ('SMsp2', 'undelivered', 'Delivery_Failed'), ('SMsp3', 'sent', 'accepted'),
           ('SMsp4', 'queued', 'ACCEPTED'), ('SMsp5', 'queued', 'accepted')$$,
  'each event logged in element order with its provider''s status and the spelling it came with');

select * from finish();
rollback;
