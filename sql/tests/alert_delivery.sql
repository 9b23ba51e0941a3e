-- Delivery that loses no page: temporary failures wake up when the provider answers
-- again, claims only for the channels a notifier serves, leases renewed while in flight, notifier
-- heartbeats and "N waiting: <channel> not configured", and incidents that resolved before their
-- trigger reached a channel (superseded).
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(34);

insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at)
values ('00000000-0000-0000-0000-0000000000c1', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80,
  90, 60, 'incident 1', now()),
       ('00000000-0000-0000-0000-0000000000c2', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12,
  10, 60, 'incident 2', now() - interval '1 hour');
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload) values
  ('00000000-0000-0000-0000-0000000000c1', 'pagerduty', 'trigger', '{"n": "p1"}'),
  ('00000000-0000-0000-0000-0000000000c1', 'slack', 'trigger', '{"n": "s1"}'),
  ('00000000-0000-0000-0000-0000000000c2', 'slack', 'trigger', '{"n": "s2"}');
create temp table ids as
  select payload ->> 'n' as n, id from sms_monitor.sms_alert_notifications
   where alert_id in ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000c2');

-- a notifier claims only its channels; next due only for its channels
select results_eq($$select payload ->> 'n' from sms_monitor.claim_sms_notifications('w1', 10, 30, array['slack', 'log']) order by id$$,
  $$values ('s1'), ('s2')$$, 'a notifier serving slack and log claims only the slack rows');
select is(sms_monitor.next_sms_notification_due(array['slack', 'log']), now() + interval '30 seconds',
  'next due for slack/log: when the slack leases end (the pagerduty row is not its business)');
select is(sms_monitor.next_sms_notification_due(array['pagerduty']), now(), 'next due for pagerduty: now');
select throws_ok($$select * from sms_monitor.claim_sms_notifications('w', 1, 30, array['sms'])$$, '22023',
  'channels: must list only slack, pagerduty, email, log (got {sms})', 'an unknown channel: 22023');

-- leases renewed while in flight
select is(sms_monitor.renew_sms_notification_leases('w1', array[(select id from ids where n = 's1'),
  (select id from ids where n = 'p1')], 90), 1, 'renew: only the rows w1 holds');
select is((select locked_until from sms_monitor.sms_alert_notifications where id = (select id from ids where n = 's1')),
  now() + interval '90 seconds', '... to now() + the lease');
select is(sms_monitor.renew_sms_notification_leases('w2', array[(select id from ids where n = 's2')], 90), 0,
  'another worker cannot renew w1''s lease');
select throws_ok($$select sms_monitor.renew_sms_notification_leases('w1', array[1], 0)$$, '22023', null, 'lease 0: 22023');

-- temporary failures: not counted against max_attempts; a success wakes the channel's waiting rows
select is(sms_monitor.complete_sms_notification((select id from ids where n = 's1'), 'w1', 'retry', 'slack: HTTP 429',
  now() + interval '2 minutes'), 'pending', 's1: 429, retry in 2 minutes');
select is((select array[retries, attempts] from sms_monitor.sms_alert_notifications where id = (select id from ids where n = 's1')),
  array[1, 1], 'retries 1 of attempts 1');
select is(sms_monitor.complete_sms_notification((select id from ids where n = 's2'), 'w1', 'sent'), 'sent', 's2: 200 ok');
select is((select next_attempt_at from sms_monitor.sms_alert_notifications where id = (select id from ids where n = 's1')),
  now(), 'the slack success made s1 due at once (the provider answers again)');

-- heartbeats and sms_alert_status.delivery_status
select is((select array[notifications_waiting::text, delivery_status] from sms_monitor.sms_alert_status
            where alert_type = 'delivery_rate_critical'),
  array['2', '2 waiting: pagerduty not configured (1), slack not configured (1)'], 'no notifier alive: both channels not configured');
select is((select delivery_status from sms_monitor.sms_alert_status where alert_type = 'opt_out_rate_warning'), null,
  'opt_out_rate_warning: s2 was sent, nothing waits');
select lives_ok($$select sms_monitor.sms_notifier_heartbeat('w1', array['slack', 'log'], 30)$$, 'a notifier heartbeat');
select is((select array[worker, channels::text, (expires_at = now() + interval '30 seconds')::text]
             from sms_monitor.sms_notifier_heartbeats),
  array['w1', '{log,slack}', 'true'], 'the heartbeat row: worker, channels, expiry');
select is((select delivery_status from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_critical'),
  '2 waiting: pagerduty not configured (1), slack retrying (slack: HTTP 429) (1)',
  'slack is served (retrying, with the provider''s answer); pagerduty is not configured');
update sms_monitor.sms_alert_notifications set status = 'sent' where id = (select id from ids where n = 's1');
select is((select delivery_status from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_critical'),
  '1 waiting: pagerduty not configured', 'the issue''s wording: "1 waiting: pagerduty not configured"');
update sms_monitor.sms_notifier_heartbeats set expires_at = now() - interval '1 second';
select sms_monitor.sms_notifier_heartbeat('w2', array['pagerduty'], 30);
select is((select delivery_status from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_critical'),
  '1 waiting: pagerduty queued', 'a live notifier serves pagerduty: queued, not "not configured"');
select is((select array_agg(alert_type) from sms_monitor.sms_alert_status where notifications_waiting > 0),
  array['delivery_rate_critical'], 'other rules: nothing waiting');
select sms_monitor.sms_notifier_heartbeat('w2', null);
select is((select array_agg(worker) from sms_monitor.sms_notifier_heartbeats), array['w1'], 'NULL channels signs off');
select throws_ok($$select sms_monitor.sms_notifier_heartbeat('w3', array['fax'])$$, '22023',
  'channels: must list only slack, pagerduty, email, log (got {fax})', 'heartbeat: bad channel 22023');

-- an incident that resolves before its trigger reached a channel
insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at, resolved_at, resolved_by, resolution_value)
values ('00000000-0000-0000-0000-0000000000c3', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 55.31,
  90, 60, 'incident 3', now() - interval '30 minutes', now(), 'auto', 93.02);
select sms_monitor._alert_enqueue('00000000-0000-0000-0000-0000000000c3', 'trigger', array['pagerduty', 'slack']);
select sms_monitor._alert_enqueue('00000000-0000-0000-0000-0000000000c3', 'resolve', array['pagerduty', 'slack']);
select results_eq($$select channel, event, status, payload ? 'unreached' from sms_monitor.sms_alert_notifications
                     where alert_id = '00000000-0000-0000-0000-0000000000c3' order by channel, id$$,
  $$values ('pagerduty', 'trigger', 'superseded', false), ('pagerduty', 'resolve', 'superseded', false),
           ('slack', 'trigger', 'superseded', false), ('slack', 'resolve', 'pending', true)$$,
  'resolved before the trigger went out: PagerDuty gets nothing, Slack one "fired and recovered" resolve');
select is((select payload ->> 'message' from sms_monitor.sms_alert_notifications
            where alert_id = '00000000-0000-0000-0000-0000000000c3' and channel = 'slack' and event = 'resolve'),
  'Resolved: SMS delivery rate was 55.31 %, back at 93.02 %.', 'the resolve reads as a sentence');
select is((select notification_status from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000000c3'),
  '{"pagerduty/trigger": "superseded", "pagerduty/resolve": "superseded", "slack/trigger": "superseded", "slack/resolve": "pending"}'::jsonb,
  'the history shows all of it');
select is((select last_error from sms_monitor.sms_alert_notifications
            where alert_id = '00000000-0000-0000-0000-0000000000c3' and channel = 'pagerduty' and event = 'trigger'),
  'superseded: the incident resolved before its trigger reached pagerduty', '... and why');

-- a trigger in flight when the resolve is queued is not superseded; its temporary failure then is
insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at, resolved_at, resolved_by, resolution_value)
values ('00000000-0000-0000-0000-0000000000c4', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 55.31,
  90, 60, 'incident 4', now() - interval '30 minutes', now(), 'auto', 93.02);
select sms_monitor._alert_enqueue('00000000-0000-0000-0000-0000000000c4', 'trigger', array['pagerduty']);
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w9', 10, 30, array['pagerduty'])
            where alert_id = '00000000-0000-0000-0000-0000000000c4'), 1, 'w9 claims the trigger (in flight)');
select sms_monitor._alert_enqueue('00000000-0000-0000-0000-0000000000c4', 'resolve', array['pagerduty']);
select is((select string_agg(event || ':' || status, ',' order by id) from sms_monitor.sms_alert_notifications
            where alert_id = '00000000-0000-0000-0000-0000000000c4'), 'trigger:pending,resolve:pending',
  'in flight: nothing superseded yet');
select is(sms_monitor.complete_sms_notification((select id from sms_monitor.sms_alert_notifications
            where alert_id = '00000000-0000-0000-0000-0000000000c4' and event = 'trigger'), 'w9', 'retry', 'pagerduty: HTTP 503'),
  'superseded', 'the in-flight trigger failed temporarily: superseded with its resolve');
select is((select string_agg(event || ':' || status, ',' order by id) from sms_monitor.sms_alert_notifications
            where alert_id = '00000000-0000-0000-0000-0000000000c4'), 'trigger:superseded,resolve:superseded',
  '... both of them');

-- a resolve that found its trigger in flight (not superseded then) is caught by the next claim
insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at, resolved_at, resolved_by)
values ('00000000-0000-0000-0000-0000000000c5', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 55.31,
  90, 60, 'incident 5', now() - interval '30 minutes', now(), 'auto');
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload) values
  ('00000000-0000-0000-0000-0000000000c5', 'pagerduty', 'trigger', '{"n": "t5"}'),
  ('00000000-0000-0000-0000-0000000000c5', 'pagerduty', 'resolve', '{"n": "r5"}');
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w10', 10, 30, array['pagerduty'])
            where alert_id = '00000000-0000-0000-0000-0000000000c5'), 0, 'the claim does not hand out the stale trigger ...');
select is((select string_agg(event || ':' || status, ',' order by id) from sms_monitor.sms_alert_notifications
            where alert_id = '00000000-0000-0000-0000-0000000000c5'), 'trigger:superseded,resolve:superseded',
  '... it supersedes it and its resolve');

-- roles
grant usage on schema pgtap to sms_monitor_notifier, sms_monitor_writer, sms_monitor_reader;
set local role sms_monitor_writer;
select throws_ok($$select sms_monitor.sms_notifier_heartbeat('x', array['log'])$$, '42501', null,
  'the writer may not write heartbeats');
reset role;
set local role sms_monitor_reader;
select throws_ok($$insert into sms_monitor.sms_notifier_heartbeats (worker, channels, expires_at) values ('x', '{log}', now())$$,
  '42501', null, 'a reader cannot write heartbeats directly');
reset role;

select * from finish();
rollback;
