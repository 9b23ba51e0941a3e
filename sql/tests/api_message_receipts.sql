-- api_message_receipts: messages sent long enough ago still without a final status, per carrier
-- and country, counted by hand; the range's edges; bad parameters.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(5);
update sms_monitor.settings set metric_retention_days = 36500;

-- p_now 12:00, after 10 minutes, over 60 minutes: sends in [11:00, 11:50) count
select sms_monitor.record_sms_message_events($$[
  {"message_id": "R1", "status": "sent", "occurred_at": "2026-06-01T11:05:00Z", "carrier": "Verizon", "country": "US"},
  {"message_id": "R2", "status": "sent", "occurred_at": "2026-06-01T11:10:00Z", "carrier": "Verizon", "country": "US"},
  {"message_id": "R3", "status": "sent", "occurred_at": "2026-06-01T11:20:00Z", "carrier": "Verizon", "country": "US"},
  {"message_id": "R3", "status": "delivered", "occurred_at": "2026-06-01T11:20:05Z"},
  {"message_id": "R4", "status": "sent", "occurred_at": "2026-06-01T11:30:00Z", "carrier": "Verizon", "country": "US"},
  {"message_id": "R4", "status": "undelivered", "occurred_at": "2026-06-01T11:31:00Z"},
  {"message_id": "R5", "status": "sent", "occurred_at": "2026-06-01T11:40:00Z", "carrier": "O2", "country": "GB"},
  {"message_id": "R6", "status": "sent", "occurred_at": "2026-06-01T11:55:00Z", "carrier": "O2", "country": "GB"},
  {"message_id": "R7", "status": "sent", "occurred_at": "2026-06-01T10:59:59Z", "carrier": "O2", "country": "GB"},
  {"message_id": "R8", "status": "sent", "occurred_at": "2026-06-01T11:49:59Z", "carrier": "O2", "country": "GB"},
  {"message_id": "R8", "status": "delivered", "occurred_at": "2026-06-01T11:50:30Z"}
]$$);

-- Verizon/US: R1..R4 sent, R1 and R2 waiting (R3 delivered, R4 undelivered: final, not waiting)
-- O2/GB: R5 and R8 sent (R6 too recent, R7 before the range), R5 waiting
select sms_monitor.rollup_sms_messages();
select is(sms_monitor.api_message_receipts(10, 60, '2026-06-01T12:00:00Z') -> 'data', $$[
  {"carrier": "Verizon", "country": "US", "sent": 4, "waiting": 2, "waiting_percent": 50.00,
   "oldest_waiting_sent_at": "2026-06-01T11:05:00Z"},
  {"carrier": "O2", "country": "GB", "sent": 2, "waiting": 1, "waiting_percent": 50.00,
   "oldest_waiting_sent_at": "2026-06-01T11:40:00Z"}]$$::jsonb, 'per carrier and country, most waiting first');
select is(sms_monitor.api_message_receipts(10, 60, '2026-06-01T12:00:00Z') - 'data',
  '{"success": true, "after_minutes": 10, "start": "2026-06-01T11:00:00Z", "end": "2026-06-01T11:50:00Z"}'::jsonb,
  'the envelope names the range');
select is(sms_monitor.api_message_receipts(50, 60, '2026-06-01T12:00:00Z') -> 'data',
  '[{"carrier": "Verizon", "country": "US", "sent": 1, "waiting": 1, "waiting_percent": 100.00, "oldest_waiting_sent_at": "2026-06-01T11:05:00Z"}]'::jsonb,
  'after 50 minutes only R1 (11:05) is old enough');
select throws_ok($$select sms_monitor.api_message_receipts(0)$$, '22023',
  'after_minutes: must be between 1 and 10080 (7 days) (got 0)', 'after_minutes 0');
select throws_ok($$select sms_monitor.api_message_receipts(60, 60)$$, '22023',
  'minutes: must be more than after_minutes (60) and at most 44640 (got 60)', 'minutes not above after_minutes');

select * from finish();
rollback;
