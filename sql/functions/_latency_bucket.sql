-- Maps a delivery latency in ms to its bucket in the fixed log histograms (docs/messages.md):
-- bucket b >= 1 holds (g^(b-1), g^b] ms with g = 1.03, i.e. b = ceil(ln(ms) / ln(1.03)); bucket 0
-- holds 0 to 1 ms (and negative latencies, which readers clamp to 0). Buckets are fixed, so
-- histograms of any set of messages merge by adding counts per bucket. No SET clause, every name
-- qualified: the planner inlines it into the queries that bucket many latencies at once.
create or replace function sms_monitor._latency_bucket(p_ms double precision)
returns integer
language sql
immutable
parallel safe
as $$
  select case when p_ms is null then null
              when p_ms <= 1 then 0
              else pg_catalog.ceil(pg_catalog.ln(p_ms) / pg_catalog.ln(1.03::double precision))::integer end
$$;

comment on function sms_monitor._latency_bucket(double precision) is
  'Internal: the latency histogram bucket of p_ms: 0 for <= 1 ms, else ceil(ln(ms) / ln(1.03)).';
revoke all on function sms_monitor._latency_bucket(double precision) from public;
grant execute on function sms_monitor._latency_bucket(double precision) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;

-- The representative latency in ms of bucket p_bucket, which percentiles read: 2 g^b / (g + 1)
-- (g = 1.03; relative error at most (g - 1) / (g + 1) = 1.48 % against any latency of the bucket),
-- 0 for bucket 0. No SET clause: inlined into the readers' queries.
create or replace function sms_monitor._latency_bucket_ms(p_bucket integer)
returns double precision
language sql
immutable
parallel safe
as $$
  select case when p_bucket = 0 then 0::double precision
              else 2 * pg_catalog.power(1.03::double precision, p_bucket) / 2.03 end
$$;

comment on function sms_monitor._latency_bucket_ms(integer) is
  'Internal: the representative latency in ms of a latency histogram bucket: 2 x 1.03^b / 2.03, 0 for bucket 0.';
revoke all on function sms_monitor._latency_bucket_ms(integer) from public;
grant execute on function sms_monitor._latency_bucket_ms(integer) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
