-- Retention of the message tables: a message untouched for metric_retention_days goes with its
-- older log rows; a recent one stays.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(4);

select sms_monitor.record_sms_message_events(jsonb_build_array(
  jsonb_build_object('message_id', 'OLD', 'status', 'sent', 'occurred_at', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SSOF')),
  jsonb_build_object('message_id', 'NEW', 'status', 'sent', 'occurred_at', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SSOF'))));
select sms_monitor.rollup_sms_messages();
-- OLD last heard of 401 days ago (retention keeps 400 by default), its log row recorded then
update sms_monitor.sms_messages set updated_at = now() - interval '401 days' where message_id = 'OLD';
update sms_monitor.sms_message_events set recorded_on = (now() at time zone 'UTC')::date - 401 where message_id = 'OLD';

select is((select deleted from sms_monitor._apply_sms_retention(now()) r where r.target = 'sms_monitor.sms_messages'), 1::bigint,
  'one message untouched for more than 400 days');
select is((select string_agg(message_id, ',') from sms_monitor.sms_messages), 'NEW', 'the recent one stays');
select is((select string_agg(message_id, ',') from sms_monitor.sms_message_events), 'NEW', 'the old log row went');
select is((select deleted from sms_monitor._apply_sms_retention(now()) r where r.target = 'sms_monitor.sms_message_events'), 0::bigint,
  'a second run finds nothing more');

select * from finish();
rollback;
