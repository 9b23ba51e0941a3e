-- sms_metrics_daily, refresh_sms_metrics_daily and get_sms_daily_metrics: sums, true means,
-- rates from summed counts (wide enough for duplicate receipts), NULL without traffic.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(18);

select is((select c.relispopulated from pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass),
  true, 'the view is populated by the migration: readable before the first scheduled refresh');
select is((select count(*)::int from sms_monitor.get_sms_daily_metrics('2026-02-01')), 0,
  'and answers an empty range instead of raising 55000');

-- Day 1: two users. Timings are samples: user A 3 deliveries of 100, 200, 300 ms; user B one of 1,000 ms.
-- The true mean is (100 + 200 + 300 + 1000) / 4 = 400; an average of per-row averages
-- would be (200 + 1000) / 2 = 600.
select sms_monitor._record_metric('2026-02-01', 9, 'd0000000-0000-0000-0000-00000000000a', 'avg_delivery_time_ms', v)
  from unnest(array[100, 200, 300]) v;
select sms_monitor._record_metric('2026-02-01', 9, 'd0000000-0000-0000-0000-00000000000b', 'avg_delivery_time_ms', 1000);
select sms_monitor._record_metric('2026-02-01', 9, 'd0000000-0000-0000-0000-00000000000a', 'sent_count', 40);
select sms_monitor._record_metric('2026-02-01', 10, 'd0000000-0000-0000-0000-00000000000b', 'sent_count', 10);
select sms_monitor._record_metric('2026-02-01', null, null, 'delivered_count', 47);   -- a daily bucket
select sms_monitor._record_metric('2026-02-01', 10, null, 'llm_success_count', 3);
select sms_monitor._record_metric('2026-02-01', 11, null, 'template_fallback_count', 1);
select sms_monitor._record_metric('2026-02-01', 11, 'd0000000-0000-0000-0000-00000000000b', 'llm_cost_usd', 0.0125);
select sms_monitor._record_metric('2026-02-01', 12, 'd0000000-0000-0000-0000-00000000000b', 'llm_cost_usd', 0.0075);
-- Day 2: duplicate receipts: 3 sent, 40 "delivered" (a ratio above 10, which overflowed numeric(5,2)).
select sms_monitor._record_metric('2026-02-02', 0, null, 'sent_count', 3);
select sms_monitor._record_metric('2026-02-02', 0, null, 'delivered_count', 40);
-- Day 3: traffic but no sends and no LLM work.
select sms_monitor._record_metric('2026-02-03', 0, 'd0000000-0000-0000-0000-00000000000a', 'opt_out_count', 1);

select lives_ok('select sms_monitor.refresh_sms_metrics_daily()', 'first refresh (view not yet populated)');
select lives_ok('select sms_monitor.refresh_sms_metrics_daily()', 'second refresh (concurrent)');

select is((select avg_delivery_time_ms from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'),
  400.00::numeric, 'true mean of all samples across users: 400 ms, not 600');
select is((select sent_count from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'), 50::numeric,
  'sent summed over hours and users');
select is((select delivered_count from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'), 47::numeric,
  'daily-bucket rows count in the day');
select is((select delivery_rate_percent from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'),
  94.00::numeric, 'delivery rate 47 / 50 = 94.00 %');
select is((select llm_success_rate_percent from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'),
  75.00::numeric, 'LLM success 3 / (3 + 1) = 75.00 %');
select is((select llm_cost_usd from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'),
  0.0200::numeric, 'costs sum exactly');
select is((select active_users from sms_monitor.sms_metrics_daily where metric_date = '2026-02-01'), 2::bigint,
  'two distinct users active (system-wide rows are not a user)');
select is((select delivery_rate_percent from sms_monitor.sms_metrics_daily where metric_date = '2026-02-02'),
  1333.33::numeric, 'duplicate receipts: 40 / 3 = 1333.33 %, no overflow');
select is((select delivery_rate_percent from sms_monitor.sms_metrics_daily where metric_date = '2026-02-03'),
  null::numeric, 'no sends: delivery rate is NULL (no data), not 0 %');
select is((select coalesce(llm_success_rate_percent::text, 'NULL') || '|' || coalesce(avg_delivery_time_ms::text, 'NULL')
           from sms_monitor.sms_metrics_daily where metric_date = '2026-02-03'), 'NULL|NULL',
  'no LLM work and no deliveries: NULL rate and NULL mean');

select results_eq(
  $$select metric_date from sms_monitor.get_sms_daily_metrics('2026-02-02', '2026-02-03')$$,
  $$values ('2026-02-02'::date), ('2026-02-03'::date)$$,
  'get_sms_daily_metrics: inclusive range, oldest first');
select results_eq(
  $$select count(*)::int from sms_monitor.get_sms_daily_metrics('2026-02-01')$$,
  $$values (3)$$, 'NULL end date means through today');
select throws_ok($$select * from sms_monitor.get_sms_daily_metrics(sms_monitor.reporting_today() + 1)$$,
  '22023', format('start_date: %s is after today (%s) in the reporting timezone',
                  sms_monitor.reporting_today() + 1, sms_monitor.reporting_today()),
  'a future start without an end date names start_date');
select throws_ok($$select * from sms_monitor.get_sms_daily_metrics('2026-02-03', '2026-02-01')$$,
  '22023', 'end_date: 2026-02-01 is before start_date 2026-02-03', 'end before start refused');

select * from finish();
rollback;
