-- No accepted write can make a reader fail; values and times are bounded
-- and every rejection is 22023 naming the field. Times are relative to now() (the bounds are).
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(32);

create temp table ev(n int);  -- (helpers below build batches of the current minute)
create function pg_temp.now_text(p_shift interval default '0'::interval) returns text language sql as $$
  select to_char((now() + p_shift) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
create function pg_temp.batch(p_n int, p_value numeric, p_type text default 'sent_count') returns jsonb language sql as $$
  select jsonb_agg(jsonb_build_object('metric_type', p_type, 'value', p_value, 'occurred_at', pg_temp.now_text('-1 minute')))
    from generate_series(1, p_n) $$;

-- The reported overflow: 9,300 events of 999999999999999 in one batch (sum 9.3e18 > bigint).
select throws_ok(format('select sms_monitor.record_sms_events(%L)', pg_temp.batch(9300, 999999999999999)),
  '22023', 'events[0].value: 999999999999999 is more than the 1000000000000 one value may add',
  'one value past 1e12 is refused, naming the element');
-- Each value allowed: their sum is not bounded any more (values are appended to the event log, no
-- shared bucket row holds a running sum), and every reader sums in numeric.
select is(sms_monitor.record_sms_events(pg_temp.batch(1000, 1000000000000)), 1000, '1000 values of 1e12 in one bucket are accepted');
select is((select metric_value from sms_monitor.sms_metrics), 1000000000000000::numeric, 'the bucket holds their exact sum');

-- A bucket two hours ahead (a value no window has seen, to surface later): refused. Not the next
-- hour: within the 5-minute clock-skew allowance of the top of the hour that one is accepted.
select throws_matching($$select sms_monitor.record_sms_metric(((now() + interval '2 hours') at time zone 'UTC')::date,
    extract(hour from (now() + interval '2 hours') at time zone 'UTC')::int, null, 'sent_count', 1)$$,
  '^metric_(date|hour): .* (has not begun yet|is in the future)', 'a bucket two hours ahead is refused');
select throws_ok($$select sms_monitor.record_sms_metric(((now() + interval '2 hours') at time zone 'UTC')::date,
    extract(hour from (now() + interval '2 hours') at time zone 'UTC')::int, null, 'sent_count', 1)$$, '22023', null, '(22023)');
select throws_like($$select sms_monitor.record_sms_metric(sms_monitor.reporting_today() + 1, null, null, 'sent_count', 1)$$,
  'metric_date: % is in the future (today is %', 'a daily bucket for tomorrow is refused');

-- Buckets at the bound in many places (10,000 users x 1e15 = 1e19, past bigint): every reader
-- still answers, with the exact sum.
insert into sms_monitor.sms_metrics (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
select sms_monitor.reporting_today(now() - interval '1 minute'), extract(hour from (now() - interval '1 minute') at time zone 'UTC'),
       ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, t.type, 1000000000000000, 1
  from generate_series(1, 10000) g, (values ('sent_count'), ('delivered_count')) t(type);
select lives_ok('select sms_monitor.refresh_sms_metrics_daily()', 'refresh_sms_metrics_daily works over 2e19 of counts');
select is((select sent_count from sms_monitor.sms_metrics_daily), 10001000000000000000::numeric,
  'sms_metrics_daily.sent_count is the exact sum (1e19 + 1e15)');
select is((select count(*)::int from sms_monitor.check_sms_alerts() where action = 'error'), 0,
  'check_sms_alerts evaluates every rule, none fails');
select is((select action from sms_monitor.check_sms_alerts(now() + interval '1 second') where alert_type = 'delivery_rate_critical'),
  'ok', 'the delivery rule sees 10000e15 delivered of 10001e15 sent: ok');
select is(sms_monitor.api_today_metrics(now(), true) #>> '{data,sent_count}', '10001000000000000000', 'live today figures carry it');
select is(sms_monitor.api_today_metrics(now(), false) #>> '{data,sent_count}', '10001000000000000000', 'so do the view''s');
select lives_ok('select sms_monitor.api_metrics_summary()', 'api_metrics_summary works');
select is((select sum(sent_count) from sms_monitor.get_user_sms_metrics('00000000-0000-0000-0000-000000000001', 2)),
  1000000000000000::numeric, 'get_user_sms_metrics works');

-- Values: magnitude and length.
select throws_ok($$select sms_monitor.record_sms_event('sms_cost_usd', null, 1000000000000.5, now())$$,
  '22023', 'value: 1000000000000.5 is more than the 1000000000000 one value may add', 'a value past 1e12');
select throws_ok(format('select sms_monitor.record_sms_event(%L, null, %s::numeric, now())', 'sms_cost_usd', '0.' || repeat('1', 16000)),
  '22023', 'value: has 16000 decimal places, more than the 20 allowed', 'a 16,000-digit cost');
select throws_like(format('select sms_monitor.record_sms_event(%L, null, %s::numeric, now())', 'sms_cost_usd', repeat('9', 16000)),
  'value: 9999999999% is more than the 1000000000000 one value may add', 'a 16,000-digit integer (message cut short)');

-- Times: infinity, 4713 BC, year 294276, past the clock-skew allowance, older than retention.
select throws_ok($$select sms_monitor.record_sms_event('sent_count', null, 1, 'infinity')$$,
  '22023', 'occurred_at: must be a finite time', 'record_sms_event: infinity');
select throws_like($$select sms_monitor.record_sms_event('sent_count', null, 1, '4713-01-01 00:00:00+00 BC')$$,
  'occurred_at: 4713-01-01T00:00:00Z BC is older than the 400 days retention keeps%', 'record_sms_event: 4713 BC');
select throws_like($$select sms_monitor.record_sms_event('sent_count', null, 1, '294276-12-31 00:00:00+00')$$,
  'occurred_at: 294276-12-31T00:00:00Z AD is more than 00:05:00 ahead of the server clock%', 'record_sms_event: year 294276');
select throws_like($$select sms_monitor.record_sms_event('sent_count', null, 1, now() + interval '5 minutes 1 second')$$,
  'occurred_at: % is more than 00:05:00 ahead of the server clock%', 'record_sms_event: 5 min 1 s ahead');
select lives_ok($$select sms_monitor.record_sms_event('failed_count', null, 1, now() + interval '4 minutes')$$,
  'record_sms_event: 4 minutes ahead is within the allowance');
select throws_like($$select sms_monitor.record_sms_event('sent_count', null, 1, now() - interval '402 days')$$,
  'occurred_at: % is older than the 400 days retention keeps (earliest day: %)', 'record_sms_event: older than retention');
select throws_like($$select sms_monitor.record_sms_metric('4713-01-01 BC', null, null, 'sent_count', 1)$$,
  'metric_date: 4713-01-01 BC is older than the 400 days retention keeps%', 'record_sms_metric: 4713 BC');
select throws_like($$select sms_monitor.record_sms_metric('294276-01-01', 3, null, 'sent_count', 1)$$,
  'metric_date: 294276-01-01 is in the future%', 'record_sms_metric: year 294276');
select throws_ok($$select sms_monitor.record_sms_metric('infinity', null, null, 'sent_count', 1)$$,
  '22023', 'metric_date: must be a finite date', 'record_sms_metric: infinity');
select throws_like(format('select sms_monitor.record_sms_events(%L)', jsonb_build_array(
    jsonb_build_object('metric_type', 'failed_count'),
    jsonb_build_object('metric_type', 'failed_count', 'occurred_at', pg_temp.now_text('6 minutes')))),
  'events[1].occurred_at: % is more than 00:05:00 ahead of the server clock%', 'record_sms_events: 6 minutes ahead');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "occurred_at": "294276-12-31T00:00:00Z"}]')$$,
  '22023', null, 'record_sms_events: year 294276 (22023)');
select throws_like($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "occurred_at": "2020-01-01T00:00:00Z"}]')$$,
  'events[0].occurred_at: 2020-01-01T00:00:00Z is older than the 400 days retention keeps%', 'record_sms_events: older than retention');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "occurred_at": "2026-03-01T10:00:00+16:00"}]')$$,
  '22023', 'events[0].occurred_at: 2026-03-01T10:00:00+16:00 is not a valid time', 'an offset of +16:00 is 22023, not 22009');

select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "occurred_at": "2026-03-01T10:00:00 Mars/Phobos+01:00"}]')$$,
  '22023', 'events[0].occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z',
  'a garbled zone between the time and the offset is refused (PostgreSQL would read it somehow)');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "occurred_at": "2026-03-01T10:00:00+1x:00"}]')$$,
  '22023', 'events[0].occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z', 'a garbled offset: 22023 naming the field');

select * from finish();
rollback;
