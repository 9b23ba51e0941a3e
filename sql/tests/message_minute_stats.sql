-- The minute buckets (sms_message_minute_stats) the fold keeps by deltas equal, after every fold, a
-- from-scratch grouping of sms_messages (_message_minute_rows over all time), every column: over a
-- seeded pseudo-random stream of events of 60 messages across minute boundaries, recorded in
-- batches in shuffled order: receipts before sends, two or three final statuses per message (the
-- higher rank takes back the lower), attributes arriving with a later event (a message moves from
-- the unknown carrier to its carrier), repeats (a repeated send with an earlier time moves the
-- message to an earlier minute), final statuses without a send; and the hour buckets
-- (sms_message_hour_stats) equal the sums of their minutes. Then: no empty bucket is kept; the
-- rebuild gives the same rows; retention deletes old minutes; a self token reads its own messages.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(10);
update sms_monitor.settings set metric_retention_days = 36500;

select setseed(0.42);
create temp table evs as
with m as (
  select i, timestamptz '2026-06-01 10:00:00Z' + make_interval(secs => i * 13) as t0,
         (array['Verizon', 'T-Mobile', 'AT&T', null])[1 + i % 4] as carrier,
         (array['US', 'DE', null])[1 + i % 3] as country,
         ('b0000000-0000-0000-0000-00000000000' || (i % 3))::uuid as user_id
    from generate_series(1, 60) i
), e as (
  -- sent (with or without its attributes), a repeated send 50 s earlier, delivered, undelivered,
  -- failed, canceled, read; each present or not by the seeded draw
  select m.i, x.k, x.ev, random() as r_keep, random() as r_order
    from m cross join lateral (values
      (1, jsonb_build_object('status', 'sent', 'occurred_at', m.t0, 'sender', '+1555000' || (m.i % 5),
                             'user_id', m.user_id) || case when m.i % 2 = 0 then jsonb_strip_nulls(jsonb_build_object('carrier', m.carrier)) else '{}' end),
      (2, jsonb_build_object('status', 'sent', 'occurred_at', m.t0 - interval '50 seconds')),
      (3, jsonb_build_object('status', 'delivered', 'occurred_at', m.t0 + make_interval(secs => 1 + m.i % 90))
          || jsonb_strip_nulls(jsonb_build_object('carrier', m.carrier, 'country', m.country))),
      (4, jsonb_build_object('status', 'undelivered', 'occurred_at', m.t0 + interval '40 seconds', 'error_code', '30007')),
      (5, jsonb_build_object('status', 'failed', 'occurred_at', m.t0 + interval '70 seconds', 'error_code', '30003', 'provider', 'twilio')),
      (6, jsonb_build_object('status', 'canceled', 'occurred_at', m.t0 + interval '5 seconds', 'message_class', 'otp')),
      (7, jsonb_build_object('status', 'read', 'occurred_at', m.t0 + interval '100 seconds'))) x(k, ev)
)
select row_number() over (order by e.r_order) as n, e.ev || jsonb_build_object('message_id', 'MS' || e.i) as ev
  from e
 where e.r_keep < case e.k when 1 then 0.85 when 3 then 0.7 else 0.35 end;
-- duplicates: a tenth of the events once more, anywhere in the stream
insert into evs select 1000 + n, ev from evs where n % 10 = 3;
create temp table ord as select row_number() over (order by random()) as pos, ev from evs;

create temp table mismatches (fold int, diff bigint);
create temp table hour_mismatches (fold int, diff bigint);
-- the hour buckets as the sums of their minutes
create function pg_temp.hours() returns setof sms_monitor.sms_message_hour_stats language sql as $f$
  select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00'), t.dimension, t.value, t.carrier_country, sum(t.messages)::bigint,
         sum(t.sent)::bigint, sum(t.delivered)::bigint, sum(t.undelivered)::bigint, sum(t.failed)::bigint,
         sum(t.canceled)::bigint, sum(t.waiting)::bigint, sms_monitor._latency_histogram_sum(t.latency),
         sms_monitor._count_map_sum(t.error_codes)
    from sms_monitor.sms_message_minute_stats t
   group by 1, t.dimension, t.value, t.carrier_country
$f$;
do $$
declare
  v_pos bigint := 0;
  v_total bigint := (select count(*) from ord);
  v_batch int;
  v_fold int := 0;
begin
  while v_pos < v_total loop
    v_batch := 1 + floor(random() * 12)::int;
    perform sms_monitor.record_sms_message_events(
      (select jsonb_agg(o.ev order by o.pos) from ord o where o.pos > v_pos and o.pos <= v_pos + v_batch));
    perform sms_monitor.rollup_sms_messages();
    v_pos := v_pos + v_batch;
    v_fold := v_fold + 1;
    insert into mismatches
    select v_fold, count(*) from (
      (select * from sms_monitor.sms_message_minute_stats
       except all select * from sms_monitor._message_minute_rows('-infinity', 'infinity', true, null))
      union all
      (select * from sms_monitor._message_minute_rows('-infinity', 'infinity', true, null)
       except all select * from sms_monitor.sms_message_minute_stats)) d;
    insert into hour_mismatches
    select v_fold, count(*) from (
      (select * from sms_monitor.sms_message_hour_stats except all select * from pg_temp.hours())
      union all
      (select * from pg_temp.hours() except all select * from sms_monitor.sms_message_hour_stats)) d;
  end loop;
end;
$$;

select ok((select count(*) from mismatches) >= 20 and (select count(*) from sms_monitor.sms_message_minute_stats) > 100,
  'the stream took many folds and fills many buckets');
select is((select count(*) from mismatches where diff <> 0), 0::bigint,
  'after every fold the buckets equal the grouping of sms_messages, every column');
select is((select count(*) from hour_mismatches where diff <> 0), 0::bigint,
  'after every fold the hour buckets equal the sums of their minutes, every column');
select ok((select count(*) from sms_monitor.sms_messages where final_status is not null and sent_at is null) > 0
          and (select count(*) from sms_monitor.sms_messages where final_status = 'failed') > 0
          and (select count(*) from sms_monitor.sms_messages where carrier is null) > 0,
  'the stream covers final statuses without a send, take-backs and unknown carriers');
select is((select count(*) from sms_monitor.sms_message_minute_stats where messages = 0), 0::bigint,
  'no bucket without messages is kept');

create temp table before as select * from sms_monitor.sms_message_minute_stats;
create temp table before_h as select * from sms_monitor.sms_message_hour_stats;
select ok(sms_monitor._rebuild_message_minute_stats('2026-06-01 09:00Z', '2026-06-01 12:00Z') > 0, 'rebuild writes rows');
select ok((select count(*) from before_h) > 0 and not exists (
            (select * from sms_monitor.sms_message_minute_stats except all select * from before)
            union all (select * from before except all select * from sms_monitor.sms_message_minute_stats)
            union all (select * from sms_monitor.sms_message_hour_stats except all select * from before_h)
            union all (select * from before_h except all select * from sms_monitor.sms_message_hour_stats)),
  'the rebuild from sms_messages gives the minute and hour rows the deltas kept');

-- retention one day back from 10:05 cuts both grains at the whole hour containing 2026-06-01 10:05
create temp table retained as select * from sms_monitor._apply_sms_message_retention('2026-06-02 10:05Z', 1);
select is((select array[(select deleted from retained where target = 'sms_monitor.sms_message_minute_stats'),
                        (select deleted from retained where target = 'sms_monitor.sms_message_hour_stats')]),
          array[(select count(*) from before where minute < '2026-06-01 10:00Z'),
                (select count(*) from before_h where minute < '2026-06-01 10:00Z')],
  'retention deletes the minute and hour buckets before the hour that contains the cut');
create temp table summed as
select date_bin('1 hour', m.minute, timestamptz '2000-01-01') as hour, m.dimension, m.value, m.carrier_country,
       sum(m.messages) as messages, sum(m.delivered) as delivered
  from sms_monitor.sms_message_minute_stats m group by 1, 2, 3, 4;
select is((select count(*) from (
            (select * from summed
             except select h.minute, h.dimension, h.value, h.carrier_country, h.messages, h.delivered
                      from sms_monitor.sms_message_hour_stats h)
            union all
            (select h.minute, h.dimension, h.value, h.carrier_country, h.messages, h.delivered
               from sms_monitor.sms_message_hour_stats h
             except select * from summed)) d), 0::bigint,
  'after retention every hour bucket kept is still the sum of its minute buckets');

-- a self token reads its own messages (from sms_messages under row security, not the buckets)
do $$ begin perform set_config('request.jwt.claims', '{"sub": "b0000000-0000-0000-0000-000000000001"}', true); end $$;
create temp table own as
select count(*) as sent from sms_monitor.sms_messages
 where user_id = 'b0000000-0000-0000-0000-000000000001' and sent_at >= '2026-06-01 10:05Z' and sent_at < '2026-06-01 11:00Z';
create temp table seen (sent bigint);
grant insert on seen to sms_monitor_self;
set local role sms_monitor_self;
insert into seen
select sum((d ->> 'sent')::bigint) from jsonb_array_elements(
         sms_monitor.api_message_breakdown('provider', null, '2026-06-01 10:05Z', '2026-06-01 11:00Z') -> 'data') d;
reset role;
select ok(o.sent between 1 and a.n - 1 and w.sent = o.sent, 'a self token counts only its own messages')
  from own o, seen w,
       (select count(*) as n from sms_monitor.sms_messages
         where sent_at >= '2026-06-01 10:05Z' and sent_at < '2026-06-01 11:00Z') a;

select * from finish();
rollback;
