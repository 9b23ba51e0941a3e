-- The q-quantile (0 < q <= 1) of a latency histogram (_latency_histogram: buckets, then running
-- totals), in ms, NULL when it is empty. Rank as percentile_disc: the first bucket, in ascending
-- order, whose running total reaches q x n (found by width_bucket, a binary search over the
-- totals); the answer is that bucket's representative value 2 g^b / (g + 1) (g = 1.03), 0 for
-- bucket 0. The exact percentile_disc of the same latencies lies in that bucket, (g^(b-1), g^b],
-- so the relative error is at most (g - 1) / (g + 1) = 1.48 % (at most 1 ms absolute in bucket 0).
-- No SET clause: inlined into the readers' queries.
create or replace function sms_monitor._histogram_percentile(p_histogram integer[], p_q double precision)
returns double precision
language sql
immutable
parallel safe
as $$
  select case when pg_catalog.cardinality(p_histogram) > 0 then
    sms_monitor._latency_bucket_ms(p_histogram[pg_catalog.width_bucket(
      pg_catalog.ceil(p_q::numeric * p_histogram[pg_catalog.cardinality(p_histogram)]) - 1,
      p_histogram[pg_catalog.cardinality(p_histogram) / 2 + 1:]::numeric[]) + 1]) end
$$;

comment on function sms_monitor._histogram_percentile(integer[], double precision) is
  'Internal: the q-quantile in ms of a latency histogram (percentile_disc rank, the bucket''s '
  'representative 2 x 1.03^b / 2.03; relative error <= 1.48 %); NULL when empty.';
revoke all on function sms_monitor._histogram_percentile(integer[], double precision) from public;
grant execute on function sms_monitor._histogram_percentile(integer[], double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
