-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == hist ==
-- The message buckets' retention cut, kept where the fold reads it: the fold and the rebuild write
-- no bucket row for a minute before it (a late event of a message whose minute retention has cut
-- made negative or partial rows at the edge). NULL (-infinity) until the next retention run sets
-- it; that run also deletes any edge row left before it.
alter table sms_monitor.sms_rollup_watermarks add column if not exists bucket_cut timestamptz;
comment on column sms_monitor.sms_rollup_watermarks.bucket_cut is
  'sms_messages row only: the retention cut of the message buckets (_message_bucket_cut); NULL for the other rollups.';
--!include functions/_message_bucket_cut.sql
--!include functions/_apply_sms_message_retention.sql
--!include functions/_fold_message_events.sql
--!include functions/_rebuild_message_minute_stats.sql
-- Latency histograms of the message buckets as integer[] (the non-empty buckets, then their
-- running totals) instead of jsonb {bucket: count}: the reads take a percentile of one histogram
-- by width_bucket over its totals and of several by bisection, expanding none. The stored maps are
-- converted in place (a rewrite of both bucket tables under their lock; docs/benchmarks.md gives
-- its cost). The functions whose types change are dropped and created again.
do $$
begin
  if not exists (select from pg_type t where t.typname = 'latency_histogram_part'
                   and t.typnamespace = 'sms_monitor'::regnamespace) then
    create type sms_monitor.latency_histogram_part as (s integer, l integer[]);
  end if;
end
$$;
comment on type sms_monitor.latency_histogram_part is
  'Internal: one histogram a message read merges (l, as the buckets store it) and its sign (s: 1 added, -1 subtracted).';
create or replace function pg_temp.latency_from_map(p_map jsonb) returns integer[] language sql immutable as $f$
  select coalesce(array_agg(s.b order by s.b) || array_agg(s.cum order by s.b), '{}')
    from (select e.key::integer as b, (sum(e.value::bigint) over (order by e.key::integer))::integer as cum
            from jsonb_each_text(p_map) as e) s
$f$;
do $$
begin
  if (select a.atttypid from pg_attribute a
       where a.attrelid = 'sms_monitor.sms_message_minute_stats'::regclass and a.attname = 'latency') = 'jsonb'::regtype then
    alter table sms_monitor.sms_message_minute_stats alter column latency type integer[] using pg_temp.latency_from_map(latency);
    alter table sms_monitor.sms_message_hour_stats alter column latency type integer[] using pg_temp.latency_from_map(latency);
    -- the rewrite dropped the column's statistics
    analyze sms_monitor.sms_message_minute_stats;
    analyze sms_monitor.sms_message_hour_stats;
  end if;
end
$$;
drop function if exists sms_monitor._histogram_percentile(jsonb, double precision);
drop function if exists sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension);
drop aggregate if exists sms_monitor._latency_histogram(double precision);
drop function if exists sms_monitor._latency_histogram_final(double precision[]);
drop aggregate if exists sms_monitor._latency_histogram_sum(integer[]);
--!include functions/_latency_histogram.sql
--!include functions/_histogram_percentile.sql
--!include functions/_message_minute_rows.sql
--!include functions/_message_stats.sql
