-- _message_stats, the message readers' merge (minute and hour buckets for a window's whole minutes
-- and hours, sms_messages for the partial minutes at its edges), gives for windows that start and
-- end inside a minute and cross hour seams exactly what a grouping of sms_messages alone
-- (_message_minute_rows over the same instants) gives: every count, the latency count and
-- percentiles (as _histogram_percentile reads them from the merged histogram) and the error codes, with and without a dimension, without a step and at steps of 5 minutes and 1 hour.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(5);
update sms_monitor.settings set metric_retention_days = 36500;

-- 300 messages, one every 47 s from 08:30:47 to 12:25:00: sent (carrier of three), then delivered
-- after 1 to 90 s, or undelivered (30007) for every fifth; every seventh has no send (final only)
select sms_monitor.record_sms_message_events((
  select jsonb_agg(e.ev order by g.i, e.k)
    from generate_series(1, 300) g(i)
   cross join lateral (select timestamptz '2026-06-01 08:30:00Z' + make_interval(secs => i * 47) as t0) t
   cross join lateral (values
     (1, case when i % 7 <> 0 then jsonb_build_object('message_id', 'W' || i, 'status', 'sent', 'occurred_at', t.t0,
                                                      'carrier', (array['Verizon', 'T-Mobile', 'AT&T'])[1 + i % 3]) end),
     (2, case when i % 5 <> 0 then jsonb_build_object('message_id', 'W' || i, 'status', 'delivered',
                                                      'occurred_at', t.t0 + make_interval(secs => 1 + i % 90))
              else jsonb_build_object('message_id', 'W' || i, 'status', 'undelivered', 'error_code', '30007',
                                      'occurred_at', t.t0 + interval '40 seconds') end)) e(k, ev)
   where e.ev is not null));
select sms_monitor.rollup_sms_messages();

-- p_codes false: the error codes not merged, so partial hours may be read as the hour minus its other minutes
create function pg_temp.diff(p_dim sms_monitor.message_dimension, p_from timestamptz, p_to timestamptz, p_step interval,
                             p_codes boolean default true)
returns bigint language sql as $f$
  with merged as (
    select s.at, s.value, s.messages, s.sent, s.delivered, s.undelivered, s.failed, s.waiting, s.timed, s.p50, s.p95,
           s.p99, s.error_codes
      from sms_monitor._message_stats(p_dim, p_from, p_to, p_step, true, p_codes) s
  ), grouped as (
    select case when p_step is not null then date_bin(p_step, r.minute, timestamptz '2000-01-01 00:00:00+00') end as at,
           r.value, sum(r.messages)::bigint as messages, sum(r.sent)::bigint as sent, sum(r.delivered)::bigint as delivered,
           sum(r.undelivered)::bigint as undelivered, sum(r.failed)::bigint as failed, sum(r.waiting)::bigint as waiting,
           sms_monitor._latency_histogram_sum(r.latency) as latency, sms_monitor._count_map_sum(r.error_codes) as error_codes
      from sms_monitor._message_minute_rows(p_from, p_to, false, p_dim) r
     group by 1, r.value
    having sum(r.messages) > 0
  ), direct as (
    select d.at, d.value, d.messages, d.sent, d.delivered, d.undelivered, d.failed, d.waiting,
           coalesce(d.latency[cardinality(d.latency)], 0)::bigint,
           sms_monitor._histogram_percentile(d.latency, 0.5), sms_monitor._histogram_percentile(d.latency, 0.95),
           sms_monitor._histogram_percentile(d.latency, 0.99), case when p_codes then d.error_codes else '{}' end
      from grouped d
  )
  select count(*) from ((select * from merged except all select * from direct)
                        union all (select * from direct except all select * from merged)) d
$f$;

select is((select count(*) from sms_monitor._message_stats(null, '2026-06-01 09:17:23.5Z', '2026-06-01 11:42:05Z')),
          1::bigint, 'without a dimension and a step: one row');
select is((select array_agg(pg_temp.diff(null, f, t, s) order by f, t, s)
             from (values ('2026-06-01 09:17:23.5Z'::timestamptz, '2026-06-01 11:42:05Z'::timestamptz),
                          ('2026-06-01 08:59:59Z', '2026-06-01 12:00:01Z'), ('2026-06-01 10:00:00Z', '2026-06-01 11:00:00Z'),
                          ('2026-06-01 10:30:10Z', '2026-06-01 10:31:50Z')) w(f, t)
            cross join (values (null::interval), ('5 minutes'), ('1 hour')) st(s)),
          array_fill(0::bigint, array[12]),
  'every message, unaligned and aligned windows across hour seams, no step, 5 minutes, 1 hour: as sms_messages says');
select is((select array_agg(pg_temp.diff('carrier', f, t, s) order by f, s)
             from (values ('2026-06-01 09:17:23.5Z'::timestamptz, '2026-06-01 11:42:05Z'::timestamptz),
                          ('2026-06-01 08:59:59Z', '2026-06-01 12:00:01Z')) w(f, t)
            cross join (values (null::interval), ('5 minutes'), ('1 hour')) st(s)),
          array_fill(0::bigint, array[6]),
  'per carrier: as sms_messages says');
select is((select array_agg(pg_temp.diff(d, f, t, s, false) order by d, f, t, s)
             from (values ('2026-06-01 09:17:23.5Z'::timestamptz, '2026-06-01 11:42:05Z'::timestamptz),
                          ('2026-06-01 09:40:00Z', '2026-06-01 10:20:00Z'), ('2026-06-01 09:10:00Z', '2026-06-01 10:50:30Z'),
                          ('2026-06-01 09:29:59Z', '2026-06-01 10:31:00Z')) w(f, t)
            cross join (values (null::sms_monitor.message_dimension), ('carrier')) dd(d)
            cross join (values (null::interval), ('1 hour')) st(s)),
          array_fill(0::bigint, array[16]),
  'without the error codes (hours minus their outside minutes where that reads fewer): as sms_messages says');
select is((select array[sum(messages), sum(sent), sum(delivered) + sum(undelivered)]
             from sms_monitor._message_stats(null, '2026-06-01 08:00Z', '2026-06-01 13:00Z')),
          array[300, 300 - 42, 300]::numeric[],
  'the whole day: 300 messages, 258 sent (42 without a send), 300 final');

select * from finish();
rollback;
