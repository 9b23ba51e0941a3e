-- record_sms_metric: one row per bucket, NULL hour and NULL user included; true sums; bad input.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(18);
-- fixed dates that must not age out: retention as long as it goes (the bounds themselves: input_bounds.sql)
update sms_monitor.settings set metric_retention_days = 36500;

select lives_ok($$select sms_monitor.record_sms_metric('2026-03-01', null, null, 'sent_count', 2)$$,
  'daily, system-wide bucket accepts a value');
select lives_ok($$select sms_monitor.record_sms_metric('2026-03-01', null, null, 'sent_count', 3)$$,
  'the same NULL/NULL bucket again');
select is((select count(*)::int from sms_monitor.sms_metrics
            where metric_date = '2026-03-01' and metric_hour is null and user_id is null),
  1, 'NULL hour and NULL user increment ONE row (NULLS NOT DISTINCT, never a row per call)');
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

-- Metadata is bounded: 4 KiB per recording, 16 KiB per bucket (then marked, not grown).
select throws_ok(format($$select sms_monitor.record_sms_metric('2026-03-02', 1, null, 'sent_count', 1, %L)$$,
    jsonb_build_object('blob', repeat('x', 5000))),
  '22023', 'metadata: 5012 bytes is more than the 4096 allowed', 'huge metadata refused');
select throws_ok($$select sms_monitor.record_sms_metric('2026-03-02', 1, null, 'sent_count', 1, '[1, 2]')$$,
  '22023', 'metadata: must be a JSON object', 'metadata must be an object');
select sms_monitor.record_sms_metric('2026-03-03', 1, null, 'sent_count', 1, jsonb_build_object('k' || i, repeat('y', 3000)))
  from generate_series(1, 8) i;
select is((select (metadata ? 'k5', metadata ? 'k6', metadata->>'_metadata_truncated')::text
             from sms_monitor.sms_metrics where metric_date = '2026-03-03'),
  '(t,f,true)', 'a bucket keeps merging up to 16 KiB, then stops growing and says so');
select is((select metric_value from sms_monitor.sms_metrics where metric_date = '2026-03-03'), 8::numeric,
  'the values still count when metadata is full');

select * from finish();
rollback;
