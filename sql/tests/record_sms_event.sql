-- record_sms_event: bucketing into the reporting timezone's date and hour, DST days included.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(12);
-- fixed dates that must not age out: retention as long as it goes (the bounds themselves: input_bounds.sql)
update sms_monitor.settings set metric_retention_days = 36500;

-- UTC (the default): the event's UTC date and hour.
select sms_monitor.record_sms_event('sent_count', null, 1, '2026-03-28T23:30:00Z');
select is((select metric_date::text || ' ' || metric_hour from sms_monitor.sms_metrics), '2026-03-28 23',
  'UTC: 23:30Z lands on 2026-03-28, hour 23');
truncate sms_monitor.sms_metric_events, sms_monitor.sms_metric_rollups;

update sms_monitor.settings set reporting_timezone = 'Europe/Berlin';
-- Spring forward in Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; the day has 23 hours, no hour 2.
select sms_monitor.record_sms_event('sent_count', null, 1, '2026-03-28T23:30:00Z');  -- 00:30 CET, 29th
select sms_monitor.record_sms_event('sent_count', null, 1, '2026-03-29T00:30:00Z');  -- 01:30 CET
select sms_monitor.record_sms_event('sent_count', null, 1, '2026-03-29T01:30:00Z');  -- 03:30 CEST
select sms_monitor.record_sms_event('sent_count', null, 1, '2026-03-29T21:59:59Z');  -- 23:59:59 CEST
select sms_monitor.record_sms_event('sent_count', null, 1, '2026-03-29T22:00:00Z');  -- 00:00 CEST, 30th
select is(
  (select string_agg(metric_date::text || ' h' || metric_hour || '=' || metric_value, ', '
                     order by metric_date, metric_hour) from sms_monitor.sms_metrics),
  '2026-03-29 h0=1, 2026-03-29 h1=1, 2026-03-29 h3=1, 2026-03-29 h23=1, 2026-03-30 h0=1',
  'spring-forward day: local dates and hours, no hour 2, midnight by local time');
select is((select count(*)::int from sms_monitor.sms_metrics where metric_hour = 2), 0,
  'no bucket for the hour that does not exist');
truncate sms_monitor.sms_metric_events, sms_monitor.sms_metric_rollups;

-- Fall back: 2026-10-25 03:00 CEST -> 02:00 CET; local 02:xx happens twice: one bucket, two events.
select sms_monitor.record_sms_event('delivered_count', null, 1, '2026-10-25T00:30:00Z');  -- 02:30 CEST
select sms_monitor.record_sms_event('delivered_count', null, 1, '2026-10-25T01:30:00Z');  -- 02:30 CET
select is((select metric_value from sms_monitor.sms_metrics where metric_date = '2026-10-25' and metric_hour = 2),
  2::numeric, 'fall-back day: both 02:30s land in local hour 2 of the 25th');
select is((select count(*)::int from sms_monitor.sms_metrics), 1, 'in one row');
truncate sms_monitor.sms_metric_events, sms_monitor.sms_metric_rollups;

-- A send and its receipt minutes apart around local midnight stay on the same local day.
update sms_monitor.settings set reporting_timezone = 'America/New_York';
select sms_monitor.record_sms_event('sent_count', 'b0000000-0000-0000-0000-000000000001', 1, '2026-06-02T03:50:00Z');
select sms_monitor.record_sms_event('delivered_count', 'b0000000-0000-0000-0000-000000000001', 1, '2026-06-02T03:55:00Z');
select is((select array_agg(distinct metric_date::text) from sms_monitor.sms_metrics), array['2026-06-01'],
  'New York: 03:50Z and 03:55Z are both on June 1st (UTC would split nothing here, local time decides)');
select is((select array_agg(distinct metric_hour) from sms_monitor.sms_metrics), array[23::smallint],
  'hour 23 local');

-- Defaults: value 1, now(), system-wide.
select sms_monitor.record_sms_event('opt_out_count');
select is((select metric_value from sms_monitor.sms_metrics where metric_type = 'opt_out_count'), 1::numeric,
  'default value is 1');
select is((select metric_date from sms_monitor.sms_metrics where metric_type = 'opt_out_count'),
  (now() at time zone 'America/New_York')::date, 'default occurred_at is now, in the reporting timezone');

select throws_ok($$select sms_monitor.record_sms_event('sent_count', null, 1, null)$$,
  '22023', 'occurred_at: is required', 'NULL occurred_at refused');
select throws_ok($$select sms_monitor.record_sms_event('sent_count', null, -1)$$,
  '22023', 'value: must not be negative (got -1)', 'the error names the parameter: value');
select throws_ok($$select sms_monitor.record_sms_event('avg_delivery_time_ms', null, 1, 'infinity')$$,
  '22023', 'occurred_at: must be a finite time', 'infinite time refused');

select * from finish();
rollback;
