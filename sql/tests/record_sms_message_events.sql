-- record_sms_message_events and the fold (rollup_sms_messages): every event appended, each
-- (message, status) counted once by the fold, out of order, attributes joined, two final statuses,
-- the counters they drive (sms_metrics, live), a fold rolled back, batch ids, grants.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(37);
update sms_monitor.settings set metric_retention_days = 36500;

-- the live counter of one type for one user (NULL: system-wide rows only; 'all': every row)
create function pg_temp.n(p_type text) returns numeric language sql as $$
  select coalesce(sum(metric_value), 0) from sms_monitor.sms_metrics where metric_type = p_type $$;
create function pg_temp.samples(p_type text) returns bigint language sql as $$
  select coalesce(sum(sample_count), 0)::bigint from sms_monitor.sms_metrics where metric_type = p_type $$;

-- A delivered message whose receipt arrives before its send: counts and latency as in order.
select is(sms_monitor.record_sms_message_events($$[
  {"message_id": "SM1", "status": "delivered", "occurred_at": "2026-06-01T10:00:04.250Z", "carrier": "Verizon Wireless"},
  {"message_id": "SM1", "status": "sent", "occurred_at": "2026-06-01T10:00:00Z", "sender": "+15550001111",
   "sender_type": "long_code", "country": "US", "price_usd": 0.0079, "segments": 2, "provider": "twilio",
   "user_id": "b0000000-0000-0000-0000-000000000001", "message_class": "otp"}
]$$), 2, 'two events accepted');
select is((select count(*)::int from sms_monitor.sms_messages), 0, 'writers only append: nothing folded yet');
select is(sms_monitor.rollup_sms_messages(), 2::bigint, 'the fold takes both events');
select is(pg_temp.n('sent_count'), 1::numeric, 'sent_count 1');
select is(pg_temp.n('delivered_count'), 1::numeric, 'delivered_count 1');
select is(pg_temp.n('avg_delivery_time_ms'), 4250::numeric, 'one latency sample: 10:00:04.250 - 10:00:00 = 4250 ms');
select is(pg_temp.samples('avg_delivery_time_ms'), 1::bigint, 'exactly one sample');
select is(pg_temp.n('sms_cost_usd'), 0.0079, 'price added to sms_cost_usd');
select is((select row(carrier, sender, sender_type, country, segments, message_class, final_status, user_id::text)::text
             from sms_monitor.sms_messages where message_id = 'SM1'),
  '("Verizon Wireless",+15550001111,long_code,US,2,otp,delivered,b0000000-0000-0000-0000-000000000001)',
  'attributes of the receipt and of the send are joined on the message');
select is((select string_agg(metric_date || ' ' || metric_hour || ' ' || coalesce(user_id::text, '-') || ' ' || metric_type, '; ' order by metric_type)
             from sms_monitor.sms_metrics),
  '2026-06-01 10 b0000000-0000-0000-0000-000000000001 avg_delivery_time_ms; 2026-06-01 10 b0000000-0000-0000-0000-000000000001 delivered_count; '
  '2026-06-01 10 b0000000-0000-0000-0000-000000000001 sent_count; 2026-06-01 10 b0000000-0000-0000-0000-000000000001 sms_cost_usd',
  'each counter in the hour of its event, for the message''s user (named by the send only)');

-- The counters are log rows like any recorded value: the rollup job takes them, readers see the same.
select is(sms_monitor.rollup_sms_metrics(), 4::bigint, 'the rollup takes the message''s four counter rows (sent, delivered, latency, cost)');
select is((select string_agg(metric_type || '=' || metric_value || '/' || sample_count, ' ' order by metric_type)
             from sms_monitor.sms_metric_rollups),
  'avg_delivery_time_ms=4250.000/1 delivered_count=1/1 sent_count=1/1 sms_cost_usd=0.0079/1',
  'and rolls them up exactly once');

-- Repeats (a provider retrying a callback, and "read", another spelling of delivered) count once.
select is(sms_monitor.record_sms_message_events($$[
  {"message_id": "SM1", "status": "sent", "occurred_at": "2026-06-01T10:00:00Z"},
  {"message_id": "SM1", "status": "read", "occurred_at": "2026-06-01T10:00:09Z"},
  {"message_id": "SM1", "status": "delivered", "occurred_at": "2026-06-01T10:00:04.250Z"}
]$$), 3, 'repeats are accepted into the log too');
select is(sms_monitor.rollup_sms_messages(), 3::bigint, 'and folded');
select is(pg_temp.n('sent_count') || '/' || pg_temp.n('delivered_count') || '/' || pg_temp.samples('avg_delivery_time_ms'),
  '1/1/1', 'and change no counter');
select is((select count(*)::int from sms_monitor.sms_message_events where message_id = 'SM1'), 5,
  'the log holds every event, repeats included');
select is(sms_monitor.record_sms_message_event('SM1', 'delivered', '2026-06-01T10:00:04.250Z'), 1,
  'the single-event form returns 1: accepted');
select is(sms_monitor.rollup_sms_messages() || ' ' || pg_temp.n('delivered_count'), '1 1', 'folded, counted once');

-- Failures, undelivered, canceled; provider spellings mapped per provider.
select is(sms_monitor.record_sms_message_events($$[
  {"message_id": "SM2", "status": "sent", "occurred_at": "2026-06-01T10:01:00Z"},
  {"message_id": "SM2", "status": "undelivered", "occurred_at": "2026-06-01T10:01:30Z", "error_code": "30007"},
  {"message_id": "SM3", "status": "failed", "occurred_at": "2026-06-01T10:02:00Z", "error_code": 30008},
  {"message_id": "SM4", "status": "canceled", "occurred_at": "2026-06-01T10:03:00Z"},
  {"message_id": "vg-1", "provider": "vonage", "status": "accepted", "occurred_at": "2026-06-01T10:04:00Z"},
  {"message_id": "vg-1", "provider": "vonage", "status": "expired", "occurred_at": "2026-06-01T10:30:00Z"},
  {"message_id": "tx-1", "provider": "telnyx", "status": "delivery_failed", "occurred_at": "2026-06-01T10:05:00Z"}
]$$), 7, 'seven events accepted');
select sms_monitor.rollup_sms_messages();
select is(pg_temp.n('sent_count') || '/' || pg_temp.n('failed_count') || '/' || pg_temp.n('cancelled_count'),
  '3/4/1', 'sent: SM1, SM2, vg-1 (vonage accepted = at the carrier); failed: SM2, SM3, vg-1, tx-1; cancelled: SM4');
select is((select string_agg(message_id || '=' || final_status || ':' || coalesce(error_code, '-'), ' ' order by message_id)
             from sms_monitor.sms_messages where message_id <> 'SM1'),
  'SM2=undelivered:30007 SM3=failed:30008 SM4=canceled:- tx-1=undelivered:- vg-1=undelivered:-',
  'final statuses and error codes (a JSON number becomes its text)');
select is((select provider_status || '->' || status from sms_monitor.sms_message_events where message_id = 'vg-1' and status = 'sent'),
  'accepted->sent', 'the log keeps the provider''s spelling beside the status');

-- Two final statuses: the higher rank wins whatever the order; the loser gives its count back.
select sms_monitor.record_sms_message_event('SM5', 'failed', '2026-06-01T11:00:00Z');
select sms_monitor.rollup_sms_messages();
select is(pg_temp.n('failed_count'), 5::numeric, 'SM5 failed: counted');
select sms_monitor.record_sms_message_event('SM5', 'delivered', '2026-06-01T11:00:30Z');
select sms_monitor.rollup_sms_messages();
select is(pg_temp.n('failed_count') || '/' || pg_temp.n('delivered_count'), '4/2',
  'then delivered: delivered wins, the failure is taken back');
select is((select metric_value from sms_monitor.sms_metrics where metric_type = 'failed_count' and metric_hour = 11), 0::numeric,
  'the hour of the failure nets to 0');
select sms_monitor.record_sms_message_event('SM5', 'undelivered', '2026-06-01T11:01:00Z');
select sms_monitor.rollup_sms_messages();
select is(pg_temp.n('failed_count') || '/' || pg_temp.n('delivered_count') || '/' ||
          (select final_status from sms_monitor.sms_messages where message_id = 'SM5'), '4/2/delivered',
  'a lower-ranked final after delivered changes nothing');
select is(pg_temp.samples('avg_delivery_time_ms'), 1::bigint, 'SM5 has no sent time: no latency sample');

-- Exactly once per batch id (one namespace with record_sms_events).
select is(sms_monitor.record_sms_message_events('[{"message_id": "SM6", "status": "sent", "occurred_at": "2026-06-01T12:00:00Z"}]',
  'a0000000-0000-0000-0000-0000000000c1'), 1, 'a batch with an id');
select is(sms_monitor.record_sms_message_events('[{"message_id": "SM7", "status": "sent", "occurred_at": "2026-06-01T12:00:00Z"}]',
  'a0000000-0000-0000-0000-0000000000c1'), 1, 'the same id again returns the first result');
select is((select count(*)::int from sms_monitor.sms_message_events where message_id = 'SM7'), 0, 'and records nothing');

-- A fold that dies (here: rolled back) loses and doubles nothing: the watermark went back with it.
select sms_monitor.record_sms_message_events($$[
  {"message_id": "SM9", "status": "sent", "occurred_at": "2026-06-01T12:30:00Z"},
  {"message_id": "SM9", "status": "delivered", "occurred_at": "2026-06-01T12:30:02Z"}]$$);
create temp table before_fold as select pg_temp.n('sent_count') as sent, pg_temp.n('delivered_count') as delivered,
  (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_messages') as mark;
savepoint fold;
select is(sms_monitor.rollup_sms_messages(), 3::bigint, 'a fold takes SM6 and SM9''s two events');
rollback to savepoint fold;
select is((select count(*)::int from sms_monitor.sms_messages where message_id in ('SM6', 'SM9')) || ' '
          || (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_messages') || ' '
          || pg_temp.n('sent_count'),
  (select '0 ' || mark || ' ' || sent from before_fold), 'rolled back: no message row, the watermark and counters as before');
select is(sms_monitor.rollup_sms_messages() || ' ' || sms_monitor.rollup_sms_messages() || ' '
          || (pg_temp.n('sent_count') - (select sent from before_fold)) || ' '
          || (pg_temp.n('delivered_count') - (select delivered from before_fold)),
  '3 0 2 1', 'the next fold takes the same three events once (SM6 and SM9 sent, SM9 delivered); the one after, none');

-- Grants: writer and admin may record; reader and PUBLIC may not.
select is(has_function_privilege('sms_monitor_writer', 'sms_monitor.record_sms_message_events(jsonb, uuid)', 'execute')
  and has_function_privilege('sms_monitor_writer', 'sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb)', 'execute')
  and has_function_privilege('sms_monitor_admin', 'sms_monitor.record_sms_message_events(jsonb, uuid)', 'execute'),
  true, 'writer and admin may execute both forms');
select is((select count(*)::int from pg_proc p, aclexplode(p.proacl) a
            where p.proname in ('record_sms_message_events', 'record_sms_message_event', '_fold_message_events', 'rollup_sms_messages',
                                '_sms_message_status', '_message_event_problem')
              and a.grantee = 0), 0, 'PUBLIC may execute none of them');
create function pg_temp.sqlstate_as(p_role text, p_sql text) returns text language plpgsql as $f$
begin
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when insufficient_privilege then
    reset role;
    return sqlstate;
  end;
  reset role;
  return '00000';
end $f$;
select is(pg_temp.sqlstate_as('sms_monitor_reader', $$select sms_monitor.record_sms_message_event('SM8', 'sent', now())$$),
  '42501', 'a reader cannot record');
select is(pg_temp.sqlstate_as('sms_monitor_writer', $$select sms_monitor.rollup_sms_messages()$$) || ' '
          || has_function_privilege('sms_monitor_admin', 'sms_monitor.rollup_sms_messages()', 'execute') || ' '
          || has_function_privilege('sms_monitor_notifier', 'sms_monitor.rollup_sms_messages()', 'execute'),
  '42501 true true', 'the fold: admin and notifier (the rollup job), not a writer');

select * from finish();
rollback;
