-- The q-quantile (0 < q <= 1) of a latency histogram {bucket: count} (buckets of _latency_bucket),
-- in ms, NULL when it is empty. Rank as percentile_disc: the first bucket, in ascending order,
-- whose cumulative count reaches q x n; the answer is that bucket's representative value
-- 2 g^b / (g + 1) (g = 1.03), 0 for bucket 0. The exact percentile_disc of the same latencies lies
-- in that bucket, (g^(b-1), g^b], so the relative error is at most (g - 1) / (g + 1) = 1.48 %
-- (at most 1 ms absolute in bucket 0).
create or replace function sms_monitor._histogram_percentile(p_histogram jsonb, p_q double precision)
returns double precision
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  with h as (
    select k::integer as b, v::bigint as n from jsonb_each_text(p_histogram) as e(k, v) where v::bigint > 0
  ), c as (
    select h.b, sum(h.n) over (order by h.b) as cum, sum(h.n) over () as total from h
  )
  select sms_monitor._latency_bucket_ms(c.b)
    from c
   where c.cum >= p_q::numeric * c.total
   order by c.b
   limit 1
$$;

comment on function sms_monitor._histogram_percentile(jsonb, double precision) is
  'Internal: the q-quantile in ms of a latency histogram {bucket: count} (percentile_disc rank, the bucket''s '
  'representative 2 x 1.03^b / 2.03; relative error <= 1.48 %); NULL when empty.';
revoke all on function sms_monitor._histogram_percentile(jsonb, double precision) from public;
grant execute on function sms_monitor._histogram_percentile(jsonb, double precision) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
