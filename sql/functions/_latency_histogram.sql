-- Aggregate: the latency histogram {bucket: count} (_latency_bucket) of a set of latencies in ms;
-- NULLs are skipped, no rows give {}. _histogram_percentile reads percentiles from it.
create or replace function sms_monitor._latency_histogram_add(p_histogram jsonb, p_ms double precision)
returns jsonb
language sql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select p_histogram || jsonb_build_object(b::text, coalesce((p_histogram ->> b::text)::bigint, 0) + 1)
    from (select sms_monitor._latency_bucket(p_ms) as b) x
$$;

comment on function sms_monitor._latency_histogram_add(jsonb, double precision) is
  'Internal: the state function of _latency_histogram: one more latency in its bucket.';
revoke all on function sms_monitor._latency_histogram_add(jsonb, double precision) from public;
grant execute on function sms_monitor._latency_histogram_add(jsonb, double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;

create or replace aggregate sms_monitor._latency_histogram(double precision) (
  sfunc = sms_monitor._latency_histogram_add,
  stype = jsonb,
  initcond = '{}'
);

comment on aggregate sms_monitor._latency_histogram(double precision) is
  'Internal: the latency histogram {bucket: count} of the latencies in ms (buckets of _latency_bucket).';
revoke all on function sms_monitor._latency_histogram(double precision) from public;
grant execute on function sms_monitor._latency_histogram(double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
