-- The message counts of the window [p_from, p_to) for the message readers, per value of
-- p_dimension (NULL: every message, value NULL) and, with p_step, per bucket of p_step aligned to
-- the UTC clock (at; NULL without p_step): merged from the minute buckets
-- (sms_message_minute_stats; sms_message_hour_stats for its whole hours unless p_step is not a
-- whole number of hours) for the window's whole minutes and computed from sms_messages
-- (_message_minute_rows) for the partial minutes at its edges, so the window stays exact to the
-- instant. A caller that may not read the buckets (a self token: they count every user's
-- messages) gets the whole window from sms_messages, under its row security. Only values with
-- messages are returned. Counts as in sms_message_minute_stats; error_codes merged only when asked
-- for (p_error_codes; else {}). The latency histograms are not returned but read, when p_latency
-- (else timed 0 and NULL percentiles), in the same query: timed = the latencies counted, p50 / p95
-- / p99 as _histogram_percentile gives them for the merged histogram (percentile_disc rank over the
-- buckets, the bucket's _latency_bucket_ms), every group's at once. A group of one histogram (a
-- step-1 series minute) is read from its running totals (width_bucket, no expansion); for a
-- group of several the merged running total at a bucket is the sum of theirs (width_bucket in
-- each), and a bisection over the bucket index finds each quantile's bucket. With
-- p_carrier_country (p_dimension carrier) the rows are per carrier and country (carrier_country).
create or replace function sms_monitor._message_stats(
  p_dimension sms_monitor.message_dimension, p_from timestamptz, p_to timestamptz, p_step interval default null,
  p_latency boolean default true, p_error_codes boolean default false, p_carrier_country boolean default false
)
returns table (at timestamptz, value text, messages bigint, sent bigint, delivered bigint, undelivered bigint,
               failed bigint, canceled bigint, waiting bigint, timed bigint, p50 double precision,
               p95 double precision, p99 double precision, error_codes jsonb, carrier_country text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  v_lo timestamptz := date_bin('1 minute', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_hi timestamptz := date_bin('1 minute', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_h_lo timestamptz;  -- hour buckets [v_h_lo, v_h_hi)
  v_h_hi timestamptz;
  v_m timestamptz[];   -- minute buckets added: [v_m[1], v_m[2]) and [v_m[3], v_m[4])
  v_s timestamptz[];   -- minute buckets subtracted: [v_s[1], v_s[2]) and [v_s[3], v_s[4])
  v_any boolean;
begin
  if v_lo < p_from then
    v_lo := v_lo + interval '1 minute';
  end if;
  if v_hi <= v_lo or not has_table_privilege('sms_monitor.sms_message_minute_stats', 'select') then
    v_lo := p_to;
    v_hi := p_to;
  end if;
  -- Nothing to read: no message entering in the window (its edges) and no bucket row of this kind
  -- in the hours [v_lo, v_hi) touches (every bucket range below lies in them): no rows, without
  -- planning the query below, which is most of a read's cost when it finds nothing (three index
  -- probes instead). The buckets are probed in a statement of their own, only by a caller that may
  -- read them (a statement naming them is refused to any other, executed or not).
  v_any := exists (select from sms_monitor.sms_messages s
                    where coalesce(s.sent_at, s.final_at) >= p_from and coalesce(s.sent_at, s.final_at) < p_to);
  if not v_any and v_lo < v_hi then
    v_h_lo := date_bin('1 hour', v_lo, timestamptz '2000-01-01 00:00:00+00');
    v_h_hi := date_bin('1 hour', v_hi, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
    v_any := exists (select from sms_monitor.sms_message_minute_stats t
                      where ((p_dimension is null and t.dimension is null) or t.dimension = p_dimension)
                        and t.minute >= v_h_lo and t.minute < v_h_hi)
          or exists (select from sms_monitor.sms_message_hour_stats t
                      where ((p_dimension is null and t.dimension is null) or t.dimension = p_dimension)
                        and t.minute >= v_h_lo and t.minute < v_h_hi);
  end if;
  if not v_any then
    return;
  end if;
  -- [v_lo, v_hi) from the minute buckets, or, where it crosses an hour's start (and p_step is whole
  -- hours), the whole hours from the hour buckets and each partial hour at an end from its minutes,
  -- or, when it covers more than half of that hour, as the hour bucket minus the minutes outside
  -- (every hour bucket is the sum of its minutes); not for p_error_codes (maps are only added)
  v_h_lo := date_bin('1 hour', v_lo, timestamptz '2000-01-01 00:00:00+00');
  if v_h_lo < v_lo then
    v_h_lo := v_h_lo + interval '1 hour';
  end if;
  v_h_hi := date_bin('1 hour', v_hi, timestamptz '2000-01-01 00:00:00+00');
  v_s := array[v_hi, v_hi, v_hi, v_hi];
  if v_h_hi < v_h_lo or (p_step is not null and (p_step < interval '1 hour' or extract(epoch from p_step) % 3600 <> 0)) then
    v_m := array[v_lo, v_hi, v_hi, v_hi];
    v_h_lo := v_hi;
    v_h_hi := v_hi;
  else
    v_m := array[v_lo, v_h_lo, v_h_hi, v_hi];
    if not p_error_codes and v_h_lo - v_lo > interval '30 minutes' then
      v_s[1] := v_h_lo - interval '1 hour';
      v_s[2] := v_lo;
      v_m[2] := v_lo;
      v_h_lo := v_h_lo - interval '1 hour';
    end if;
    if not p_error_codes and v_hi - v_h_hi > interval '30 minutes' then
      v_s[3] := v_hi;
      v_s[4] := v_h_hi + interval '1 hour';
      v_m[3] := v_hi;
      v_h_hi := v_h_hi + interval '1 hour';
    end if;
  end if;
  -- the buckets' part only where it reads something: a caller without the privilege may not name the table
  return query execute format($q$
  with parts as (
    %5$s
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country, 1 as sign
      from sms_monitor._message_minute_rows($2, $3, false, $1) r
    union all
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country, 1
      from sms_monitor._message_minute_rows($4, $5, false, $1) r
  ), g as (
    select case when $6::interval is not null then date_bin($6, p.minute, timestamptz '2000-01-01 00:00:00+00') end as at,
           p.value, %4$s as cc, sum(p.sign * p.messages) as messages, sum(p.sign * p.sent) as sent,
           sum(p.sign * p.delivered) as delivered, sum(p.sign * p.undelivered) as undelivered,
           sum(p.sign * p.failed) as failed, sum(p.sign * p.canceled) as canceled, sum(p.sign * p.waiting) as waiting,
           %2$s as error_codes, %1$s
      from parts p
     group by 1, 2, 3
    having sum(p.sign * p.messages) > 0
  )
  -- the q-quantile's bucket is the first whose running total reaches q x total, i.e. the rank
  -- ceil(q x total) (in integers): in one histogram, after the totals below the rank
  -- (width_bucket); in several, by bisection
  select g.at, g.value, g.messages::bigint, g.sent::bigint, g.delivered::bigint, g.undelivered::bigint,
         g.failed::bigint, g.canceled::bigint, g.waiting::bigint, coalesce(h.timed, 0)::bigint,
         sms_monitor._latency_bucket_ms(h.b50), sms_monitor._latency_bucket_ms(h.b95),
         sms_monitor._latency_bucket_ms(h.b99), g.error_codes, g.cc
    from g
    %6$s$q$,
    case when p_latency then 'array_agg((p.sign, p.latency)::sms_monitor.latency_histogram_part) filter (where cardinality(p.latency) > 0) as parts'
         else 'null::sms_monitor.latency_histogram_part[] as parts' end,
    case when p_error_codes then 'sms_monitor._count_map_sum(p.error_codes)' else '''{}''::jsonb' end,
    null,
    case when p_carrier_country then 'p.carrier_country' else 'null::text' end,
    case when v_lo < v_hi then format($b$
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country,
           case when (t.minute >= $9[1] and t.minute < $9[2]) or (t.minute >= $9[3] and t.minute < $9[4]) then -1 else 1 end as sign
      from sms_monitor.sms_message_minute_stats t
     where %1$s and ((t.minute >= $10[1] and t.minute < $10[2]) or (t.minute >= $10[3] and t.minute < $10[4])
                     or (t.minute >= $9[1] and t.minute < $9[2]) or (t.minute >= $9[3] and t.minute < $9[4]))
    union all
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country, 1
      from sms_monitor.sms_message_hour_stats t
     where %1$s and t.minute >= $7 and t.minute < $8
    union all$b$, case when p_dimension is null then 't.dimension is null'
                       else format('t.dimension = %L', p_dimension) end) else '' end,
    -- the latency part only where it is read (a read without it plans less)
    case when p_latency then $l$
    left join lateral (
      select o.t as timed, o.l[width_bucket((o.t + 1) / 2 - 1, o.c) + 1] as b50,
             o.l[width_bucket(((95 * o.t::bigint + 99) / 100 - 1)::integer, o.c) + 1] as b95,
             o.l[width_bucket(((99 * o.t::bigint + 99) / 100 - 1)::integer, o.c) + 1] as b99
        from (select x.l, x.l[cardinality(x.l)] as t, x.l[cardinality(x.l) / 2 + 1:] as c
                from (select (g.parts[1]).l as l) x) o
       where cardinality(g.parts) = 1 and (g.parts[1]).s = 1
      union all
      -- several: bisection over the bucket index. M(x), the running total of the merged
      -- histogram at bucket x, is the sum over the parts of each one's total at its last bucket
      -- <= x (width_bucket), so no histogram is expanded; for each quantile the smallest x with
      -- M(x) >= its rank, keeping M(lo) < rank <= M(hi) while halving [lo, hi] (about 10 steps)
      select * from (
        with recursive p as materialized (
          select m.s, m.l[1:cardinality(m.l) / 2] as b, m.l[cardinality(m.l) / 2 + 1:] as c
            from unnest(g.parts) as m(s, l)
        ), t as (
          select sum(p.s * p.c[cardinality(p.c)]) as n, min(p.b[1]) - 1 as lo, max(p.b[cardinality(p.b)]) as hi from p
        ), bs(q, r, lo, hi) as (
          select q.q, (q.q * t.n + 99) / 100, t.lo, t.hi from t, (values (50), (95), (99)) as q(q) where t.n > 0
          union all
          select bs.q, bs.r, case when y.m >= bs.r then bs.lo else x.mid end, case when y.m >= bs.r then x.mid else bs.hi end
            from bs
           cross join lateral (select (bs.lo + bs.hi) / 2 as mid) x
           cross join lateral (select sum(p.s * coalesce(p.c[width_bucket(x.mid, p.b)], 0)) as m from p) y
           where bs.hi - bs.lo > 1
        )
        select (select t.n from t) as timed,
               (select bs.hi from bs where bs.q = 50 and bs.hi - bs.lo <= 1) as b50,
               (select bs.hi from bs where bs.q = 95 and bs.hi - bs.lo <= 1) as b95,
               (select bs.hi from bs where bs.q = 99 and bs.hi - bs.lo <= 1) as b99
      ) several
       where cardinality(g.parts) > 1 or (g.parts[1]).s = -1
    ) h on true$l$
    else 'cross join (select 0::bigint as timed, null::integer as b50, null::integer as b95, null::integer as b99) h' end)
  using p_dimension, p_from, v_lo, v_hi, p_to, p_step, v_h_lo, v_h_hi, v_s, v_m;
end;
$$;

comment on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) is
  'Internal: the message counts and latency percentiles of [p_from, p_to) per value of p_dimension (and p_step bucket): minute buckets for '
  'whole minutes, sms_messages for the edges (or for all of it when the caller may not read the buckets).';
revoke all on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) from public;
grant execute on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
