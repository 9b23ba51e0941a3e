-- In-order delivery per incident and channel: a row is claimable only when no earlier row (lower id)
-- of the same (alert_id, channel) is still pending, so a retried trigger never overtakes its resolve;
-- other channels and other incidents are not held up; next_sms_notification_due ignores waiting rows.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(13);

insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at)
values ('00000000-0000-0000-0000-0000000000b1', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80,
  90, 60, 'incident 1', now()),
       ('00000000-0000-0000-0000-0000000000b2', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '<', 80,
  90, 60, 'incident 2', now());
-- PagerDuty heard of incident 1 (its trigger was sent): the retried repeat below is not superseded
-- by the resolve (see alert_delivery.sql for incidents a channel never heard of).
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, status, sent_at) values
  ('00000000-0000-0000-0000-0000000000b1', 'pagerduty', 'trigger', '{"n": "t0"}', 'sent', now());
-- One statement, as check_sms_alerts() queues a breach and its recovery found in one run.
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, next_attempt_at) values
  ('00000000-0000-0000-0000-0000000000b1', 'pagerduty', 'repeat', '{"n": "t1"}', now() - interval '2 minutes'),
  ('00000000-0000-0000-0000-0000000000b1', 'slack', 'trigger', '{"n": "s1"}', now() - interval '2 minutes'),
  ('00000000-0000-0000-0000-0000000000b1', 'pagerduty', 'acknowledge', '{"n": "a1"}', now() - interval '3 minutes'),
  ('00000000-0000-0000-0000-0000000000b1', 'pagerduty', 'resolve', '{"n": "r1"}', now() - interval '3 minutes'),
  ('00000000-0000-0000-0000-0000000000b2', 'pagerduty', 'trigger', '{"n": "t2"}', now() - interval '1 minute');
create temp table ids as
  select payload ->> 'n' as n, id from sms_monitor.sms_alert_notifications
   where alert_id in ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000b2') and status = 'pending';

select is(sms_monitor.next_sms_notification_due(), now() - interval '2 minutes',
  'next due: the oldest row that is not queued behind another (not the older acknowledge/resolve)');
select results_eq(
  $$select payload ->> 'n' from sms_monitor.claim_sms_notifications('w1', 10, 30) order by id$$,
  $$values ('t1'), ('s1'), ('t2')$$,
  'one claim hands out only the first pending row per incident and channel');
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w2', 10, 30)), 0,
  'acknowledge and resolve wait while the trigger is leased');

-- the repeat (t1) fails temporarily: everything behind it waits for its retry
select is(sms_monitor.complete_sms_notification((select id from ids where n = 't1'), 'w1', 'retry', 'HTTP 500',
  now() + interval '5 minutes'), 'pending', 'trigger: retry in 5 minutes');
select is((select count(*)::int from sms_monitor.claim_sms_notifications('w2', 10, 30)), 0,
  'the resolve does not overtake the trigger waiting for its retry');
select is(sms_monitor.complete_sms_notification((select id from ids where n = 's1'), 'w1', 'sent'), 'sent', 'slack sent');
select is(sms_monitor.complete_sms_notification((select id from ids where n = 't2'), 'w1', 'sent'), 'sent',
  'other incident sent');
select is(sms_monitor.next_sms_notification_due(), now(),
  'next due: the repeat''s retry, woken at once by the other PagerDuty success (the provider answers again)');

-- the trigger goes out: then the acknowledge, then the resolve, one at a time
update sms_monitor.sms_alert_notifications set next_attempt_at = now() - interval '1 second'
 where id = (select id from ids where n = 't1');
select results_eq($$select payload ->> 'n' from sms_monitor.claim_sms_notifications('w2', 10, 30)$$, $$values ('t1')$$,
  'the trigger is claimed again');
select is(sms_monitor.complete_sms_notification((select id from ids where n = 't1'), 'w2', 'sent'), 'sent', 'trigger sent');
select results_eq($$select payload ->> 'n' from sms_monitor.claim_sms_notifications('w2', 10, 30)$$, $$values ('a1')$$,
  'then the acknowledge (and not yet the resolve)');
select is(sms_monitor.complete_sms_notification((select id from ids where n = 'a1'), 'w2', 'failed', 'HTTP 400'), 'failed',
  'a permanently failed acknowledge ...');
select results_eq($$select payload ->> 'n' from sms_monitor.claim_sms_notifications('w2', 10, 30)$$, $$values ('r1')$$,
  '... does not hold up the resolve');

select * from finish();
rollback;
