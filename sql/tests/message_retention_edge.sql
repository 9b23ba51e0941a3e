-- The message buckets at the retention edge: events folded after retention has cut the buckets
-- (late receipts of messages sent before the cut, a take-back of a final status counted before it,
-- a message whose earlier final status lies before the cut and whose winning one lies after it)
-- leave no bucket row before the cut and no negative count; every hour kept is the sum of its
-- minutes and every minute kept equals a grouping of sms_messages done here from scratch; the
-- messages themselves take the late events as always.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(10);

-- the cut of a retention of 2 days at now(): the whole hour containing now() - 2 days
create temp table cut as
select date_bin('1 hour', now() - interval '2 days', timestamptz '2000-01-01 00:00:00+00') as c;
create function pg_temp.at(p_offset interval) returns text language sql as $f$
  select to_char((select c from cut) + p_offset, 'YYYY-MM-DD"T"HH24:MI:SSOF')
$f$;
create function pg_temp.ev(p_id text, p_status text, p_at text, p_more jsonb default '{}') returns jsonb language sql as $f$
  select jsonb_build_object('message_id', p_id, 'status', p_status, 'occurred_at', p_at) || p_more
$f$;

-- before retention: A, D sent before the cut without a carrier; E sent and failed before it;
-- B canceled before it (no send); C sent after it
select sms_monitor.record_sms_message_events(jsonb_build_array(
  pg_temp.ev('A', 'sent', pg_temp.at('-30 minutes'), '{"sender": "S1"}'),
  pg_temp.ev('B', 'canceled', pg_temp.at('-10 minutes')),
  pg_temp.ev('C', 'sent', pg_temp.at('5 minutes')),
  pg_temp.ev('D', 'sent', pg_temp.at('-40 minutes')),
  pg_temp.ev('E', 'sent', pg_temp.at('-50 minutes')),
  pg_temp.ev('E', 'failed', pg_temp.at('-45 minutes'), '{"error_code": "30003"}')));
select sms_monitor.rollup_sms_messages();
create temp table retained as select * from sms_monitor._apply_sms_message_retention(now(), 2);
select ok((select deleted from retained where target = 'sms_monitor.sms_message_minute_stats') > 0
          and (select deleted from retained where target = 'sms_monitor.sms_message_hour_stats') > 0
          and (select deleted from retained where target = 'sms_monitor.sms_messages') = 0,
  'retention cut buckets before the edge and kept the messages (heard of just now)');

-- after it: late receipts bringing a carrier (A, D), delivered outranking a failed counted before
-- the cut (E), a failure after the cut outranking B's cancel (B moves across the cut), and C
select is(sms_monitor._message_bucket_cut(), (select c from cut), 'retention set the cut the fold reads');

select sms_monitor.record_sms_message_events(jsonb_build_array(
  pg_temp.ev('A', 'delivered', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SSOF'), '{"carrier": "Late", "country": "DE"}'),
  pg_temp.ev('B', 'failed', pg_temp.at('10 minutes'), '{"error_code": "30007", "carrier": "Late"}'),
  pg_temp.ev('C', 'delivered', pg_temp.at('6 minutes'), '{"carrier": "Kept"}'),
  pg_temp.ev('D', 'delivered', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SSOF'), '{"carrier": "Late"}'),
  pg_temp.ev('E', 'delivered', to_char(now() - interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SSOF'))));
select is(sms_monitor.rollup_sms_messages(), 5::bigint, 'the late events are folded');

select is((select string_agg(message_id || ':' || final_status || ':' || coalesce(carrier, '-'), ',' order by message_id)
             from sms_monitor.sms_messages),
  'A:delivered:Late,B:failed:Late,C:delivered:Kept,D:delivered:Late,E:delivered:-',
  'sms_messages takes the late events as always');

create function pg_temp.negatives(p_grain text) returns bigint language plpgsql as $f$
declare v bigint;
begin
  execute format($q$
    select count(*) from sms_monitor.%I t
     where least(t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting) < 0
        or exists (select from unnest(t.latency[cardinality(t.latency) / 2 + 1:],
                                      array_prepend(0, t.latency[cardinality(t.latency) / 2 + 1:cardinality(t.latency) - 1])) u(c, p)
                    where u.c < u.p)
        or exists (select from jsonb_each_text(t.error_codes) e where e.value::numeric < 0)$q$, p_grain) into v;
  return v;
end $f$;
select is(pg_temp.negatives('sms_message_minute_stats'), 0::bigint, 'no minute bucket has a negative count');
select is(pg_temp.negatives('sms_message_hour_stats'), 0::bigint, 'no hour bucket has a negative count');
select is((select count(*) from sms_monitor.sms_message_minute_stats where minute < (select c from cut))
          + (select count(*) from sms_monitor.sms_message_hour_stats where minute < (select c from cut)), 0::bigint,
  'no bucket row is written before the cut');

select is((select count(*) from (
            (select h.* from sms_monitor.sms_message_hour_stats h
             except all
             select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00'), t.dimension, t.value, t.carrier_country,
                    sum(t.messages)::bigint, sum(t.sent)::bigint, sum(t.delivered)::bigint, sum(t.undelivered)::bigint,
                    sum(t.failed)::bigint, sum(t.canceled)::bigint, sum(t.waiting)::bigint,
                    sms_monitor._latency_histogram_sum(t.latency), sms_monitor._count_map_sum(t.error_codes)
               from sms_monitor.sms_message_minute_stats t
              group by 1, t.dimension, t.value, t.carrier_country)
            union all
            (select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00'), t.dimension, t.value, t.carrier_country,
                    sum(t.messages)::bigint, sum(t.sent)::bigint, sum(t.delivered)::bigint, sum(t.undelivered)::bigint,
                    sum(t.failed)::bigint, sum(t.canceled)::bigint, sum(t.waiting)::bigint,
                    sms_monitor._latency_histogram_sum(t.latency), sms_monitor._count_map_sum(t.error_codes)
               from sms_monitor.sms_message_minute_stats t
              group by 1, t.dimension, t.value, t.carrier_country
             except all
             select h.* from sms_monitor.sms_message_hour_stats h)) d), 0::bigint,
  'every hour kept is the sum of its minutes, every column');

-- the kept minutes against sms_messages grouped here (every-message and carrier rows): counts, the
-- number of timed (delivered with a sent time) and of coded terminal messages
create temp table scratch as
select date_bin('1 minute', coalesce(s.sent_at, s.final_at), timestamptz '2000-01-01 00:00:00+00') as minute, k.dim, k.value, k.cc,
       count(*) as messages, count(s.sent_at) as sent,
       count(*) filter (where s.final_status = 'delivered') as delivered,
       count(*) filter (where s.final_status = 'undelivered') as undelivered,
       count(*) filter (where s.final_status = 'failed') as failed,
       count(*) filter (where s.final_status = 'canceled') as canceled,
       count(*) filter (where s.sent_at is not null and s.final_status is null) as waiting,
       count(*) filter (where s.final_status = 'delivered' and s.sent_at is not null) as timed,
       count(s.error_code) filter (where s.final_status in ('delivered', 'undelivered', 'failed')) as coded
  from sms_monitor.sms_messages s
 cross join lateral (values (null::text, null::text, null::text), ('carrier', s.carrier, s.country)) k(dim, value, cc)
 where coalesce(s.sent_at, s.final_at) >= (select c from cut)
 group by 1, 2, 3, 4;
create temp table kept as
select t.minute, t.dimension::text as dim, t.value, t.carrier_country as cc, t.messages, t.sent, t.delivered, t.undelivered,
       t.failed, t.canceled, t.waiting,
       coalesce(t.latency[cardinality(t.latency)], 0) as timed,
       (select coalesce(sum(e.value::bigint), 0) from jsonb_each_text(t.error_codes) e) as coded
  from sms_monitor.sms_message_minute_stats t
 where t.minute >= (select c from cut) and (t.dimension is null or t.dimension = 'carrier');
select ok((select count(*) from scratch where messages > 0) >= 4, 'messages in kept minutes: B, C in the cut''s hour');
select is((select count(*) from ((select * from scratch except all select * from kept)
                                 union all (select * from kept except all select * from scratch)) d), 0::bigint,
  'every kept minute equals the grouping of sms_messages');

select * from finish();
rollback;
