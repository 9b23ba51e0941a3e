-- The metric formulas over a rule's window: users not events, active users, the cost-spike
-- baseline from sms_metrics_daily, daily buckets (NULL hour), the reporting timezone; and who may
-- run checks, resolve, acknowledge and silence.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(41);

create temp table res as select * from sms_monitor._alert_evaluate('2029-01-01 00:00Z') limit 0;
create function pg_temp.chk(p_now timestamptz, p_type text) returns text language plpgsql as $f$
begin
  truncate res;
  insert into res select * from sms_monitor._alert_evaluate(p_now);
  return (select r.action || ' ' || coalesce(r.metric_value::text, 'NULL') || ' n=' || r.sample_size from res r where r.alert_type = p_type);
end $f$;
create function pg_temp.u(p_n int) returns uuid language sql immutable as $f$
  select ('00000000-0000-0000-0000-' || lpad(p_n::text, 12, '0'))::uuid
$f$;
-- n users active at (date, hour): each has one sent_count
create function pg_temp.active(p_date date, p_hour int, p_from int, p_to int) returns void language sql as $f$
  select sms_monitor._record_metric(p_date, p_hour, pg_temp.u(n), 'sent_count', 1) from generate_series(p_from, p_to) n;
$f$;

-- opt-out rate = opt-outs / active users
select pg_temp.active('2030-02-01', 10, 1, 25);
select sms_monitor._record_metric('2030-02-01', 10, pg_temp.u(n), 'opt_out_count', 1) from generate_series(1, 3) n;
select is(pg_temp.chk('2030-02-01 10:30Z', 'opt_out_rate_warning'), 'fired 12.0000 n=25', '3 opt-outs / 25 active users = 12 % > 10 %');
select is((select action from res where alert_type = 'daily_limit_hit_warning'), 'ok', 'nobody hit the limit: daily-limit rule ok');
select is((select metric_value from res where alert_type = 'daily_limit_hit_warning'), 0.0000, '... at 0 %');

-- daily-limit rate counts users, not events: 6 of 25 users hit the limit 3 times each
select pg_temp.active('2030-02-02', 10, 1, 25);
select sms_monitor._record_metric('2030-02-02', 10, pg_temp.u(n), 'daily_limit_hit_count', 3) from generate_series(1, 6) n;
select sms_monitor._record_metric('2030-02-02', 10, null, 'daily_limit_hit_count', 50);
select is(pg_temp.chk('2030-02-02 10:30Z', 'daily_limit_hit_warning'), 'fired 24.0000 n=25',
  '6 users / 25 active = 24 % (events would say 18/25 = 72 %; system-wide hits are nobody)');

-- active user: any metric, any hour of the window; system-wide rows are nobody
select sms_monitor._record_metric('2030-02-03', 9, pg_temp.u(1), 'scheduled_count', 1);
select sms_monitor._record_metric('2030-02-03', 10, pg_temp.u(1), 'sent_count', 1);
select sms_monitor._record_metric('2030-02-03', 10, pg_temp.u(n), 'llm_cost_usd', 0.01) from generate_series(2, 20) n;
select sms_monitor._record_metric('2030-02-03', 10, null, 'sent_count', 1000);
select sms_monitor._record_metric('2030-02-03', 8, pg_temp.u(99), 'sent_count', 1);
select sms_monitor._record_metric('2030-02-03', 10, pg_temp.u(n), 'opt_out_count', 1) from generate_series(1, 2) n;
select is(pg_temp.chk('2030-02-03 10:30Z', 'opt_out_rate_warning'), 'ok 10.0000 n=20',
  '20 distinct users (one counted once across two hours, one by cost only; hour 8 is outside): 2/20 = 10 %, not > 10');

-- the window: hourly buckets overlapping the last window_minutes, rounded out to whole hours
select pg_temp.active('2030-02-04', 8, 1, 30);
select sms_monitor._record_metric('2030-02-04', 8, pg_temp.u(n), 'opt_out_count', 1) from generate_series(1, 6) n;
select is(pg_temp.chk('2030-02-04 09:59Z', 'opt_out_rate_warning'), 'fired 20.0000 n=30', 'at 09:59 the 60-minute window still covers hour 8');
select is(pg_temp.chk('2030-02-04 10:00Z', 'opt_out_rate_warning'), 'no_data NULL n=0', 'at 10:00 it covers hours 9 and 10 only');
update sms_monitor.sms_alert_thresholds set window_minutes = 120 where alert_type = 'opt_out_rate_warning';
select is(pg_temp.chk('2030-02-04 10:01Z', 'opt_out_rate_warning'), 'cooldown 20.0000 n=30', 'a 120-minute window covers hour 8 again');
update sms_monitor.sms_alert_thresholds set window_minutes = 60 where alert_type = 'opt_out_rate_warning';

-- daily buckets (NULL hour) count only when the window covers their whole day
select sms_monitor._record_metric('2030-02-05', null, null, 'sent_count', 100);
select sms_monitor._record_metric('2030-02-05', null, null, 'delivered_count', 50);
select is(pg_temp.chk('2030-02-05 12:30Z', 'delivery_rate_critical'), 'no_data NULL n=0',
  'a 60-minute window ignores the day''s bucket (a day cannot be split into hours)');
insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value, window_minutes, severity,
  notification_channels, description) values ('delivery_rate_day', 'delivery_rate', '<', 90, 1470, 'info', '{log}', 'a day and a half hour');
select is(pg_temp.chk('2030-02-06 00:30Z', 'delivery_rate_day'), 'fired 50.0000 n=100',
  'a 24.5-hour window covering all of Feb 5 (00:00 Feb 5 to 01:00 Feb 6) counts its daily bucket');
select is(pg_temp.chk('2030-02-06 23:30Z', 'delivery_rate_day'), 'no_data NULL n=0',
  'once the window starts after midnight of Feb 5, the bucket is out');
update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = 'delivery_rate_day';

-- the reporting timezone decides which buckets an instant falls in
select sms_monitor._alert_resolve(id, 'test', '2030-02-07 00:00Z') from sms_monitor.sms_alert_history where resolved_at is null;
update sms_monitor.settings set reporting_timezone = 'Asia/Tokyo';
select sms_monitor._record_metric('2030-02-07', 19, null, 'sent_count', 100);
select sms_monitor._record_metric('2030-02-07', 19, null, 'delivered_count', 70);
select is(pg_temp.chk('2030-02-07 10:30Z', 'delivery_rate_critical'), 'fired 70.0000 n=100',
  '10:30 UTC is 19:30 in Tokyo: the bucket of local hour 19 is in the window');
select matches((select detail from res where alert_type = 'delivery_rate_critical'),
  'window 2030-02-07 18:30 to 2030-02-07 19:31 \(Asia/Tokyo\)$', 'the detail names the local window');
update sms_monitor.settings set reporting_timezone = 'UTC';
select sms_monitor._alert_resolve(id, 'test', '2030-02-07 10:40Z') from sms_monitor.sms_alert_history where resolved_at is null;

-- a window over several days: the first day from its hour, whole days between, the last day up to its hour
select sms_monitor._alert_resolve(id, 'test', '2030-02-18 00:00Z') from sms_monitor.sms_alert_history where resolved_at is null;
update sms_monitor.sms_alert_thresholds set window_minutes = 2940, is_enabled = true where alert_type = 'delivery_rate_day';
select sms_monitor._record_metric(d::date, h, null, t, v) from (values
  ('2030-02-18', 8, 'sent_count', 100), ('2030-02-18', 8, 'delivered_count', 0),     -- before the window
  ('2030-02-18', 9, 'sent_count', 100), ('2030-02-18', 9, 'delivered_count', 100),   -- first hour
  ('2030-02-19', 15, 'sent_count', 100), ('2030-02-19', 15, 'delivered_count', 70),  -- a day in between
  ('2030-02-20', 10, 'sent_count', 100), ('2030-02-20', 10, 'delivered_count', 80),  -- the current hour
  ('2030-02-20', 11, 'sent_count', 100), ('2030-02-20', 11, 'delivered_count', 0)    -- after p_now
) x(d, h, t, v);
select is(pg_temp.chk('2030-02-20 10:30Z', 'delivery_rate_day'), 'fired 83.3333 n=300',
  '49 hours back from 10:30 Feb 20 = from 09:00 Feb 18: (100 + 70 + 80) / 300');
update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = 'delivery_rate_day';
select sms_monitor._alert_resolve(id, 'test', '2030-02-20 10:40Z') from sms_monitor.sms_alert_history where resolved_at is null;

-- DST (America/New_York): buckets are local hours; the window is [minute of p_now - W, minute of
-- p_now] and an hour bucket counts when its hour overlaps it.
-- Spring forward, 2030-03-10: 02:00 EST (07:00 UTC) becomes 03:00 EDT, so local hour 2 never happens.
-- Sent (= delivered) per local hour 0..4: 20, 40, 80, 160, 320, so the sample names the buckets read.
update sms_monitor.settings set reporting_timezone = 'America/New_York';
select sms_monitor._record_metric('2030-03-10', h, null, t, (20 * 2 ^ h)::numeric)
  from generate_series(0, 4) h, unnest(array['sent_count', 'delivered_count']) t;
select is(pg_temp.chk('2030-03-10 06:59Z', 'delivery_rate_critical'), 'ok 100.0000 n=60',
  'spring forward, 01:59 EST: local hours 0 and 1 (20 + 40)');
select is(pg_temp.chk('2030-03-10 07:00Z', 'delivery_rate_critical'), 'ok 100.0000 n=280',
  '03:00 EDT (an hour of real time after 01:00 EST): hours 1 to 3, i.e. 1, the missing 2 (only a hand-filed bucket) and 3');
select matches((select detail from res where alert_type = 'delivery_rate_critical'),
  'window 2030-03-10 01:00 to 2030-03-10 03:01 \(America/New_York\)$', 'the detail names the local hours');
select is(pg_temp.chk('2030-03-10 07:59Z', 'delivery_rate_critical'), 'ok 100.0000 n=280', '03:59 EDT: still hours 1 to 3');
select is(pg_temp.chk('2030-03-10 08:00Z', 'delivery_rate_critical'), 'ok 100.0000 n=480', '04:00 EDT: hours 3 and 4 (160 + 320)');
update sms_monitor.settings set reporting_timezone = 'UTC';

-- LLM cost spike: window cost per active user / (sum daily cost / sum daily active users, 30 days before today)
-- baseline days Mar 1-6: 20 users a day, 0.01 USD each -> 0.01 per active user-day
select sms_monitor._record_metric(d::date, 10, pg_temp.u(n), 'llm_cost_usd', 0.01)
  from generate_series('2030-03-01'::date, '2030-03-06'::date, interval '1 day') d, generate_series(1, 20) n;
-- today: 20 users at 0.03 USD each = 3x the baseline
select sms_monitor._record_metric('2030-03-10', 10, pg_temp.u(n), 'llm_cost_usd', 0.03) from generate_series(1, 20) n;
select is(pg_temp.chk('2030-03-10 10:30Z', 'llm_cost_spike_warning'), 'no_data NULL n=20',
  'daily view never refreshed: no baseline, no_data');
select sms_monitor.refresh_sms_metrics_daily();
select is(pg_temp.chk('2030-03-10 10:31Z', 'llm_cost_spike_warning'), 'no_data NULL n=20',
  'only 6 baseline days with traffic (< 7): no_data');
select matches((select detail from res where alert_type = 'llm_cost_spike_warning'), 'over 6 days', 'the detail says why');
select sms_monitor._record_metric('2030-03-07', 10, pg_temp.u(n), 'llm_cost_usd', 0.01) from generate_series(1, 20) n;
-- one day with 40 users at 0.0025 (cheap day); baseline = (7*0.20 + 0.10) / (7*20 + 40) = 1.5 / 180
select sms_monitor._record_metric('2030-03-08', 10, pg_temp.u(n), 'llm_cost_usd', 0.0025) from generate_series(1, 40) n;
select sms_monitor.refresh_sms_metrics_daily();
select is(pg_temp.chk('2030-03-10 10:32Z', 'llm_cost_spike_warning'),
  'fired ' || round(0.03 / (1.5 / 180), 4) || ' n=20',
  '8 baseline days: 0.03 / (1.5 USD / 180 user-days) = 3.6x > 2: fired (a true mean, not a mean of daily means)');
select is(pg_temp.chk('2030-03-31 10:30Z', 'llm_cost_spike_warning'), 'no_data NULL n=0',
  'no active users in the window: no_data');

-- too little data never breaches, for every metric
select is((select count(*)::int from res where action = 'no_data' and metric_value is null), 10,
  'a quiet hour: every rule no_data (the ten seeded ones)');

-- Fall back (America/New_York), 2030-11-03: 02:00 EDT (06:00 UTC) becomes 01:00 EST, so local hour
-- 1 happens twice (05:00-07:00 UTC) and its bucket holds two real hours. Sent (= delivered) per
-- local hour 0..3: 20, 40, 80, 160.
update sms_monitor.settings set reporting_timezone = 'America/New_York';
select sms_monitor._record_metric('2030-11-03', h, null, t, (20 * 2 ^ h)::numeric)
  from generate_series(0, 3) h, unnest(array['sent_count', 'delivered_count']) t;
select is(pg_temp.chk('2030-11-03 05:59Z', 'delivery_rate_critical'), 'ok 100.0000 n=60',
  'fall back, 01:59 EDT: local hours 0 and 1 (20 + 40)');
select is(pg_temp.chk('2030-11-03 06:00Z', 'delivery_rate_critical'), 'ok 100.0000 n=40',
  '01:00 EST (the second 01:00): 60 minutes back is 01:00 EDT, so only local hour 1 (two real hours: 05:00-07:00 UTC)');
select matches((select detail from res where alert_type = 'delivery_rate_critical'),
  'window 2030-11-03 01:00 to 2030-11-03 01:01 \(America/New_York\)$', 'the detail names one local hour');
select is(pg_temp.chk('2030-11-03 06:59Z', 'delivery_rate_critical'), 'ok 100.0000 n=40', '01:59 EST: still only hour 1');
select is(pg_temp.chk('2030-11-03 07:00Z', 'delivery_rate_critical'), 'ok 100.0000 n=120',
  '02:00 EST: hours 1 and 2 (40 + 80): three real hours, 05:00-08:00 UTC');
select is(pg_temp.chk('2030-11-03 08:00Z', 'delivery_rate_critical'), 'ok 100.0000 n=240', '03:00 EST: hours 2 and 3 (80 + 160)');
update sms_monitor.settings set reporting_timezone = 'UTC';

-- roles
grant usage on schema pgtap to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin, sms_monitor_notifier;
create temp table ids as select id from sms_monitor.sms_alert_history limit 1;
grant select on ids to public;
set local role sms_monitor_writer;
select throws_ok($$select * from sms_monitor.check_sms_alerts()$$, '42501', null, 'the writer cannot run checks');
select throws_ok($$select sms_monitor.resolve_sms_alert((select id from ids))$$, '42501', null, 'the writer cannot resolve');
select throws_ok($$select sms_monitor.acknowledge_sms_alert((select id from ids))$$, '42501', null, 'the writer cannot acknowledge');
select throws_ok($$select sms_monitor.silence_sms_alerts(null, now() + interval '1 hour', 'x')$$, '42501', null,
  'the writer cannot silence');
select throws_ok($$select count(*) from sms_monitor.sms_alert_history$$, '42501', null, 'the writer cannot read incidents');
reset role;
set local role sms_monitor_reader;
select throws_ok($$select sms_monitor.resolve_sms_alert((select id from ids))$$, '42501', null, 'a reader cannot resolve');
select throws_ok($$update sms_monitor.sms_alert_history set resolved_at = now(), resolved_by = 'x'$$, '42501', null,
  'a reader cannot edit incidents');
select lives_ok($$select count(*) from sms_monitor.sms_alert_history$$, 'a reader reads incidents');
reset role;
set local role sms_monitor_admin;
select lives_ok($$select sms_monitor.silence_sms_alerts(null, now() + interval '1 hour', 'admin silences')$$, 'an admin silences');
reset role;
set local role sms_monitor_notifier;
select lives_ok($$select count(*) from sms_monitor.check_sms_alerts()$$,
  'the notifier may run checks (notifier --evaluate-every)');
reset role;

select * from finish();
rollback;
