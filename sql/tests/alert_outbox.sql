-- The notification outbox: claim (lease, oldest first, attempts), complete (sent/retry/failed/dead/lost),
-- release, next due time, NOTIFY trigger, history kept true to the outbox, and who may call what.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(58);

select has_table('sms_monitor', 'sms_alert_notifications', 'outbox table exists');
select columns_are('sms_monitor', 'sms_alert_notifications', array['id', 'alert_id', 'channel', 'event', 'status',
  'attempts', 'max_attempts', 'next_attempt_at', 'locked_by', 'locked_until', 'last_error', 'payload',
  'created_at', 'updated_at', 'sent_at', 'retries', 'retry_until'], 'outbox columns are the contract''s');
select trigger_is('sms_monitor', 'sms_alert_notifications', 'sms_alert_notifications_notify',
  'sms_monitor', '_notify_sms_notifications', 'inserting NOTIFYs the notifier');
select has_role('sms_monitor_notifier', 'the notifier role exists');

-- One incident to hang notifications on (inserted directly: this file tests the outbox alone).
insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at)
values ('00000000-0000-0000-0000-0000000000a1', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80,
  90, 60, 'test incident', now());
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, next_attempt_at) values
  ('00000000-0000-0000-0000-0000000000a1', 'pagerduty', 'trigger', '{"n": 1}', now() - interval '3 minutes'),
  ('00000000-0000-0000-0000-0000000000a1', 'slack', 'trigger', '{"n": 2}', now() - interval '2 minutes'),
  ('00000000-0000-0000-0000-0000000000a1', 'email', 'trigger', '{"n": 3}', now() - interval '1 minute'),
  ('00000000-0000-0000-0000-0000000000a1', 'log', 'trigger', '{"n": 4}', now() + interval '1 hour');
create temp table ids as
  select payload ->> 'n' as n, id from sms_monitor.sms_alert_notifications
   where alert_id = '00000000-0000-0000-0000-0000000000a1';

select is(sms_monitor.next_sms_notification_due(), now() - interval '3 minutes', 'next due: the oldest pending row');

select results_eq(
  $$select payload ->> 'n', attempts, locked_by, locked_until from sms_monitor.claim_sms_notifications('w1', 2, 30)$$,
  $$values ('1', 1, 'w1', now() + interval '30 seconds'), ('2', 1, 'w1', now() + interval '30 seconds')$$,
  'claim: the 2 oldest due rows, leased to w1 for 30 s, one attempt each');
select results_eq(
  $$select payload ->> 'n' from sms_monitor.claim_sms_notifications('w2', 10, 30)$$,
  $$values ('3')$$, 'a second claim skips leased rows and rows not yet due');
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w3')), 0, 'nothing left to claim');
select is(sms_monitor.next_sms_notification_due(), now() + interval '30 seconds',
  'next due: when the first lease runs out');

-- sent
select is(sms_monitor.complete_sms_notification((select id from ids where n = '1'), 'w1', 'sent'), 'sent',
  'complete sent -> sent');
select is((select array[status, (sent_at = now())::text, coalesce(locked_by, 'none')]
             from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '1')),
  array['sent', 'true', 'none'], 'sent row: sent_at set, lease cleared');
select is((select notification_sent from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000000a1'),
  true, 'history.notification_sent follows the outbox');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '1'), 'w1', 'sent'), 'lost',
  'completing a row that is no longer pending changes nothing: lost');

-- lease lost to another worker
select is(sms_monitor.complete_sms_notification((select id from ids where n = '2'), 'w9', 'sent'), 'lost',
  'a worker that does not hold the lease: lost');
select is((select status from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '2')),
  'pending', 'and the row is untouched');

-- retry
select is(sms_monitor.complete_sms_notification((select id from ids where n = '2'), 'w1', 'retry', 'HTTP 429',
  now() + interval '45 seconds'), 'pending', 'retry -> pending');
select is((select array[next_attempt_at::text, last_error, coalesce(locked_by, 'none'), attempts::text]
             from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '2')),
  array[(now() + interval '45 seconds')::text, 'HTTP 429', 'none', '1'], 'retry: next attempt at p_retry_at, error kept, lease cleared');
select is((select notification_error from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000000a1'),
  'slack/trigger (pending): HTTP 429', 'history.notification_error shows the undelivered notification''s error');
select is((select notification_status from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000000a1'),
  '{"pagerduty/trigger": "sent", "slack/trigger": "pending", "email/trigger": "pending", "log/trigger": "pending"}'::jsonb,
  'history.notification_status: per channel and event');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '3'), 'w2', 'retry', 'timeout'), 'pending',
  'retry without a time -> pending');
select is((select next_attempt_at from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '3')),
  now(), 'retry without p_retry_at: due at once');

-- temporary failures do not use up max_attempts; dead only once retry_until has passed
update sms_monitor.sms_alert_notifications set max_attempts = 2 where id = (select id from ids where n = '3');
select is((select attempts from sms_monitor.claim_sms_notifications('w2', 1, 30)), 2, 'second claim: attempt 2');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '3'), 'w2', 'retry', 'HTTP 503'), 'pending',
  'a temporary failure on the last allowed attempt: still pending (retries do not count against max_attempts)');
select is((select array[attempts, retries] from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '3')),
  array[2, 2], 'attempts 2, both of them retries');
update sms_monitor.sms_alert_notifications set retry_until = now() - interval '1 second', created_at = now() - interval '25 hours'
 where id = (select id from ids where n = '3');
select is((select attempts from sms_monitor.claim_sms_notifications('w2', 1, 30)), 3, 'third claim: attempt 3');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '3'), 'w2', 'retry', 'HTTP 503'), 'dead',
  'a temporary failure after retry_until (24 h) -> dead');

-- failed (permanent)
update sms_monitor.sms_alert_notifications set next_attempt_at = now() where id = (select id from ids where n = '2');
select is((select payload ->> 'n' from sms_monitor.claim_sms_notifications('w1', 1, 30)), '2', 'retried row is claimable again');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '2'), 'w1', 'failed', 'HTTP 404 no_service'),
  'failed', 'failed -> failed (permanent)');
select is((select notification_error from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000000a1'),
  'slack/trigger (failed): HTTP 404 no_service; email/trigger (dead): HTTP 503; gave up: still failing 25 h after it was queued',
  'history lists the errors of undelivered notifications');

-- bad calls
select throws_ok($$select sms_monitor.complete_sms_notification(-1, 'w1', 'sent')$$, 'P0002',
  'id: notification -1 does not exist', 'unknown id: P0002');
select throws_ok($$select sms_monitor.complete_sms_notification(1, 'w1', 'delivered')$$, '22023',
  'outcome: must be sent, retry, failed or defer (got ''delivered'')', 'bad outcome: 22023');
select throws_ok($$select * from sms_monitor.claim_sms_notifications('')$$, '22023', null, 'empty worker: 22023');
select throws_ok($$select * from sms_monitor.claim_sms_notifications('w', 0)$$, '22023',
  'limit: must be between 1 and 1000 (got 0)', 'limit 0: 22023');
select throws_ok($$select * from sms_monitor.claim_sms_notifications('w', 1, 0)$$, '22023', null, 'lease 0: 22023');

-- release (graceful shutdown)
update sms_monitor.sms_alert_notifications set next_attempt_at = now() - interval '1 second'
 where id = (select id from ids where n = '4');
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w4', 5, 30)), 1, 'w4 claims the last row');
select is(sms_monitor.release_sms_notifications('w4'), 1, 'release returns how many rows went back');
select is((select array[attempts::text, coalesce(locked_by, 'none'), status]
             from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '4')),
  array['0', 'none', 'pending'], 'released: attempt not counted, lease cleared');
select is(sms_monitor.release_sms_notifications('w4'), 0, 'nothing more to release');

-- a crashed worker's lease runs out: the row comes back; on its last attempt it is dead instead
select is((select count(*)::int from sms_monitor.claim_sms_notifications('crashy', 5, 30)), 1, 'crashy claims');
update sms_monitor.sms_alert_notifications set locked_until = now() - interval '1 second'
 where id = (select id from ids where n = '4');
select is((select array[locked_by, attempts::text] from sms_monitor.claim_sms_notifications('w5', 5, 30)),
  array['w5', '2'], 'an expired lease is claimed again (attempt 2)');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '4'), 'crashy', 'sent'), 'lost',
  'the crashed worker''s late completion is lost');
update sms_monitor.sms_alert_notifications set locked_until = now() - interval '1 second', max_attempts = 2
 where id = (select id from ids where n = '4');
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w6', 5, 30)), 0,
  'lease expired on the last allowed attempt: not claimed again');
select is((select status from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '4')),
  'dead', '... it is dead');
select is(sms_monitor.next_sms_notification_due(), null, 'nothing pending: next due is NULL');

-- defer: the notifier's own rate limit (Slack pacing) kept it from trying: pending again at p_retry_at,
-- the attempt not counted (even on what would be the last attempt), last_error kept
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, next_attempt_at, max_attempts, last_error)
values ('00000000-0000-0000-0000-0000000000a1', 'slack', 'repeat', '{"n": 5}', now() - interval '1 second', 1, 'earlier');
insert into ids select '5', id from sms_monitor.sms_alert_notifications where payload ->> 'n' = '5';
select is((select array[payload ->> 'n', attempts::text] from sms_monitor.claim_sms_notifications('w7', 5, 30)),
  array['5', '1'], 'w7 claims the slack row (attempt 1 of 1)');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '5'), 'w7', 'defer', null,
  now() + interval '10 seconds'), 'pending', 'defer -> pending (not dead, although attempts = max_attempts)');
select is((select array[attempts::text, next_attempt_at::text, last_error, coalesce(locked_by, 'none')]
             from sms_monitor.sms_alert_notifications where id = (select id from ids where n = '5')),
  array['0', (now() + interval '10 seconds')::text, 'earlier', 'none'],
  'deferred: attempt not counted, due at p_retry_at, last_error kept, lease cleared');
select is(sms_monitor.complete_sms_notification((select id from ids where n = '5'), 'w7', 'defer'), 'lost',
  'a second defer without the lease: lost');
select is(sms_monitor.next_sms_notification_due(), now() + interval '10 seconds', 'next due: the deferred row');
select throws_ok($$select sms_monitor.complete_sms_notification(null, 'w1', 'sent')$$, '22023',
  'id: is required', 'NULL id: 22023');

-- roles (pgTAP itself must be callable by them; rolled back with the rest)
grant usage on schema pgtap to sms_monitor_notifier, sms_monitor_writer, sms_monitor_reader;
set local role sms_monitor_notifier;
select lives_ok($$select * from sms_monitor.claim_sms_notifications('n1')$$, 'the notifier may claim');
select lives_ok($$select count(*) from sms_monitor.sms_alert_notifications$$, 'the notifier may read the outbox');
reset role;
set local role sms_monitor_writer;
select throws_ok($$select * from sms_monitor.claim_sms_notifications('x')$$, '42501', null, 'the writer may not claim');
select throws_ok($$select sms_monitor.complete_sms_notification(1, 'x', 'sent')$$, '42501', null,
  'the writer may not complete');
reset role;
set local role sms_monitor_reader;
select throws_ok($$insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
  values ('00000000-0000-0000-0000-0000000000a1', 'log', 'repeat', '{}')$$, '42501', null,
  'a reader cannot write to the outbox');
reset role;

-- the one dedup key formula: sms-monitor/<alert_type>/<id>, cut to the Events API's 255 characters
select is(sms_monitor._alert_dedup_key('delivery_rate_critical', '00000000-0000-0000-0000-0000000000d1'),
  'sms-monitor/delivery_rate_critical/00000000-0000-0000-0000-0000000000d1', '_alert_dedup_key: the formula');
select is(length(sms_monitor._alert_dedup_key(repeat('x', 300), '00000000-0000-0000-0000-0000000000d1')), 255,
  '_alert_dedup_key: at most 255 characters');
select is((select dedup_key from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000000a1'),
  sms_monitor._alert_dedup_key('delivery_rate_critical', '00000000-0000-0000-0000-0000000000a1'),
  'an incident stores the key of that formula (set by the insert trigger)');

select * from finish();
rollback;
