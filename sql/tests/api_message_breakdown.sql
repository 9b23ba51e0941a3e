-- api_message_breakdown: per-key counts, rates and shares over a window, computed by hand from
-- the messages below; the window's edges; sorting worst first; bad parameters.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(9);
update sms_monitor.settings set metric_retention_days = 36500;

-- window: the 60 minutes before 12:00, i.e. [11:00, 12:00)
select sms_monitor.record_sms_message_events($$[
  {"message_id": "A1", "status": "sent", "occurred_at": "2026-06-01T11:10:00Z", "carrier": "Verizon"},
  {"message_id": "A1", "status": "delivered", "occurred_at": "2026-06-01T11:10:05Z"},
  {"message_id": "A2", "status": "sent", "occurred_at": "2026-06-01T11:10:00Z", "carrier": "Verizon"},
  {"message_id": "A2", "status": "delivered", "occurred_at": "2026-06-01T11:10:09Z"},
  {"message_id": "A3", "status": "sent", "occurred_at": "2026-06-01T11:10:00Z", "carrier": "Verizon"},
  {"message_id": "A3", "status": "undelivered", "occurred_at": "2026-06-01T11:11:00Z", "error_code": "30007"},
  {"message_id": "A4", "status": "sent", "occurred_at": "2026-06-01T11:10:00Z", "carrier": "Verizon"},
  {"message_id": "B1", "status": "sent", "occurred_at": "2026-06-01T11:20:00Z"},
  {"message_id": "B1", "status": "failed", "occurred_at": "2026-06-01T11:20:01Z", "error_code": "30008", "carrier": "T-Mobile"},
  {"message_id": "B2", "status": "sent", "occurred_at": "2026-06-01T11:20:00Z", "carrier": "T-Mobile"},
  {"message_id": "B2", "status": "undelivered", "occurred_at": "2026-06-01T11:21:00Z", "error_code": "30007"},
  {"message_id": "C1", "status": "sent", "occurred_at": "2026-06-01T11:30:00Z"},
  {"message_id": "C1", "status": "delivered", "occurred_at": "2026-06-01T11:30:02Z"},
  {"message_id": "D1", "status": "failed", "occurred_at": "2026-06-01T11:40:00Z", "carrier": "AT&T", "error_code": "30003"},
  {"message_id": "E1", "status": "sent", "occurred_at": "2026-06-01T10:59:59Z", "carrier": "Verizon"},
  {"message_id": "E1", "status": "undelivered", "occurred_at": "2026-06-01T11:05:00Z"},
  {"message_id": "F1", "status": "sent", "occurred_at": "2026-06-01T12:00:00Z", "carrier": "Verizon"}
]$$);

-- all failed in the window: A3, B1, B2, D1 = 4; all terminal: A1 A2 A3 B1 B2 C1 D1 = 7
-- latencies: A1 5 s, A2 9 s (Verizon: p50 at rank 1 -> 5 s, p95 at 1.9 -> 9 s), C1 2 s;
-- no error code: A1, A2, C1 = 2, 5, 9 s (p50 at 1.5 -> 5 s, p95 at 2.85 -> 9 s). Shown as the
-- histogram bucket's value round(2 x 1.03^b / 2.03), b = ceil(ln(ms) / ln(1.03)):
-- 2000 -> b 258 -> 2021, 5000 -> 289 -> 5052, 9000 -> 309 -> 9125
-- (E1 was sent before 11:00 and F1 at 12:00: both outside, whatever their receipts' times)
select sms_monitor.rollup_sms_messages();
select is(sms_monitor.api_message_breakdown('carrier', 60, null, null, '2026-06-01T12:00:00Z') -> 'data', $$[
  {"key": "T-Mobile", "sent": 2, "delivered": 0, "failed": 2, "terminal": 2, "delivery_rate_percent": 0.00,
   "failure_share_percent": 50.00, "terminal_share_percent": 28.57, "latency_p50_ms": null, "latency_p95_ms": null},
  {"key": "AT&T", "sent": 0, "delivered": 0, "failed": 1, "terminal": 1, "delivery_rate_percent": 0.00,
   "failure_share_percent": 25.00, "terminal_share_percent": 14.29, "latency_p50_ms": null, "latency_p95_ms": null},
  {"key": "Verizon", "sent": 4, "delivered": 2, "failed": 1, "terminal": 3, "delivery_rate_percent": 66.67,
   "failure_share_percent": 25.00, "terminal_share_percent": 42.86, "latency_p50_ms": 5052, "latency_p95_ms": 9125},
  {"key": null, "sent": 1, "delivered": 1, "failed": 0, "terminal": 1, "delivery_rate_percent": 100.00,
   "failure_share_percent": 0.00, "terminal_share_percent": 14.29, "latency_p50_ms": 2021, "latency_p95_ms": 2021}
]$$::jsonb, 'by carrier: worst delivery rate first, then most failures; the carrier of B1 came with its failure');

select is(sms_monitor.api_message_breakdown('error_code', 60, null, null, '2026-06-01T12:00:00Z') -> 'data', $$[
  {"key": "30007", "sent": 2, "delivered": 0, "failed": 2, "terminal": 2, "delivery_rate_percent": 0.00,
   "failure_share_percent": 50.00, "terminal_share_percent": 28.57, "latency_p50_ms": null, "latency_p95_ms": null},
  {"key": "30003", "sent": 0, "delivered": 0, "failed": 1, "terminal": 1, "delivery_rate_percent": 0.00,
   "failure_share_percent": 25.00, "terminal_share_percent": 14.29, "latency_p50_ms": null, "latency_p95_ms": null},
  {"key": "30008", "sent": 1, "delivered": 0, "failed": 1, "terminal": 1, "delivery_rate_percent": 0.00,
   "failure_share_percent": 25.00, "terminal_share_percent": 14.29, "latency_p50_ms": null, "latency_p95_ms": null},
  {"key": null, "sent": 4, "delivered": 3, "failed": 0, "terminal": 3, "delivery_rate_percent": 100.00,
   "failure_share_percent": 0.00, "terminal_share_percent": 42.86, "latency_p50_ms": 5052, "latency_p95_ms": 9125}
]$$::jsonb, 'by error_code: each code''s share of the failures and of the terminal messages');

select is(sms_monitor.api_message_breakdown('carrier', null, '2026-06-01T10:59:59Z', '2026-06-01T11:00:00Z') -> 'data', $$[
  {"key": "Verizon", "sent": 1, "delivered": 0, "failed": 1, "terminal": 1, "delivery_rate_percent": 0.00,
   "failure_share_percent": 100.00, "terminal_share_percent": 100.00, "latency_p50_ms": null, "latency_p95_ms": null}
]$$::jsonb, 'start/end: [start, end) holds E1 alone');
select is(sms_monitor.api_message_breakdown('carrier', 60, null, null, '2026-06-01T12:00:00Z') - 'data',
  '{"success": true, "by": "carrier", "start": "2026-06-01T11:00:00Z", "end": "2026-06-01T12:00:00Z"}'::jsonb,
  'the envelope names the window');
select is(sms_monitor.api_message_breakdown('sender', 60, null, null, '2026-06-01T09:00:00Z') -> 'data', '[]'::jsonb,
  'an empty window: no rows');

select throws_ok($$select sms_monitor.api_message_breakdown('network', 60)$$, '22023',
  'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got ''network'')', 'unknown by');
select throws_ok($$select sms_monitor.api_message_breakdown('carrier', 0)$$, '22023',
  'minutes: must be between 1 and 44640 (31 days) (got 0)', 'minutes 0');
select throws_ok($$select sms_monitor.api_message_breakdown('carrier', 60, null, now())$$, '22023', 'end: needs start', 'end without start');
select throws_ok($$select sms_monitor.api_message_breakdown('carrier', 60, '2026-06-01T12:00:00Z', '2026-06-01T11:00:00Z')$$, '22023',
  null, 'start after end');

select * from finish();
rollback;
