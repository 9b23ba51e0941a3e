-- Property: any order and repetition of one message's events gives the same counts. Every one of
-- the 120 orders of five events (sent, delivered, undelivered, read = delivered again, sent again)
-- is recorded as its own message: half one event per call, each call folded (rollup_sms_messages)
-- before the next, half as one batch folded once. The state a message ends in (times: the earliest
-- reported per status) and every count are the same.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(8);
update sms_monitor.settings set metric_retention_days = 36500;

create temp table evs (k int primary key, ev jsonb);
insert into evs values
  (1, '{"status": "sent", "occurred_at": "2026-06-01T10:00:00Z", "price_usd": 0.0125, "sender": "+15550001111"}'),
  (2, '{"status": "delivered", "occurred_at": "2026-06-01T10:00:02.5Z", "carrier": "T-Mobile"}'),
  (3, '{"status": "undelivered", "occurred_at": "2026-06-01T10:00:05Z", "error_code": "30003"}'),
  (4, '{"status": "read", "occurred_at": "2026-06-01T10:00:07Z"}'),
  (5, '{"status": "sent", "occurred_at": "2026-06-01T10:00:00Z"}');
create temp table perms as
with recursive p(seq) as (
  select array[k] from evs
  union all
  select p.seq || e.k from p join evs e on e.k <> all (p.seq) where cardinality(p.seq) < 5
)
select row_number() over (order by seq) as m, seq from p where cardinality(seq) = 5;

select is((select count(*)::int from perms), 120, '120 orders');
do $$
declare
  r record;
  i int;
begin
  for r in select * from perms loop
    if r.m % 2 = 0 then
      foreach i in array r.seq loop
        perform sms_monitor.record_sms_message_events(jsonb_build_array(
          (select ev from evs where k = i) || jsonb_build_object('message_id', 'P' || r.m)));
        perform sms_monitor.rollup_sms_messages();
      end loop;
    else
      perform sms_monitor.record_sms_message_events(
        (select jsonb_agg((select ev from evs where k = u.x) || jsonb_build_object('message_id', 'P' || r.m) order by u.o)
           from unnest(r.seq) with ordinality u(x, o)));
    end if;
  end loop;
end $$;

select sms_monitor.rollup_sms_messages();
select is((select sum(metric_value) from sms_metrics where metric_type = 'sent_count'), 120::numeric, 'sent once per message');
select is((select sum(metric_value) from sms_metrics where metric_type = 'delivered_count'), 120::numeric,
  'delivered once per message (delivered outranks undelivered)');
select is((select sum(metric_value) from sms_metrics where metric_type = 'failed_count'), 0::numeric,
  'no failure left standing, whichever final came first');
-- The sample is taken once, from the times known then: 2500 ms, except when a message recorded
-- event by event (folded one by one) had its read (10:00:07) and a sent before its delivered
-- (10:00:02.5): 7000 ms.
select is((select sum(metric_value) from sms_metrics where metric_type = 'avg_delivery_time_ms'),
  (select sum(case when m % 2 = 0 and array_position(seq, 4) < array_position(seq, 2)
                    and least(array_position(seq, 1), array_position(seq, 5)) < array_position(seq, 2)
                   then 7000 else 2500 end)::numeric from perms),
  'latency samples: 2500 ms, or 7000 ms where the read stood for the delivery when both times were first known');
select is((select sum(sample_count) from sms_metrics where metric_type = 'avg_delivery_time_ms'), 120::numeric,
  'one latency sample per message');
select is((select sum(metric_value) from sms_metrics where metric_type = 'sms_cost_usd'), 1.5000, 'cost 120 x 0.0125');
select is((select count(distinct row(final_status, sent_at, delivered_at, carrier, sender, error_code, price_usd)) || ' '
                  || min(final_status || ' ' || carrier || ' ' || sender || ' ' || error_code)
             from sms_messages where message_id like 'P%'),
  '1 delivered T-Mobile +15550001111 30003', 'every message ends in the same state');

select * from finish();
rollback;
