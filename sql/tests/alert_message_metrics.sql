-- Message metrics of alert rules, exact values computed by hand: error-code share per sender,
-- receipt-delay rate per carrier, delivery latency p95, SLO burn rate at its window edges, minimum
-- samples, and the parameter checks. Each scenario has its own day, far outside the others' windows.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(26);
update sms_monitor.settings set metric_retention_days = 36500;

-- p_n messages sent at p_at, each reaching p_status (NULL: none) p_delay later
create function pg_temp.msgs(p_prefix text, p_n int, p_carrier text, p_sender text, p_at timestamptz, p_status text,
                             p_error text default null, p_delay interval default '5 seconds') returns int
language sql as $f$
  select sms_monitor.record_sms_message_events(jsonb_agg(e))
    from generate_series(1, p_n) i
   cross join lateral (values
     (jsonb_build_object('message_id', p_prefix || i, 'status', 'sent', 'occurred_at', p_at, 'carrier', p_carrier,
                         'sender', p_sender)),
     (case when p_status is not null then jsonb_strip_nulls(jsonb_build_object('message_id', p_prefix || i,
        'status', p_status, 'occurred_at', p_at + p_delay, 'error_code', p_error)) end)) v(e)
   where e is not null;
  -- and fold them, as the rollup job does every 2 s
  select sms_monitor.rollup_sms_messages()::int
$f$;
create function pg_temp.val(p_now timestamptz, p_rule text, p_group text default null) returns text language sql as $f$
  select coalesce((select concat_ws(' n=', coalesce(v.metric_value::text, 'NULL'), v.sample_size)
                     from sms_monitor._alert_rule_values(p_now, p_rule) v
                    where v.group_value is not distinct from p_group), 'none')
$f$;
create function pg_temp.act(p_now timestamptz, p_rule text, p_group text default null) returns text language sql as $f$
  select e.action from sms_monitor._alert_evaluate(p_now) e where e.alert_type = p_rule and e.group_value is not distinct from p_group
$f$;

-- ---- error_code_share per sender (sender_filtering_warning: 30007 > 2 % of >= 100 terminal, 60 min)
-- S1: 95 delivered, 3 undelivered 30007, 2 failed 30008 (100 terminal); S2: 89 delivered + 10 with 30007 (99 terminal)
select pg_temp.msgs('f1-', 95, 'A', 'S1', '2026-06-02 11:30Z', 'delivered');
select pg_temp.msgs('f2-', 3, 'A', 'S1', '2026-06-02 11:30Z', 'undelivered', '30007');
select pg_temp.msgs('f3-', 2, 'B', 'S1', '2026-06-02 11:30Z', 'failed', '30008');
select pg_temp.msgs('f4-', 89, 'A', 'S2', '2026-06-02 11:30Z', 'delivered');
select pg_temp.msgs('f5-', 10, 'A', 'S2', '2026-06-02 11:30Z', 'undelivered', '30007');
-- sent 61 minutes before: outside the 60-minute window
select pg_temp.msgs('f6-', 50, 'A', 'S1', '2026-06-02 10:59Z', 'undelivered', '30007');
select sms_monitor.rollup_sms_messages();
select is(pg_temp.val('2026-06-02 12:00Z', 'sender_filtering_warning', 'S1'), '3.0000 n=100',
  'S1: 3 of 100 terminal with 30007 = 3 % (30008 and the 10:59 sends do not count)');
select is(pg_temp.val('2026-06-02 12:00Z', 'sender_filtering_warning', 'S2'), '10.1010 n=99',
  'S2: 10 / 99 = 10.1010 %');
select is(pg_temp.act('2026-06-02 12:00Z', 'sender_filtering_warning', 'S1'), 'fired', 'S1 fires (3 % > 2 %, 100 terminal)');
select is(pg_temp.act('2026-06-02 12:01Z', 'sender_filtering_warning', 'S2'), 'no_data', 'S2: 99 < 100 terminal: no_data, whatever its share');
select is((select message from sms_monitor.sms_alert_history where alert_type = 'sender_filtering_warning' and group_value = 'S1'),
  'Error-code share on sender S1 is 3.00 % (threshold: > 2.00 %) over the last 60 min: 3 of 100 terminal with error code '
  '30007; messages from 2026-06-02 11:00:00 to 12:00:00 UTC.', 'the message names the sender and the code');
update sms_monitor.sms_alert_thresholds set params = '{"error_codes": ["30007", "30008"]}' where alert_type = 'sender_filtering_warning';
select is(pg_temp.val('2026-06-02 12:00Z', 'sender_filtering_warning', 'S1'), '5.0000 n=100', 'two codes: (3 + 2) / 100');

-- ---- receipt_delay_rate per carrier (receipt_delay_warning: sent 10 to 70 min ago, > 5 % of >= 50 sent)
-- at 12:00 the span is [10:50, 11:50): A sent 5 at 10:50 exactly (no receipt), at 11:00 87 delivered 5 s later,
-- 5 without a receipt and 3 delivered at 12:00 exactly (not final yet at 12:00); 20 sent at 11:50 (outside)
select pg_temp.msgs('r1-', 5, 'A', 'S1', '2026-06-03 10:50Z', null);
select pg_temp.msgs('r2-', 87, 'A', 'S1', '2026-06-03 11:00Z', 'delivered');
select pg_temp.msgs('r3-', 5, 'A', 'S1', '2026-06-03 11:00Z', null);
select pg_temp.msgs('r4-', 3, 'A', 'S1', '2026-06-03 11:00Z', 'delivered', null, '1 hour');
select pg_temp.msgs('r5-', 20, 'A', 'S1', '2026-06-03 11:50Z', null);
select pg_temp.msgs('r6-', 49, 'B', 'S1', '2026-06-03 11:00Z', null);
select is(pg_temp.val('2026-06-03 12:00Z', 'receipt_delay_warning', 'A'), '13.0000 n=100',
  'A: (5 + 5 + 3) of 100 sent in [10:50, 11:50) without a final status at 12:00 = 13 %');
select is(pg_temp.val('2026-06-03 12:00:00.000001Z', 'receipt_delay_warning', 'A'), '21.7391 n=115',
  'a microsecond later: the 10:50 sends are out, the 11:50 ones in (20 waiting), the 12:00 receipts final: (5 + 20) / 115');
select is(pg_temp.val('2026-06-03 12:00Z', 'receipt_delay_warning', 'B'), '100.0000 n=49', 'B: 49 of 49 waiting');
select is(pg_temp.act('2026-06-03 12:00Z', 'receipt_delay_warning', 'A'), 'fired', 'A fires');
select is(pg_temp.act('2026-06-03 12:01Z', 'receipt_delay_warning', 'B'), 'no_data', 'B: 49 < 50 sent: no_data');

-- ---- delivery_latency_p95 (delivery_latency_warning: p95 > 60 s over 15 min, >= 50 delivered)
-- message i (1..49) delivered 2i seconds after its send at 11:50; p95 of 2, 4, ..., 98 from the
-- latency histogram: rank 0.95 * 49 = 46.55 -> the 47th, 94 s, in bucket ceil(ln(94000) / ln(1.03))
-- = 388, shown as 2 x 1.03^388 / 2.03 = 94271 ms
select sms_monitor.record_sms_message_events(jsonb_agg(e))
  from generate_series(1, 49) i
 cross join lateral (values
   (jsonb_build_object('message_id', 'l' || i, 'status', 'sent', 'occurred_at', timestamptz '2026-06-04 11:50Z')),
   (jsonb_build_object('message_id', 'l' || i, 'status', 'delivered',
                       'occurred_at', timestamptz '2026-06-04 11:50Z' + make_interval(secs => 2 * i)))) v(e);
-- delivered without a sent time: no latency
select sms_monitor.record_sms_message_events(jsonb_build_array(
  jsonb_build_object('message_id', 'l-nosend', 'status', 'delivered', 'occurred_at', '2026-06-04T11:51:00Z')));
select sms_monitor.rollup_sms_messages();
select is(pg_temp.val('2026-06-04 12:00Z', 'delivery_latency_warning'), '94.2710 n=49', 'p95 of 2..98 s = 94.271 over 49');
select is(pg_temp.act('2026-06-04 12:00Z', 'delivery_latency_warning'), 'no_data', '49 < 50 delivered: no_data');
select sms_monitor.record_sms_message_events(jsonb_build_array(
  jsonb_build_object('message_id', 'l50', 'status', 'sent', 'occurred_at', '2026-06-04T11:50:00Z'),
  jsonb_build_object('message_id', 'l50', 'status', 'delivered', 'occurred_at', '2026-06-04T11:51:40Z')));
select sms_monitor.rollup_sms_messages();
select is(pg_temp.val('2026-06-04 12:01Z', 'delivery_latency_warning'), '97.0990 n=50',
  'with the 50th (100 s): rank 0.95 * 50 = 47.5 -> the 48th, 96 s: bucket 389, 97.099 s');
select is(pg_temp.act('2026-06-04 12:01Z', 'delivery_latency_warning'), 'fired', '97.099 s > 60 s with 50 delivered: fired');

-- ---- delivery_slo_burn: budget 2 %; a rule with the fast pair only, [60 min, 5 min, 14.4x]
insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, window_minutes, min_sample, severity, notification_channels,
   params, description)
values ('burn_fast', 'delivery_slo_burn', '>=', 1, 60, 20, 'critical', '{log}',
        '{"slo_percent": 98, "windows": [[60, 5, 14.4]]}', 'fast burn only');
-- at 11:00 exactly (the 1 h edge) 80 terminal, 23 bad; at 11:55 exactly (the 5 min edge) 20 terminal, 6 bad
select pg_temp.msgs('b1-', 57, 'A', 'S1', '2026-06-05 11:00Z', 'delivered');
select pg_temp.msgs('b2-', 23, 'A', 'S1', '2026-06-05 11:00Z', 'undelivered', '30003');
select pg_temp.msgs('b3-', 14, 'A', 'S1', '2026-06-05 11:55Z', 'delivered');
select pg_temp.msgs('b4-', 6, 'A', 'S1', '2026-06-05 11:55Z', 'failed', '30008');
select is(pg_temp.val('2026-06-05 12:00Z', 'burn_fast'), '1.0069 n=100',
  '12:00: 1 h = 29/100 = 29 % = 14.5x, 5 min = 6/20 = 30 % = 15x; min(14.5, 15) / 14.4 = 1.0069');
select is((select detail from sms_monitor._alert_rule_values('2026-06-05 12:00Z', 'burn_fast')),
  '60 min burn 14.50x and 5 min burn 15.00x (pages at 14.4x; 100 and 20 terminal); SLO 98 % up to 2026-06-05 12:00:00 UTC',
  'the detail gives each window''s burn rate and count');
select is(pg_temp.val('2026-06-05 12:00:00.000001Z', 'burn_fast'), 'NULL n=20',
  'a microsecond later both edge batches are out of their windows: the 5 min window is empty, no pair qualifies');
select is(pg_temp.val('2026-06-05 11:59:59.999999Z', 'burn_fast'), '1.0069 n=100', 'a microsecond earlier: the same as at 12:00');
update sms_monitor.sms_alert_thresholds set min_sample = 21 where alert_type = 'burn_fast';
select is(pg_temp.val('2026-06-05 12:00Z', 'burn_fast'), 'NULL n=100', '20 terminal in the 5 min window < 21: no pair qualifies');
update sms_monitor.sms_alert_thresholds set min_sample = 20, params = '{"slo_percent": 97.9, "windows": [[60, 5, 14.4]]}'
 where alert_type = 'burn_fast';
select is(pg_temp.val('2026-06-05 12:00Z', 'burn_fast'), '0.9590 n=100',
  'SLO 97.9 % (budget 2.1 %): 1 h = 0.29 / 0.021 = 13.81x below 14.4x, so not both windows: 13.8095 / 14.4 = 0.9590 < 1');
-- the seeded rule: also 6 h / 30 min at 6x: 30 min = 15x, 6 h = 14.5x: 14.5 / 6 = 2.4167
select is(pg_temp.val('2026-06-05 12:00Z', 'delivery_slo_burn_critical'), '2.4167 n=100', 'seeded: the slow pair 14.5 / 6 = 2.4167');
select is(pg_temp.act('2026-06-05 12:00Z', 'delivery_slo_burn_critical'), 'fired', 'seeded burn rule pages');

-- ---- parameter checks: 22023 naming the field
select throws_ok($$update sms_monitor.sms_alert_thresholds set params = '{"error_codes": []}' where alert_type = 'sender_filtering_warning'$$,
  '22023', 'params.error_codes: must list 1 to 50 distinct error codes as strings of 1 to 16 characters', 'no error codes');
select throws_ok($$update sms_monitor.sms_alert_thresholds set params = '{"slo_percent": 98, "windows": [[5, 60, 14.4]]}' where alert_type = 'burn_fast'$$,
  '22023', null, 'a short window longer than the long one');
select throws_ok($$update sms_monitor.sms_alert_thresholds set group_by = 'carrier' where alert_type = 'delivery_rate_critical'$$,
  '22023', 'group_by: metric delivery_rate is system-wide only (per-dimension rules need a message metric)', 'group_by on a counter metric');

select * from finish();
rollback;
