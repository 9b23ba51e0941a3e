-- Latency histograms as the message buckets store them (docs/messages.md): an integer[] of 2k
-- elements, the k non-empty buckets (_latency_bucket) in ascending order, then their running
-- totals ({} when empty), so the last element is the count and a percentile of one histogram is
-- one binary search (width_bucket over the totals, _histogram_percentile) without expanding it.
-- Histograms merge by adding counts per bucket; a delta (the fold's) may hold negative counts.
--   _latency_histogram(ms): aggregate, the histogram of the latencies in ms (NULLs skipped);
--   _latency_histogram_of(array[bucket, count]): aggregate, the histogram of (bucket, count) pairs
--     (counts of a bucket added, buckets summing to 0 left out);
--   _latency_histogram_merge(parts): the signed sum of histograms (latency_histogram_part: s, l),
--     buckets summing to 0 left out;
--   _latency_histogram_add(a, b): a plus b, as _latency_histogram_merge;
--   _latency_histogram_sum(h): aggregate, the sum of histograms.
-- The states are arrays (array_append, array_cat: built in, no call of ours per row, except the
-- sum's one-line step); their final functions count in one set-based query (the histograms
-- expanded by unnest in the select list, which does not materialize each call's rows).
create or replace function sms_monitor._latency_histogram_of_final(p_pairs integer[])
returns integer[]
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(s.b order by s.b) || array_agg(s.cum order by s.b), '{}')
    from (select x.b, (sum(x.n) over (order by x.b))::integer as cum
            from (select p_pairs[i] as b, sum(p_pairs[i + 1]) as n
                    from generate_series(1, cardinality(p_pairs), 2) as i
                   group by 1
                  having sum(p_pairs[i + 1]) <> 0) x) s
$$;

create or replace function sms_monitor._latency_histogram_final(p_latencies double precision[])
returns integer[]
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(s.b order by s.b) || array_agg(s.cum order by s.b), '{}')
    from (select x.b, (sum(x.n) over (order by x.b))::integer as cum
            from (select sms_monitor._latency_bucket(u.ms) as b, count(*) as n
                    from unnest(p_latencies) as u(ms)
                   where u.ms is not null
                   group by 1) x) s
$$;

create or replace function sms_monitor._latency_histogram_merge(p_parts sms_monitor.latency_histogram_part[])
returns integer[]
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(s.b order by s.b) || array_agg(s.cum order by s.b), '{}')
    from (select x.b, (sum(x.n) over (order by x.b))::integer as cum
            from (select e.b, sum(e.s * (e.c - e.p)) as n
                    from (select m.s, unnest(m.l[1:cardinality(m.l) / 2]) as b, unnest(m.l[cardinality(m.l) / 2 + 1:]) as c,
                                 unnest(array_prepend(0, m.l[cardinality(m.l) / 2 + 1:cardinality(m.l) - 1])) as p
                            from unnest(p_parts) as m(s, l)) e
                   group by e.b
                  having sum(e.s * (e.c - e.p)) <> 0) x) s
$$;

create or replace function sms_monitor._latency_histogram_add(p_a integer[], p_b integer[])
returns integer[]
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case when cardinality(p_a) = 0 then p_b
              when cardinality(p_b) = 0 then p_a
              else sms_monitor._latency_histogram_merge(array[(1, p_a), (1, p_b)]::sms_monitor.latency_histogram_part[]) end
$$;

create or replace function sms_monitor._latency_histogram_sum_step(p_state sms_monitor.latency_histogram_part[], p_h integer[])
returns sms_monitor.latency_histogram_part[]
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select p_state || (1, p_h)::sms_monitor.latency_histogram_part
$$;

create or replace aggregate sms_monitor._latency_histogram(double precision) (
  sfunc = pg_catalog.array_append, stype = double precision[], finalfunc = sms_monitor._latency_histogram_final,
  initcond = '{}'
);

create or replace aggregate sms_monitor._latency_histogram_of(integer[]) (
  sfunc = pg_catalog.array_cat, stype = integer[], finalfunc = sms_monitor._latency_histogram_of_final, initcond = '{}'
);

create or replace aggregate sms_monitor._latency_histogram_sum(integer[]) (
  sfunc = sms_monitor._latency_histogram_sum_step, stype = sms_monitor.latency_histogram_part[],
  finalfunc = sms_monitor._latency_histogram_merge, initcond = '{}'
);

comment on function sms_monitor._latency_histogram_of_final(integer[]) is 'Internal: the final function of _latency_histogram_of.';
comment on function sms_monitor._latency_histogram_final(double precision[]) is
  'Internal: the final function of _latency_histogram: the latencies counted per bucket.';
comment on function sms_monitor._latency_histogram_merge(sms_monitor.latency_histogram_part[]) is
  'Internal: the signed sum of latency histograms, zero sums left out (the final function of _latency_histogram_sum).';
comment on function sms_monitor._latency_histogram_sum_step(sms_monitor.latency_histogram_part[], integer[]) is
  'Internal: the state function of _latency_histogram_sum.';
comment on function sms_monitor._latency_histogram_add(integer[], integer[]) is
  'Internal: two latency histograms (buckets, then running totals) added per bucket, zero sums left out.';
comment on aggregate sms_monitor._latency_histogram(double precision) is
  'Internal: the latency histogram (buckets of _latency_bucket, then running totals) of the latencies in ms.';
comment on aggregate sms_monitor._latency_histogram_of(integer[]) is
  'Internal: the latency histogram of array[bucket, count] pairs, zero sums left out.';
comment on aggregate sms_monitor._latency_histogram_sum(integer[]) is 'Internal: the sum of latency histograms.';
revoke all on function sms_monitor._latency_histogram_of_final(integer[]) from public;
revoke all on function sms_monitor._latency_histogram_final(double precision[]) from public;
revoke all on function sms_monitor._latency_histogram_merge(sms_monitor.latency_histogram_part[]) from public;
revoke all on function sms_monitor._latency_histogram_sum_step(sms_monitor.latency_histogram_part[], integer[]) from public;
revoke all on function sms_monitor._latency_histogram_add(integer[], integer[]) from public;
revoke all on function sms_monitor._latency_histogram(double precision) from public;
revoke all on function sms_monitor._latency_histogram_of(integer[]) from public;
revoke all on function sms_monitor._latency_histogram_sum(integer[]) from public;
grant execute on function sms_monitor._latency_histogram_of_final(integer[]), sms_monitor._latency_histogram_final(double precision[]),
  sms_monitor._latency_histogram_merge(sms_monitor.latency_histogram_part[]),
  sms_monitor._latency_histogram_sum_step(sms_monitor.latency_histogram_part[], integer[]),
  sms_monitor._latency_histogram_add(integer[], integer[]), sms_monitor._latency_histogram(double precision),
  sms_monitor._latency_histogram_of(integer[]), sms_monitor._latency_histogram_sum(integer[])
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
