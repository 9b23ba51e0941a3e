-- Message retention and the buckets' cut agree: a message whose events lie at or after the cut
-- (the whole hour containing now - the retention days) keeps its row even when nothing arrived
-- for it in the retention days, so a repeat of its send arriving later is a duplicate and the
-- minute keeps one send; a message whose last event arrived more than the clock-skew bound before
-- the cut goes with its buckets.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(5);

create temp table cut as
select date_bin('1 hour', now() - interval '2 days', timestamptz '2000-01-01 00:00:00+00') as c;
create function pg_temp.sent(p_id text, p_at timestamptz) returns jsonb language sql as $f$
  select jsonb_build_object('message_id', p_id, 'status', 'sent',
                            'occurred_at', to_char(p_at, 'YYYY-MM-DD"T"HH24:MI:SS.USOF'))
$f$;

-- AT sent at the cut, OLD sent an hour before it; each arrived when it was sent
select sms_monitor.record_sms_message_events(jsonb_build_array(
  pg_temp.sent('AT', (select c from cut)), pg_temp.sent('OLD', (select c from cut) - interval '1 hour')));
select sms_monitor.rollup_sms_messages();
update sms_monitor.sms_messages m
   set updated_at = case m.message_id when 'AT' then (select c from cut) else (select c from cut) - interval '1 hour' end;

create temp table retained as select * from sms_monitor._apply_sms_message_retention(now(), 2);
select is((select string_agg(message_id, ',' order by message_id) from sms_monitor.sms_messages), 'AT',
  'the message sent at the cut stays, the one an hour before it goes');
select is((select deleted from retained where target = 'sms_monitor.sms_messages'), 1::bigint, 'one message deleted');

-- the send of AT arrives again (a provider's retry): the same (message, status), counted once
select sms_monitor.record_sms_message_events(jsonb_build_array(pg_temp.sent('AT', (select c from cut))));
select sms_monitor.rollup_sms_messages();
select is((select sent from sms_monitor.sms_message_minute_stats where minute = (select c from cut) and dimension is null),
  1::bigint, 'the minute at the cut counts one send after the repeat');
select is((select sent from sms_monitor.sms_message_hour_stats where minute = (select c from cut) and dimension is null),
  1::bigint, 'so does its hour');
select is((select count(*) from sms_monitor.sms_messages where message_id = 'AT'), 1::bigint, 'one row for AT');

select * from finish();
rollback;
