-- retry_sms_notifications: failed and dead outbox rows back to pending (attempts 0, due now),
-- one by id, one incident's, or all; never a row whose later notification was delivered; admin only.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(24);

create function pg_temp.sqlstate_of(p_sql text) returns text language plpgsql as $$
begin
  execute p_sql;
  return '00000';
exception when others then
  return sqlstate || ' ' || sqlerrm;
end $$;
create function pg_temp.sqlstate_as(p_role text, p_sql text) returns text language plpgsql as $$
begin
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when others then
    reset role;
    return sqlstate;
  end;
  reset role;
  return '00000';
end $$;

insert into sms_monitor.sms_alert_history (id, alert_type, severity, metric, comparison, metric_value,
  threshold_value, window_minutes, message, triggered_at)
values
  ('00000000-0000-0000-0000-0000000009a1', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80, 90, 60, 'a1', now()),
  ('00000000-0000-0000-0000-0000000009a2', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60, 'a2', now()),
  ('00000000-0000-0000-0000-0000000009a3', 'llm_failure_critical', 'critical', 'llm_failure_rate', '>', 60, 50, 60, 'a3', now());
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, status, attempts, last_error, payload, next_attempt_at) values
  ('00000000-0000-0000-0000-0000000009a1', 'slack', 'trigger', 'failed', 1, 'HTTP 404: no_service', '{"n": "a1-slack"}', now() - interval '1 hour'),
  ('00000000-0000-0000-0000-0000000009a1', 'pagerduty', 'trigger', 'dead', 10, 'HTTP 503', '{"n": "a1-pd"}', now() - interval '1 hour'),
  ('00000000-0000-0000-0000-0000000009a1', 'email', 'trigger', 'sent', 1, null, '{"n": "a1-email"}', now() - interval '1 hour'),
  ('00000000-0000-0000-0000-0000000009a1', 'log', 'trigger', 'pending', 0, null, '{"n": "a1-log"}', now() + interval '1 hour'),
  ('00000000-0000-0000-0000-0000000009a2', 'slack', 'trigger', 'failed', 2, 'HTTP 410', '{"n": "a2-trigger"}', now() - interval '1 hour'),
  ('00000000-0000-0000-0000-0000000009a2', 'slack', 'resolve', 'sent', 1, null, '{"n": "a2-resolve"}', now() - interval '1 hour'),
  ('00000000-0000-0000-0000-0000000009a3', 'email', 'trigger', 'dead', 10, 'connection refused', '{"n": "a3-email"}', now() - interval '1 hour');
create temp table ids as select payload ->> 'n' as n, id from sms_monitor.sms_alert_notifications
  where alert_id::text like '00000000-0000-0000-0000-0000000009a_';

select has_function('sms_monitor', 'retry_sms_notifications', array['bigint', 'uuid'], 'retry_sms_notifications(bigint, uuid) exists');
select is_definer('sms_monitor', 'retry_sms_notifications', array['bigint', 'uuid'], 'it is security definer');
select volatility_is('sms_monitor', 'retry_sms_notifications', array['bigint', 'uuid'], 'volatile', 'it is volatile');
select is(array[has_function_privilege('sms_monitor_admin', 'sms_monitor.retry_sms_notifications(bigint, uuid)', 'execute'),
                has_function_privilege('sms_monitor_reader', 'sms_monitor.retry_sms_notifications(bigint, uuid)', 'execute'),
                has_function_privilege('sms_monitor_writer', 'sms_monitor.retry_sms_notifications(bigint, uuid)', 'execute'),
                has_function_privilege('sms_monitor_notifier', 'sms_monitor.retry_sms_notifications(bigint, uuid)', 'execute')],
  array[true, false, false, false], 'only the admin may retry');
select is(pg_temp.sqlstate_as('sms_monitor_reader', 'select * from sms_monitor.retry_sms_notifications()'), '42501',
  'a reader calling it: 42501');

-- One by id.
select results_eq(
  $$select payload ->> 'n', status, attempts, next_attempt_at, last_error, locked_by
      from sms_monitor.retry_sms_notifications((select id from ids where n = 'a1-slack'))$$,
  $$values ('a1-slack', 'pending', 0, now(), 'HTTP 404: no_service', null::text)$$,
  'by id: the failed row is pending again, due now, attempts 0, last error kept');
select is((select notification_status ->> 'slack/trigger' from sms_monitor.sms_alert_history
            where id = '00000000-0000-0000-0000-0000000009a1'), 'pending', 'the incident''s notification_status follows');
select is((select status from sms_monitor.sms_alert_notifications where id = (select id from ids where n = 'a1-pd')),
  'dead', 'by id: the incident''s other dead row is untouched');

-- What cannot be retried.
select is(pg_temp.sqlstate_of(format('select * from sms_monitor.retry_sms_notifications(%s)', (select id from ids where n = 'a1-email'))),
  format('22023 id: notification %s is sent; only failed or dead notifications are retried', (select id from ids where n = 'a1-email')),
  'a sent row: 22023 naming its status');
select is(pg_temp.sqlstate_of(format('select * from sms_monitor.retry_sms_notifications(%s)', (select id from ids where n = 'a1-log'))),
  format('22023 id: notification %s is pending; only failed or dead notifications are retried', (select id from ids where n = 'a1-log')),
  'a pending row: 22023');
select is(pg_temp.sqlstate_of(format('select * from sms_monitor.retry_sms_notifications(%s)', (select id from ids where n = 'a2-trigger'))),
  format('22023 id: notification %s (slack/trigger) was followed by slack/resolve which was delivered: re-sending it would arrive out of order',
    (select id from ids where n = 'a2-trigger')),
  'a trigger whose resolve was delivered: 22023, out of order');
select is(pg_temp.sqlstate_of('select * from sms_monitor.retry_sms_notifications(999999999)'),
  'P0002 id: notification 999999999 does not exist', 'unknown id: P0002');
select is(pg_temp.sqlstate_of('select * from sms_monitor.retry_sms_notifications(0)'),
  '22023 id: must be a positive notification id (got 0)', 'id 0: 22023');
select is(pg_temp.sqlstate_of($$select * from sms_monitor.retry_sms_notifications(1, '00000000-0000-0000-0000-0000000009a1')$$),
  '22023 id: give a notification id or an alert id, not both', 'both an id and an alert id: 22023');
select is(pg_temp.sqlstate_of($$select * from sms_monitor.retry_sms_notifications(null, '00000000-0000-0000-0000-0000000009ff')$$),
  'P0002 alert_id: alert 00000000-0000-0000-0000-0000000009ff does not exist', 'unknown incident: P0002');
select is((select count(*)::int from sms_monitor.sms_alert_notifications where status = 'pending' and attempts = 0
            and id in (select id from ids where n in ('a1-email', 'a2-trigger'))), 0, 'the refused calls changed nothing');

-- One incident's.
select results_eq(
  $$select payload ->> 'n', status, attempts from sms_monitor.retry_sms_notifications(null, '00000000-0000-0000-0000-0000000009a1')$$,
  $$values ('a1-pd', 'pending', 0)$$,
  'by incident: its dead row (the failed one was retried already; sent and pending rows stay)');

-- All: the rest, except the row whose resolve was delivered.
select results_eq(
  $$select payload ->> 'n', status, attempts from sms_monitor.retry_sms_notifications()$$,
  $$values ('a3-email', 'pending', 0)$$,
  'all: every failed or dead row that may be re-sent');
select is((select status from sms_monitor.sms_alert_notifications where id = (select id from ids where n = 'a2-trigger')),
  'failed', 'all: the superseded trigger stays failed');
select is((select count(*)::int from sms_monitor.retry_sms_notifications()), 0, 'all again: nothing left to retry');
select is((select notification_status from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000009a3'),
  '{"email/trigger": "pending"}'::jsonb, 'all: each incident''s notification_status follows');

-- A retried row is claimed again like any pending row (the notifier's path).
select results_eq(
  $$select payload ->> 'n', attempts from sms_monitor.claim_sms_notifications('w-retry', 10, 30)
     where payload ->> 'n' like 'a%' order by payload ->> 'n'$$,
  $$values ('a1-pd', 1), ('a1-slack', 1), ('a3-email', 1)$$,
  'retried rows are claimed again, each on its first attempt');
select is(sms_monitor.complete_sms_notification((select id from ids where n = 'a3-email'), 'w-retry', 'sent'), 'sent',
  'and complete as sent');
select is((select notification_error from sms_monitor.sms_alert_history where id = '00000000-0000-0000-0000-0000000009a3'),
  null, 'the incident''s error clears once the retry is delivered');

select * from finish();
rollback;
