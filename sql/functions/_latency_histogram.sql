-- Aggregate: the latency histogram {bucket: count} (_latency_bucket) of a set of latencies in ms;
-- NULLs are skipped, no rows give {}. _histogram_percentile reads percentiles from it.
-- The state is the array of latencies (array_append, built in: no function call of ours per row);
-- the final function buckets and counts them in one set-based query (_latency_bucket inlined).
create or replace function sms_monitor._latency_histogram_final(p_latencies double precision[])
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(jsonb_object_agg(s.b::text, s.n), '{}'::jsonb)
    from (select sms_monitor._latency_bucket(x) as b, count(*) as n
            from unnest(p_latencies) as u(x)
           where x is not null
           group by 1) s
$$;

comment on function sms_monitor._latency_histogram_final(double precision[]) is
  'Internal: the final function of _latency_histogram: the latencies counted per bucket.';
revoke all on function sms_monitor._latency_histogram_final(double precision[]) from public;
grant execute on function sms_monitor._latency_histogram_final(double precision[])
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;

create aggregate sms_monitor._latency_histogram(double precision) (
  sfunc = pg_catalog.array_append,
  stype = double precision[],
  finalfunc = sms_monitor._latency_histogram_final,
  initcond = '{}'
);

comment on aggregate sms_monitor._latency_histogram(double precision) is
  'Internal: the latency histogram {bucket: count} of the latencies in ms (buckets of _latency_bucket).';
revoke all on function sms_monitor._latency_histogram(double precision) from public;
grant execute on function sms_monitor._latency_histogram(double precision)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
