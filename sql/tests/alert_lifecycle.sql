-- check_sms_alerts: every transition of an incident, with time controlled through p_now.
-- Each scenario uses its own day (rules watch the last 60 minutes, rounded out to whole hours).
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(124);

create temp table res as select * from sms_monitor._alert_evaluate('2029-01-01 00:00Z') limit 0;
create function pg_temp.act(p_now timestamptz, p_type text default 'delivery_rate_critical') returns text
language plpgsql as $f$
begin
  truncate res;
  insert into res select * from sms_monitor._alert_evaluate(p_now);
  return (select r.action from res r where r.alert_type = p_type);
end $f$;
create function pg_temp.deliv(p_date date, p_hour int, p_sent int, p_delivered int) returns void
language sql as $f$
  select sms_monitor._record_metric(p_date, p_hour, null, 'sent_count', p_sent);
  select sms_monitor._record_metric(p_date, p_hour, null, 'delivered_count', p_delivered);
$f$;
create function pg_temp.open_id(p_type text default 'delivery_rate_critical') returns uuid language sql as $f$
  select id from sms_monitor.sms_alert_history where alert_type = p_type and resolved_at is null
$f$;
create function pg_temp.silence(p_type text, p_until timestamptz, p_reason text, p_start timestamptz)
returns sms_monitor.sms_alert_silences language sql as $f$
  -- silences in 2030: the public silence_sms_alerts only takes starts within a year of now (input_bounds_alerts.sql)
  insert into sms_monitor.sms_alert_silences (alert_type, starts_at, ends_at, reason, created_by)
  values (p_type, p_start, p_until, p_reason, session_user) returning *
$f$;
create function pg_temp.outbox(p_alert uuid) returns text language sql as $f$
  select coalesce(string_agg(channel || '/' || event, ',' order by id), '') from sms_monitor.sms_alert_notifications
   where alert_id = p_alert
$f$;

-- 1. no data anywhere: every enabled rule says no_data, nothing is opened
select results_eq($$select alert_type, action, metric_value, sample_size from sms_monitor._alert_evaluate('2030-01-01 10:30Z')$$,
  $$values ('carrier_delivery_rate_critical', 'no_data', null::numeric, null::bigint),
           ('daily_limit_hit_warning', 'no_data', null, 0), ('delivery_latency_warning', 'no_data', null, null),
           ('delivery_rate_critical', 'no_data', null, 0), ('delivery_slo_burn_critical', 'no_data', null, 0),
           ('llm_cost_spike_warning', 'no_data', null, 0), ('llm_failure_critical', 'no_data', null, 0),
           ('opt_out_rate_warning', 'no_data', null, 0), ('receipt_delay_warning', 'no_data', null, null),
           ('sender_filtering_warning', 'no_data', null, null)$$,
  'no traffic: one row per enabled rule, all no_data (0 sends is not 0 % delivery)');
select is((select count(*)::int from sms_monitor.sms_alert_history), 0, 'no incident without data');

-- 2. below the minimum sample: 19 sends, 10 delivered (52.6 %) is no_data, never a breach
select pg_temp.deliv('2030-01-02', 10, 19, 10);
select is(pg_temp.act('2030-01-02 10:30Z'), 'no_data', 'below min_sample (19 < 20): no_data');
select is((select array[metric_value, sample_size] from res where alert_type = 'delivery_rate_critical'),
  array[52.6316, 19]::numeric[], 'the value is still reported (10/19 = 52.6316 %), with its sample size');
select is(pg_temp.open_id(), null, 'and no incident is opened');

-- 3. breach -> fired; cooldown; repeat after cooldown; acknowledge stops repeats; auto-resolve
select pg_temp.deliv('2030-01-03', 10, 100, 80);
select is(pg_temp.act('2030-01-03 10:30Z'), 'fired', 'delivery 80 % < 90 %: fired on the first breached evaluation');
select is((select array[metric_value, threshold_value, sample_size] from res where alert_type = 'delivery_rate_critical'),
  array[80, 90, 100]::numeric[], 'value 80, threshold 90, sample 100');
select is((select alert_id from res where alert_type = 'delivery_rate_critical'), pg_temp.open_id(), 'the row names the incident');
select is((select array[severity, metric_value::text, threshold_value::text, triggered_at::text, silenced::text]
             from sms_monitor.sms_alert_history where id = pg_temp.open_id()),
  array['critical', '80.0000', '90', '2030-01-03 10:30:00+00', 'false'], 'the incident row');
select is((select message from sms_monitor.sms_alert_history where id = pg_temp.open_id()),
  'SMS delivery rate is 80.00 % (threshold: < 90.00 %) over the last 60 min: 80 delivered of 100 sent; window 2030-01-03 09:30 to 2030-01-03 10:31 (UTC).',
  'the message says value, threshold, window and counts');
select is(pg_temp.outbox(pg_temp.open_id()), 'pagerduty/trigger', 'one trigger queued, on the rule''s channel');
select is((select payload - 'description' - 'message' from sms_monitor.sms_alert_notifications where alert_id = pg_temp.open_id()),
  jsonb_build_object('alert_id', pg_temp.open_id(), 'alert_type', 'delivery_rate_critical', 'event', 'trigger',
    'severity', 'critical', 'metric', 'delivery_rate', 'comparison', '<', 'metric_value', 80.0000,
    'threshold_value', 90, 'recovery_value', 92, 'window_minutes', 60, 'sample_size', 100,
    'triggered_at', '2030-01-03T10:30:00+00:00', 'resolved_at', null, 'resolved_by', null,
    'acknowledged_at', null, 'acknowledged_by', null, 'trigger_value', 80.0000,
    'value_text', '80.00 %', 'trigger_value_text', '80.00 %',
    'dedup_key', 'sms-monitor/delivery_rate_critical/' || pg_temp.open_id()),
  'the payload follows the outbox contract (dedup_key per incident)');
select is((select notification_sent from sms_monitor.sms_alert_history where id = pg_temp.open_id()), false,
  'notification_sent stays false until the notifier delivers');
select is(pg_temp.act('2030-01-03 10:31Z'), 'cooldown', 'a minute later: same incident, within the cooldown');
select is((select count(*)::int from sms_monitor.sms_alert_history where alert_type = 'delivery_rate_critical'), 1,
  'still exactly one incident');
select is(pg_temp.act('2030-01-03 11:29Z'), 'cooldown', '59 minutes later: still cooldown');
select is(pg_temp.act('2030-01-03 11:30Z'), 'repeated', '60 minutes later (cooldown 60): repeated');
select is(pg_temp.outbox(pg_temp.open_id()), 'pagerduty/trigger,pagerduty/repeat', 'a repeat is queued');
select is((select repeat_count from sms_monitor.sms_alert_history where id = pg_temp.open_id()), 1, 'repeat_count 1');
select is(pg_temp.act('2030-01-03 11:45Z'), 'cooldown', 'the cooldown restarts from the repeat');
select is((select acknowledged_by from sms_monitor._alert_acknowledge(pg_temp.open_id(), 'bob', '2030-01-03 11:50Z')),
  'bob', 'acknowledge_sms_alert records who');
select is(pg_temp.outbox(pg_temp.open_id()), 'pagerduty/trigger,pagerduty/repeat,pagerduty/acknowledge',
  'an acknowledge is queued (PagerDuty acknowledges by dedup_key)');
select is((select acknowledged_at from sms_monitor._alert_acknowledge(pg_temp.open_id(), 'carol', '2030-01-03 11:55Z')),
  '2030-01-03 11:50Z'::timestamptz, 'acknowledging again changes nothing');
select pg_temp.deliv('2030-01-03', 11, 100, 80);
select is(pg_temp.act('2030-01-03 12:40Z'), 'acknowledged', 'breached past the cooldown but acknowledged: no repeat');
select is(pg_temp.outbox(pg_temp.open_id()), 'pagerduty/trigger,pagerduty/repeat,pagerduty/acknowledge', 'nothing new queued');
select is(pg_temp.act('2030-01-03 14:30Z'), 'no_data', 'no traffic in the window: no_data, the incident stays open');
select isnt(pg_temp.open_id(), null, '... still open');
select pg_temp.deliv('2030-01-03', 15, 100, 100);
create temp table inc3 as select pg_temp.open_id() as id;
select is(pg_temp.act('2030-01-03 15:10Z'), 'resolved', '100 % delivery: resolved automatically');
select is((select array[resolved_at::text, resolved_by, resolution_value::text] from sms_monitor.sms_alert_history
            where id = (select id from inc3)), array['2030-01-03 15:10:00+00', 'auto', '100.0000'], 'resolved_at, by auto, value');
select is(pg_temp.outbox((select id from inc3)),
  'pagerduty/trigger,pagerduty/repeat,pagerduty/acknowledge,pagerduty/resolve', 'a resolve is queued');
select is((select payload ->> 'message' from sms_monitor.sms_alert_notifications where alert_id = (select id from inc3) and event = 'resolve'),
  'Resolved: SMS delivery rate was 80.00 %, back at 100.00 %.',
  'the resolve message: one sentence, the value it fired with and the value now');
select is(pg_temp.act('2030-01-03 15:20Z'), 'ok', 'healthy and nothing open: ok');

-- 4. auto-resolve with hysteresis (fire below 90, resolve at 92 or more)
select pg_temp.deliv('2030-01-04', 10, 100, 80);
select is(pg_temp.act('2030-01-04 10:30Z'), 'fired', 'fired at 80 %');
select pg_temp.deliv('2030-01-04', 11, 100, 91);
select is(pg_temp.act('2030-01-04 12:05Z'), 'recovering', 'window 11:00-13:00 at 91 %: above 90 but below 92: recovering');
select isnt(pg_temp.open_id(), null, 'the incident stays open in the hysteresis band');
select pg_temp.deliv('2030-01-04', 12, 100, 93);
select is(pg_temp.act('2030-01-04 12:10Z'), 'resolved', '(91 + 93) / 200 = 92 %: resolved at the recovery value');

-- 5. auto-resolve without hysteresis (llm_failure_critical: > 50 %, no recovery value)
select sms_monitor._record_metric('2030-01-05', 10, null, 'llm_success_count', 10);
select sms_monitor._record_metric('2030-01-05', 10, null, 'template_fallback_count', 30);
select is(pg_temp.act('2030-01-05 10:30Z', 'llm_failure_critical'), 'fired', '30 / 40 = 75 % fallbacks > 50 %: fired');
select is((select metric_value from res where alert_type = 'llm_failure_critical'), 75.0000, 'value 75');
select sms_monitor._record_metric('2030-01-05', 11, null, 'llm_success_count', 40);
select sms_monitor._record_metric('2030-01-05', 11, null, 'template_fallback_count', 10);
select is(pg_temp.act('2030-01-05 11:30Z', 'llm_failure_critical'), 'resolved', '40 / 90 = 44 %: resolved at once');
select is((select metric_value from res where alert_type = 'llm_failure_critical'), 44.4444, 'value 44.4444');

-- 6. pending then fire; pending then clear
update sms_monitor.sms_alert_thresholds set pending_minutes = 10 where alert_type = 'delivery_rate_critical';
select pg_temp.deliv('2030-01-06', 10, 100, 80);
select is(pg_temp.act('2030-01-06 10:30Z'), 'pending', 'pending_minutes 10: first breach is pending');
select is(pg_temp.act('2030-01-06 10:39Z'), 'pending', '9 minutes later: still pending');
select is(pg_temp.open_id(), null, 'no incident while pending');
select is(pg_temp.act('2030-01-06 10:40Z'), 'fired', '10 minutes of breach: fired');
select is((select triggered_at from sms_monitor.sms_alert_history where id = pg_temp.open_id()), '2030-01-06 10:40Z'::timestamptz,
  'triggered when it fired');
select lives_ok($$select sms_monitor._alert_resolve(pg_temp.open_id(), 'ops', '2030-01-06 10:41Z')$$, 'resolved by hand');
select pg_temp.deliv('2030-01-07', 10, 100, 80);
select is(pg_temp.act('2030-01-07 10:30Z'), 'pending', 'day 7: pending');
select pg_temp.deliv('2030-01-07', 10, 100, 100);
select is(pg_temp.act('2030-01-07 10:35Z'), 'ok', '180 / 200 = 90 %: cleared while pending: ok');
select pg_temp.deliv('2030-01-07', 10, 100, 0);
select is(pg_temp.act('2030-01-07 10:45Z'), 'pending', 'breached again at 10:45: pending restarts');
select is((select pending_since from sms_monitor.sms_alert_rule_state where alert_type = 'delivery_rate_critical'),
  '2030-01-07 10:45Z'::timestamptz, 'the pending timer restarted (not 10:30)');
update sms_monitor.sms_alert_thresholds set pending_minutes = 0 where alert_type = 'delivery_rate_critical';

-- 7. manual resolve, unknown ids
select is(pg_temp.act('2030-01-07 10:50Z'), 'fired', 'pending 0 again: fires');
create temp table inc7 as select pg_temp.open_id() as id;
select is((select resolved_by from sms_monitor._alert_resolve((select id from inc7), 'alice', '2030-01-07 10:55Z')),
  'alice', 'resolve_sms_alert records who');
select is(pg_temp.outbox((select id from inc7)), 'pagerduty/trigger,pagerduty/resolve', 'and tells the channel');
select is((select resolved_at from sms_monitor._alert_resolve((select id from inc7), 'zed', '2030-01-07 11:00Z')),
  '2030-01-07 10:55Z'::timestamptz, 'resolving again changes nothing');
select is(pg_temp.outbox((select id from inc7)), 'pagerduty/trigger,pagerduty/resolve', '... and queues nothing');
select throws_ok($$select sms_monitor.resolve_sms_alert('00000000-0000-0000-0000-000000000000')$$, 'P0002',
  'alert_id: alert 00000000-0000-0000-0000-000000000000 does not exist', 'resolving an unknown id: P0002');
select throws_ok($$select sms_monitor.acknowledge_sms_alert('00000000-0000-0000-0000-000000000000')$$, 'P0002', null,
  'acknowledging an unknown id: P0002');
select throws_ok($$select sms_monitor.resolve_sms_alert(null)$$, '22023', 'alert_id: is required',
  'resolving NULL: 22023, not "does not exist"');
select throws_ok($$select sms_monitor.acknowledge_sms_alert(null)$$, '22023', 'alert_id: is required',
  'acknowledging NULL: 22023');
select is(pg_temp.act('2030-01-07 11:01Z'), 'fired', 'still breached after a manual resolve: a new incident');
select isnt(pg_temp.open_id(), (select id from inc7), '... with a new id');
select sms_monitor._alert_resolve(pg_temp.open_id(), 'alice', '2030-01-07 11:02Z');

-- 8. silences
select throws_ok($$select sms_monitor.silence_sms_alerts('nope', '2030-02-01Z', 'x')$$, '22023',
  'alert_type: unknown rule ''nope'' (NULL silences every rule)', 'silencing an unknown rule: 22023');
select throws_ok($$select sms_monitor.silence_sms_alerts(null, '2030-02-01 10:00Z', 'x', '2030-02-01 11:00Z')$$, '22023', null,
  'until before start: 22023');
select throws_ok($$select sms_monitor.silence_sms_alerts(null, '2030-02-01Z', ' ')$$, '22023', null, 'blank reason: 22023');
select throws_ok($$select sms_monitor.lift_sms_alert_silence(-1)$$, 'P0002', null, 'lifting an unknown silence: P0002');
select throws_ok($$select sms_monitor.lift_sms_alert_silence(null)$$, '22023', 'silence_id: is required',
  'lifting NULL: 22023');
select throws_ok($$select sms_monitor.list_sms_alert_silences(false, null)$$, '22023', 'now: must be a finite time',
  'listing at a NULL time: 22023, not an empty list');
select throws_ok($$select sms_monitor.list_sms_alert_silences(true, 'infinity')$$, '22023', 'now: must be a finite time',
  'listing at an infinite time: 22023');
create temp table sil as
  select * from pg_temp.silence('delivery_rate_critical', '2030-01-08 11:00Z', 'provider maintenance',
                                               '2030-01-08 09:00Z');
select pg_temp.deliv('2030-01-08', 10, 100, 80);
select is(pg_temp.act('2030-01-08 10:30Z'), 'silenced', 'breach during a silence: silenced');
select is((select silenced from sms_monitor.sms_alert_history where id = pg_temp.open_id()), true,
  'the incident is recorded and marked silenced');
select is(pg_temp.outbox(pg_temp.open_id()), '', 'nobody is told');
select is(pg_temp.act('2030-01-08 10:59Z'), 'silenced', 'still silenced at 10:59');
select is(pg_temp.act('2030-01-08 11:00Z'), 'unsilenced', 'the silence ended, incident still open: announced now');
select is(pg_temp.outbox(pg_temp.open_id()), 'pagerduty/trigger', 'the trigger is queued when the silence ends');
select is((select silenced from sms_monitor.sms_alert_history where id = pg_temp.open_id()), false, 'no longer silenced');
create temp table sil2 as select * from pg_temp.silence(null, '2030-01-08 13:00Z', 'all quiet', '2030-01-08 11:10Z');
select is((select array_agg(id order by id) from sms_monitor.list_sms_alert_silences(false, '2030-01-08 11:20Z')),
  array[(select id from sil2)], 'list: the active silence (the ended one only with p_include_ended)');
select pg_temp.deliv('2030-01-08', 11, 100, 80);
select is(pg_temp.act('2030-01-08 12:10Z'), 'silenced', 'a silence for all rules holds back the repeat');
select is((select silenced from sms_monitor.sms_alert_history where id = pg_temp.open_id()), false,
  'an incident announced before the silence is not marked silenced (silenced = held back, not announced yet)');
select throws_ok(format('select sms_monitor.lift_sms_alert_silence(%s, null)', (select id from sil2)), '22023',
  'now: must be a finite time', 'lifting at a NULL time: 22023 (it would leave lifted_at NULL)');
select throws_ok(format('select sms_monitor.lift_sms_alert_silence(%s, ''-infinity'')', (select id from sil2)), '22023',
  'now: must be a finite time', 'lifting at an infinite time: 22023');
select is((select lifted_at from sms_monitor.lift_sms_alert_silence((select id from sil2), '2030-01-08 12:15Z')),
  '2030-01-08 12:15Z'::timestamptz, 'lifted early');
select is((select count(*)::int from sms_monitor.list_sms_alert_silences(false, '2030-01-08 12:16Z')), 0, 'no active silence');
select is(pg_temp.act('2030-01-08 12:20Z'), 'repeated', 'lifted: the due repeat goes out');
select sms_monitor._alert_resolve(pg_temp.open_id(), 'alice', '2030-01-08 12:30Z');
-- silenced from start to end: resolved without telling anyone
select pg_temp.silence('delivery_rate_critical', '2030-01-09 23:00Z', 'quiet', '2030-01-09 00:00Z');
select pg_temp.deliv('2030-01-09', 10, 100, 80);
select is(pg_temp.act('2030-01-09 10:30Z'), 'silenced', 'silenced incident');
create temp table inc9 as select pg_temp.open_id() as id;
select pg_temp.deliv('2030-01-09', 11, 100, 100);
select is(pg_temp.act('2030-01-09 12:30Z'), 'resolved', 'recovers during the silence: resolved');
select is(pg_temp.outbox((select id from inc9)), '', 'never announced, so no resolve either');

-- 8b. a channel added while an incident is open hears of it through the repeat, and so of its resolve
select pg_temp.deliv('2030-01-11', 10, 100, 80);
select is(pg_temp.act('2030-01-11 10:30Z'), 'fired', 'day 11: fired on pagerduty');
create temp table inc11 as select pg_temp.open_id() as id;
update sms_monitor.sms_alert_thresholds set notification_channels = '{pagerduty,slack}' where alert_type = 'delivery_rate_critical';
select pg_temp.deliv('2030-01-11', 11, 100, 80);
select is(pg_temp.act('2030-01-11 11:30Z'), 'repeated', 'repeat after the cooldown');
select pg_temp.deliv('2030-01-11', 12, 300, 300);
select is(pg_temp.act('2030-01-11 12:30Z'), 'resolved', '(80 + 300) / 400 = 95 %: resolved');
select is(pg_temp.outbox((select id from inc11)),
  'pagerduty/trigger,pagerduty/repeat,slack/repeat,pagerduty/resolve,slack/resolve',
  'slack was told by the repeat, so it is told of the resolve too');
update sms_monitor.sms_alert_thresholds set notification_channels = '{pagerduty}' where alert_type = 'delivery_rate_critical';

-- 8c. acknowledged while silenced and never announced: when the silence ends, trigger and acknowledge go out
select pg_temp.silence('delivery_rate_critical', '2030-01-12 11:00Z', 'quiet', '2030-01-12 09:00Z');
select pg_temp.deliv('2030-01-12', 10, 100, 80);
select is(pg_temp.act('2030-01-12 10:30Z'), 'silenced', 'day 12: silenced');
create temp table inc12 as select pg_temp.open_id() as id;
select sms_monitor._alert_acknowledge((select id from inc12), 'dave', '2030-01-12 10:40Z');
select is(pg_temp.outbox((select id from inc12)), '', 'acknowledged during the silence: nobody had been told, nothing queued');
select is(pg_temp.act('2030-01-12 11:00Z'), 'unsilenced', 'the silence ends');
select is(pg_temp.outbox((select id from inc12)), 'pagerduty/trigger,pagerduty/acknowledge',
  'the trigger and the acknowledge go out together');
select pg_temp.deliv('2030-01-12', 11, 100, 80);
select is(pg_temp.act('2030-01-12 12:10Z'), 'acknowledged', 'and no repeats follow');
select sms_monitor._alert_resolve((select id from inc12), 'dave', '2030-01-12 12:20Z');

-- 8d. the silence ends while the incident is in the hysteresis band: not announced until it breaches again
select pg_temp.silence('delivery_rate_critical', '2030-01-12 23:00Z', 'quiet', '2030-01-12 22:00Z');
select pg_temp.deliv('2030-01-12', 22, 100, 80);
select is(pg_temp.act('2030-01-12 22:30Z'), 'silenced', 'day 12, 22:30: opened under a silence');
create temp table inc12d as select pg_temp.open_id() as id;
select pg_temp.deliv('2030-01-12', 23, 300, 283);
select is(pg_temp.act('2030-01-12 23:05Z'), 'recovering',
  'silence over, (80 + 283) / 400 = 90.75 %: no longer breached, not yet recovered: recovering, not announced');
select is(pg_temp.outbox((select id from inc12d)), '', 'nobody is told of an incident that is no longer breached');
select is((select silenced from sms_monitor.sms_alert_history where id = (select id from inc12d)), true,
  'still marked silenced: held back and never announced');
select pg_temp.deliv('2030-01-13', 0, 100, 100);
select is(pg_temp.act('2030-01-13 00:05Z'), 'resolved', '(283 + 100) / 400 = 95.75 %: resolved');
select is(pg_temp.outbox((select id from inc12d)), '', '... without a word');

-- 9. a custom rule beside the default one on the same metric
insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value, severity,
  notification_channels, description) values ('delivery_rate_warning', 'delivery_rate', '<', 95, 'warning', '{slack,log}', 'early');
select pg_temp.deliv('2030-01-13', 10, 100, 93);
select is(pg_temp.act('2030-01-13 10:30Z', 'delivery_rate_warning'), 'fired', '93 %: the custom warning (< 95) fires');
select is((select action from res where alert_type = 'delivery_rate_critical'), 'ok', '... and the default (< 90) does not');
select is(pg_temp.outbox(pg_temp.open_id('delivery_rate_warning')), 'log/trigger,slack/trigger', 'on each of its channels');
select is((select array[last_action, open_alert_id::text, notification_status::text] from sms_monitor.sms_alert_status
            where alert_type = 'delivery_rate_warning'),
  array['fired', pg_temp.open_id('delivery_rate_warning')::text, '{"log/trigger": "pending", "slack/trigger": "pending"}'],
  'sms_alert_status shows the rule''s last action and open incident');

-- 10. disabling a rule resolves its open incident (nothing would ever look at it again) and tells
-- the channels that were told
create temp table inc13 as select pg_temp.open_id('delivery_rate_warning') as id;
update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = 'delivery_rate_warning';
select is(pg_temp.act('2030-01-13 10:40Z', 'delivery_rate_warning'), 'disabled_resolved',
  'the next check resolves the open incident of a disabled rule');
select is((select array[alert_id::text, metric_value::text] from res where alert_type = 'delivery_rate_warning'),
  array[(select id from inc13)::text, null], '... naming it, without evaluating the metric');
select is((select array[resolved_at::text, resolved_by] from sms_monitor.sms_alert_history where id = (select id from inc13)),
  array['2030-01-13 10:40:00+00', 'rule disabled'], 'resolved_by = ''rule disabled''');
select is(pg_temp.outbox((select id from inc13)), 'log/trigger,slack/trigger,log/resolve,slack/resolve',
  'a resolve goes to each channel that was told');
select is((select payload ->> 'message' from sms_monitor.sms_alert_notifications
            where alert_id = (select id from inc13) and channel = 'slack' and event = 'resolve'),
  'Resolved by rule disabled: SMS delivery rate is 93.00 % (threshold: < 95.00 %) over the last 60 min: 93 delivered of 100 sent; window 2030-01-13 09:30 to 2030-01-13 10:31 (UTC).',
  'the resolve message says why');
select is((select last_action from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_warning'),
  'disabled_resolved', 'sms_alert_status shows it');
select is((select count(*)::int from sms_monitor._alert_evaluate('2030-01-13 10:50Z') where alert_type = 'delivery_rate_warning'),
  0, 'a disabled rule with nothing open is not evaluated');
-- a disabled rule whose incident was never announced (opened under a silence) is resolved silently
update sms_monitor.sms_alert_thresholds set is_enabled = true where alert_type = 'delivery_rate_warning';
select pg_temp.silence('delivery_rate_warning', '2030-01-13 23:00Z', 'quiet', '2030-01-13 11:00Z');
select is(pg_temp.act('2030-01-13 11:05Z', 'delivery_rate_warning'), 'silenced', 'silenced incident of the warning');
create temp table inc13b as select pg_temp.open_id('delivery_rate_warning') as id;
update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = 'delivery_rate_warning';
select is(pg_temp.act('2030-01-13 11:10Z', 'delivery_rate_warning'), 'disabled_resolved', 'disabled: resolved');
select is(pg_temp.outbox((select id from inc13b)), '', 'never announced, so nobody is told');

-- 11. an older run (older p_now) that gets the rule lock after a newer one changes nothing
select pg_temp.deliv('2030-01-14', 10, 100, 80);
select is(pg_temp.act('2030-01-14 10:30Z'), 'fired', 'day 14: fired at 10:30');
create temp table inc14 as select pg_temp.open_id() as id;
select pg_temp.deliv('2030-01-14', 11, 900, 900);
select is(pg_temp.act('2030-01-14 11:30Z'), 'resolved', '(80 + 900) / 1000 = 98 % at 11:30: resolved');
select is(pg_temp.act('2030-01-14 10:45Z'), 'skipped',
  'a run for 10:45 (hours 9-10: still 80 %) coming after the 11:30 one: skipped, it does not re-page');
select is((select count(*)::int from res where action = 'skipped'), 10, '... for every rule (the ten seeded ones)');
select is((select count(*)::int from sms_monitor.sms_alert_history where alert_type = 'delivery_rate_critical'
            and triggered_at >= '2030-01-14'), 1, 'no new incident');
select is((select array[last_evaluated_at::text, last_action] from sms_monitor.sms_alert_rule_state
            where alert_type = 'delivery_rate_critical'), array['2030-01-14 11:30:00+00', 'resolved'],
  'the rule state still says what the newer run did');
select is(pg_temp.act('2030-01-14 11:30Z'), 'skipped', 'a second run for the same instant is skipped too');
select is(pg_temp.act('2030-01-14 11:31Z'), 'ok', 'a newer run evaluates');
select is(pg_temp.outbox((select id from inc14)), 'pagerduty/trigger,pagerduty/resolve', 'told once of each');


select * from finish();
rollback;
