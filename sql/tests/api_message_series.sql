-- api_message_series: buckets aligned to the clock, the partial current bucket, zeros for quiet
-- buckets, per-key rows, values counted by hand; bad parameters.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(5);
update sms_monitor.settings set metric_retention_days = 36500;

select sms_monitor.record_sms_message_events($$[
  {"message_id": "S1", "status": "sent", "occurred_at": "2026-06-01T11:55:10Z", "carrier": "A"},
  {"message_id": "S1", "status": "delivered", "occurred_at": "2026-06-01T11:55:12Z"},
  {"message_id": "S2", "status": "sent", "occurred_at": "2026-06-01T11:55:50Z", "carrier": "B"},
  {"message_id": "S2", "status": "undelivered", "occurred_at": "2026-06-01T11:56:30Z"},
  {"message_id": "S3", "status": "sent", "occurred_at": "2026-06-01T11:57:00Z", "carrier": "A"},
  {"message_id": "S3", "status": "delivered", "occurred_at": "2026-06-01T11:57:04Z"},
  {"message_id": "S4", "status": "failed", "occurred_at": "2026-06-01T11:57:30Z", "carrier": "B"},
  {"message_id": "S5", "status": "sent", "occurred_at": "2026-06-01T11:54:59Z", "carrier": "A"}
]$$);

-- p_now 11:57:40, step 1, 3 minutes: buckets 11:55, 11:56, 11:57 (the current one, partial)
-- p95 from the latency histogram: 2 s in bucket ceil(ln(2000) / ln(1.03)) = 258, shown as
-- round(2 x 1.03^258 / 2.03) = 2021 ms; 4 s in bucket 281, 3988 ms
select sms_monitor.rollup_sms_messages();
select is(sms_monitor.api_message_series(3, 1, null, '2026-06-01T11:57:40Z') -> 'data', $$[
  {"at": "2026-06-01T11:55:00Z", "key": null, "sent": 2, "delivered": 1, "failed": 1, "delivery_rate_percent": 50.00, "p95_ms": 2021},
  {"at": "2026-06-01T11:56:00Z", "key": null, "sent": 0, "delivered": 0, "failed": 0, "delivery_rate_percent": null, "p95_ms": null},
  {"at": "2026-06-01T11:57:00Z", "key": null, "sent": 1, "delivered": 1, "failed": 1, "delivery_rate_percent": 50.00, "p95_ms": 3988}
]$$::jsonb, 'minute buckets: S5 (11:54:59) is before the first; the quiet minute is zeros');
select is(sms_monitor.api_message_series(5, 5, 'carrier', '2026-06-01T11:57:40Z') -> 'data', $$[
  {"at": "2026-06-01T11:55:00Z", "key": "A", "sent": 2, "delivered": 2, "failed": 0, "delivery_rate_percent": 100.00, "p95_ms": 3988},
  {"at": "2026-06-01T11:55:00Z", "key": "B", "sent": 1, "delivered": 0, "failed": 2, "delivery_rate_percent": 0.00, "p95_ms": null}
]$$::jsonb, 'five-minute buckets per carrier (A: 2 and 4 s, p95 at rank 1.9 -> 4 s, shown as 3988 ms)');
select is(sms_monitor.api_message_series(5, 5, null, '2026-06-01T11:57:40Z') - 'data',
  '{"success": true, "step_minutes": 5, "by": null, "start": "2026-06-01T11:55:00Z", "end": "2026-06-01T12:00:00Z"}'::jsonb,
  'the envelope names the buckets'' span');
select throws_ok($$select sms_monitor.api_message_series(180, 2)$$, '22023', 'step: must be 1, 5, 15 or 60 minutes (got 2)', 'step 2');
select throws_ok($$select sms_monitor.api_message_series(12, 5)$$, '22023',
  'minutes: must be a multiple of step (5) from 5 to 10080 (got 12)', 'minutes not a multiple of step');

select * from finish();
rollback;
