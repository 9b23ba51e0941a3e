-- The append-only log and its rollup: live reads before and after a rollup, exactly once across
-- repeated runs, alert windows exact to the minute, partitions dropped by retention, minutes
-- compacted into hours. Concurrency (writers racing rollups, a rollup killed mid-run) is in
-- client/test/rollup-concurrency.test.ts.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(28);

create function pg_temp.tail() returns bigint language sql as $$
  select count(*) from sms_monitor.sms_metric_events e
   where e.id > (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics') $$;
create function pg_temp.today_sent() returns text language sql as $$
  select sms_monitor.api_today_metrics(now()) #>> '{data,sent_count}' $$;

-- ---- live before the rollup, identical after ------------------------------------------------
select sms_monitor.rollup_sms_metrics();  -- whatever earlier setup left
select sms_monitor.record_sms_event('sent_count', 'c0000000-0000-0000-0000-000000000001', 3, now() - interval '1 minute');
select sms_monitor.record_sms_event('sent_count', null, 4, now() - interval '1 minute');
select sms_monitor.record_sms_events(jsonb_build_array(
  jsonb_build_object('metric_type', 'sent_count', 'value', 5, 'user_id', 'c0000000-0000-0000-0000-000000000001'),
  jsonb_build_object('metric_type', 'delivered_count', 'value', 2)));
select is(pg_temp.tail(), 4::bigint, 'four log rows wait for the rollup');
select is(pg_temp.today_sent(), '12', 'api_today_metrics counts them before any rollup (3 + 4 + 5)');
select is((select sent_count from sms_monitor.sms_metrics_daily where metric_date = sms_monitor.reporting_today()), 12::numeric,
  'so does sms_metrics_daily');
select is((select sent_count from sms_monitor.sms_metrics_user_daily
            where metric_date = sms_monitor.reporting_today() and user_id = 'c0000000-0000-0000-0000-000000000001'), 8::bigint,
  'and sms_metrics_user_daily (3 + 5 for the user)');
select is((select count(*) from sms_monitor.sms_metrics where user_id is null and metric_type = 'sent_count'
             and metric_date = sms_monitor.reporting_today()), 1::bigint,
  'system-wide rows read as user_id NULL (one bucket per hour)');
select is(sms_monitor.rollup_sms_metrics(), 4::bigint, 'the rollup takes the four rows');
select is(pg_temp.tail(), 0::bigint, 'nothing is left in the tail');
select is(pg_temp.today_sent(), '12', 'the figures are unchanged after the rollup');
select is((select sent_count from sms_monitor.sms_metrics_user_daily
            where metric_date = sms_monitor.reporting_today() and user_id = 'c0000000-0000-0000-0000-000000000001'), 8::bigint,
  '... per user too');
select is(sms_monitor.rollup_sms_metrics(), 0::bigint, 'a second run finds nothing to add');
select is(pg_temp.today_sent(), '12', 'and changes nothing');
select sms_monitor.record_sms_event('sent_count', null, 1, now() - interval '1 minute');
select is(pg_temp.today_sent(), '13', 'a later event counts at once, added to the rolled-up bucket');
select is(sms_monitor.refresh_sms_metrics_daily()::text, '', 'refresh_sms_metrics_daily runs the rollup');
select is(pg_temp.tail(), 0::bigint, '... which took it');
select is(pg_temp.today_sent(), '13', '... without changing the figure');
select is((select sum(metric_value) from sms_monitor.sms_metric_rollups_daily
            where metric_date = sms_monitor.reporting_today() and metric_type = 'sent_count'), 13::numeric,
  'the day grain, written in the same transactions, holds the same sum');

-- ---- alert windows exact to the minute (a fixed day far from now: _record_metric takes any date) ----
-- sent at 10:29, 10:30, 11:30 and 11:31 (UTC), one each; p_now 11:30:20, window 60 minutes:
-- the minutes 10:30 .. 11:30 are in, 10:29 (61 minutes before) and 11:31 are out.
select sms_monitor._record_metric('2030-01-01', 10, null, 'sent_count', 1, '{}', 'metric_value', 29);
select sms_monitor._record_metric('2030-01-01', 10, null, 'sent_count', 10, '{}', 'metric_value', 30);
select sms_monitor._record_metric('2030-01-01', 11, null, 'sent_count', 100, '{}', 'metric_value', 30);
select sms_monitor._record_metric('2030-01-01', 11, null, 'sent_count', 1000, '{}', 'metric_value', 31);
select is((select sent from sms_monitor._alert_window_stats('2030-01-01 11:30:20Z', 60)), 110::numeric,
  'an event 61 minutes back is outside a 60-minute window, one 60 minutes back (same minute) inside');
select is((select window_start::text || ' .. ' || window_end::text from sms_monitor._alert_window_stats('2030-01-01 11:30:20Z', 60)),
  '2030-01-01 10:30:00 .. 2030-01-01 11:31:00', 'the window is whole minutes');
select is((select sent from sms_monitor._alert_window_stats('2030-01-01 11:31:00Z', 60)), 1100::numeric,
  'a minute later: 10:31 .. 11:31 (10:30 has left, 11:31 came in)');
select sms_monitor.rollup_sms_metrics();
select is((select sent from sms_monitor._alert_window_stats('2030-01-01 11:30:20Z', 60)), 110::numeric,
  'the same from the rollups');
-- a value recorded for an hour (no minute) counts when its hour overlaps the window
select sms_monitor._record_metric('2030-01-01', 9, null, 'sent_count', 7);
select is((select sent from sms_monitor._alert_window_stats('2030-01-01 10:59:00Z', 60)), 18::numeric,
  'hour 9 overlaps 09:59 .. 10:59: 7 + 1 + 10');

-- ---- partitions and retention --------------------------------------------------------------
-- three old days of arrival (partitions of the log), one row each, rolled up
select sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date - 10, 3);
insert into sms_monitor.sms_metric_events (recorded_on, user_id, metric_type, metric_date, metric_hour, metric_value)
select (now() at time zone 'UTC')::date - d, sms_monitor._system_wide_user(), 'opt_out_count', sms_monitor.reporting_today(), 0, 1
  from generate_series(8, 10) d;
-- a day with no partition (far ahead): the row lands in the default partition, still counted
insert into sms_monitor.sms_metric_events (recorded_on, user_id, metric_type, metric_date, metric_hour, metric_value)
values ((now() at time zone 'UTC')::date + 40, sms_monitor._system_wide_user(), 'opt_out_count', sms_monitor.reporting_today(), 0, 1);
select is((select count(*) from sms_monitor.sms_metric_events_default), 1::bigint, 'a day without a partition goes to the default partition');
select is(sms_monitor.api_today_metrics(now()) #>> '{data,opt_out_count}', '4', 'all four count');
create temp table ret as select * from sms_monitor._apply_sms_retention(now());
select is((select deleted from ret where target = 'sms_monitor.sms_metric_events'), 3::bigint,
  'retention drops the three expired partitions (rolled up first)');
select is((select count(*)::int from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where i.inhparent = 'sms_monitor.sms_metric_events'::regclass
              and c.relname in (select 'sms_metric_events_' || to_char((now() at time zone 'UTC')::date - d, 'YYYYMMDD')
                                  from generate_series(8, 10) d)), 0, '... they are gone');
select ok(to_regclass('sms_monitor.sms_metric_events_' || to_char((now() at time zone 'UTC')::date, 'YYYYMMDD')) is not null,
  'today''s partition stays');
select is(sms_monitor.api_today_metrics(now()) #>> '{data,opt_out_count}', '4', 'and no figure changed');

-- ---- minutes older than _minute_rollup_days() become their hour --------------------------------
select sms_monitor._record_metric(sms_monitor.reporting_today() - 20, 5, null, 'failed_count', 2, '{}', 'metric_value', 7);
select sms_monitor._record_metric(sms_monitor.reporting_today() - 20, 5, null, 'failed_count', 3, '{}', 'metric_value', 8);
select sms_monitor._apply_sms_retention(now());
select is((select array_agg(coalesce(metric_minute::text, 'hour') || '=' || metric_value || '/' || sample_count)
             from sms_monitor.sms_metric_rollups where metric_date = sms_monitor.reporting_today() - 20),
  array['hour=5/2'], 'two minute rows compacted into one hour row, value and samples kept');

select * from finish();
rollback;
