-- record_sms_metric: one row per bucket, NULL hour and NULL user included; true sums; bad input.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(14);

select lives_ok($$select sms_monitor.record_sms_metric('2026-03-01', null, null, 'sent_count', 2)$$,
  'daily, system-wide bucket accepts a value');
select lives_ok($$select sms_monitor.record_sms_metric('2026-03-01', null, null, 'sent_count', 3)$$,
  'the same NULL/NULL bucket again');
select is((select count(*)::int from sms_monitor.sms_metrics
            where metric_date = '2026-03-01' and metric_hour is null and user_id is null),
  1, 'NULL hour and NULL user increment ONE row (the original inserted a row per call)');
select is((select metric_value from sms_monitor.sms_metrics
            where metric_date = '2026-03-01' and metric_type = 'sent_count'), 5::numeric, 'values add up: 2 + 3');
select is((select sample_count from sms_monitor.sms_metrics
            where metric_date = '2026-03-01' and metric_type = 'sent_count'), 2::bigint, 'two samples');

select sms_monitor.record_sms_metric('2026-03-01', 7, 'a0000000-0000-0000-0000-000000000001', 'sent_count', 1,
  '{"provider": "twilio"}');
select sms_monitor.record_sms_metric('2026-03-01', 7, 'a0000000-0000-0000-0000-000000000001', 'sent_count', 1,
  '{"batch": 7}');
select is((select metadata from sms_monitor.sms_metrics
            where metric_hour = 7 and user_id = 'a0000000-0000-0000-0000-000000000001'),
  '{"provider": "twilio", "batch": 7}'::jsonb, 'metadata merges key by key');

select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', 24, null, 'sent_count', 1)$$,
  '22023', 'metric_hour: must be NULL (daily bucket) or 0-23 (got 24)', 'hour 24 is refused');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', -1, null, 'sent_count', 1)$$,
  '22023', null, 'hour -1 is refused');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', 1, null, 'sent_cnt', 1)$$,
  '22023', 'metric_type: unknown metric type ''sent_cnt''', 'unknown type named');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', 1, null, 'delivery_success_rate', 1)$$,
  '22023', 'metric_type: delivery_success_rate is derived (delivered_count / sent_count) and cannot be recorded',
  'the derived rate cannot be recorded');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', 1, null, 'llm_cost_usd', -0.01)$$,
  '22023', 'metric_value: must not be negative (got -0.01)', 'negative refused');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', 1, null, 'llm_cost_usd', 'NaN')$$,
  '22023', 'metric_value: NaN is not a number', 'NaN refused');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-01', 1, null, 'llm_cost_usd', 'Infinity')$$,
  '22023', 'metric_value: must be finite', 'infinity refused');
select is((select count(*)::int from sms_monitor.sms_metrics where metric_hour in (1, 24) or metric_hour < 0),
  0, 'nothing was written by the refused calls');

select * from finish();
rollback;
