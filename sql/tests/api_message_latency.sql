-- api_message_latency: p50/p95/p99 of delivered minus sent from the latency histogram, overall
-- and per key, computed by hand; which messages count; bad parameters.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(6);
update sms_monitor.settings set metric_retention_days = 36500;

create function pg_temp.msg(p_id text, p_carrier text, p_sent text, p_final text, p_final_at text) returns void language sql as $$
  select sms_monitor.record_sms_message_events(jsonb_build_array(
    jsonb_build_object('message_id', p_id, 'status', 'sent', 'occurred_at', p_sent, 'carrier', p_carrier),
    jsonb_build_object('message_id', p_id, 'status', p_final, 'occurred_at', p_final_at)))::int * 0 $$;
-- X: 1, 2, 3, 4 and 100 s; Y: 10 and 20 s (window [11:00, 12:00))
select pg_temp.msg('X1', 'X', '2026-06-01T11:10:00Z', 'delivered', '2026-06-01T11:10:01Z');
select pg_temp.msg('X2', 'X', '2026-06-01T11:10:00Z', 'delivered', '2026-06-01T11:10:02Z');
select pg_temp.msg('X3', 'X', '2026-06-01T11:10:00Z', 'delivered', '2026-06-01T11:10:03Z');
select pg_temp.msg('X4', 'X', '2026-06-01T11:10:00Z', 'delivered', '2026-06-01T11:10:04Z');
select pg_temp.msg('X5', 'X', '2026-06-01T11:10:00Z', 'delivered', '2026-06-01T11:11:40Z');
select pg_temp.msg('Y1', 'Y', '2026-06-01T11:20:00Z', 'delivered', '2026-06-01T11:20:10Z');
select pg_temp.msg('Y2', 'Y', '2026-06-01T11:20:00Z', 'delivered', '2026-06-01T11:20:20Z');
-- not counted: undelivered; sent before the window; delivered without a sent time
select pg_temp.msg('X6', 'X', '2026-06-01T11:30:00Z', 'undelivered', '2026-06-01T11:30:05Z');
select pg_temp.msg('X7', 'X', '2026-06-01T10:59:00Z', 'delivered', '2026-06-01T11:01:00Z');
select sms_monitor.record_sms_message_event('X8', 'delivered', '2026-06-01T11:40:00Z', '{"carrier": "X"}');

-- A percentile is the value at the percentile_disc rank (the first whose cumulative count reaches
-- q x n) shown as its bucket's value: b = ceil(ln(ms) / ln(1.03)), shown as round(2 x 1.03^b / 2.03):
-- 1000 -> b 234 -> 994, 3000 -> 271 -> 2968, 4000 -> 281 -> 3988, 10000 -> 312 -> 9971,
-- 20000 -> 336 -> 20269, 100000 -> 390 -> 100012.
-- all seven: 1, 2, 3, 4, 10, 20, 100 s: p50 at rank 3.5 -> 4th (4 s); p95 (6.65) and p99 (6.93) -> 7th
select sms_monitor.rollup_sms_messages();
select is(sms_monitor.api_message_latency(null, 60, null, null, '2026-06-01T12:00:00Z') -> 'data',
  '[{"key": null, "delivered": 7, "p50_ms": 3988, "p95_ms": 100012, "p99_ms": 100012}]'::jsonb, 'overall');
-- X (1, 2, 3, 4, 100 s): p50 at 2.5 -> 3 s; p95, p99 -> 100 s. Y (10, 20 s): p50 at 1 -> 10 s; p95, p99 -> 20 s
select is(sms_monitor.api_message_latency('carrier', 60, null, null, '2026-06-01T12:00:00Z') -> 'data', $$[
  {"key": "X", "delivered": 5, "p50_ms": 2968, "p95_ms": 100012, "p99_ms": 100012},
  {"key": "Y", "delivered": 2, "p50_ms": 9971, "p95_ms": 20269, "p99_ms": 20269}]$$::jsonb, 'per carrier, slowest p95 first');
select is(sms_monitor.api_message_latency('carrier', null, '2026-06-01T11:15:00Z', '2026-06-01T11:25:00Z') -> 'data',
  '[{"key": "Y", "delivered": 2, "p50_ms": 9971, "p95_ms": 20269, "p99_ms": 20269}]'::jsonb, 'start/end');
select is(sms_monitor.api_message_latency(null, 60, null, null, '2026-06-01T09:00:00Z') -> 'data', '[]'::jsonb, 'an empty window');
select throws_ok($$select sms_monitor.api_message_latency('route', 60)$$, '22023',
  'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got ''route'')', 'unknown by');
select throws_ok($$select sms_monitor.api_message_latency(null, 44641)$$, '22023',
  'minutes: must be between 1 and 44640 (31 days) (got 44641)', 'more than 31 days');

select * from finish();
rollback;
