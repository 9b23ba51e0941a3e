-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == windows ==
-- Alert-window grains: the counter rules' window (_alert_window_stats) reads whole days, whole
-- hours and its edge minutes system-wide, and per user a minute mask per hour, instead of a row
-- per user, metric type and minute. Kept by the rollup, the sms_metrics import trigger and
-- retention; a watermark of their own (sms_metrics_window_grains) lets the next rollup run sum
-- again the days a run with the earlier rollup body (compiled before this commit) left out.
create table if not exists sms_monitor.sms_metric_rollups_system (
  metric_date date not null,
  metric_hour smallint not null,
  metric_minute smallint,
  metric_type text not null,
  metric_value numeric not null,
  constraint sms_metric_rollups_system_key
    unique nulls not distinct (metric_date, metric_hour, metric_minute, metric_type)
);
comment on table sms_monitor.sms_metric_rollups_system is
  'Alert-window grains, all users together: per (day, hour, metric type) the sum of every rolled-up value of the hour '
  '(metric_minute NULL), per minute the sum of its minute rows. Written with sms_metric_rollups (rollup, retention, '
  'owner imports); _alert_window_stats reads it.';
alter table sms_monitor.sms_metric_rollups_system enable row level security;
revoke all on sms_monitor.sms_metric_rollups_system from public;
grant select on sms_monitor.sms_metric_rollups_system to sms_monitor_reader;
drop policy if exists sms_metric_rollups_system_reader_all on sms_monitor.sms_metric_rollups_system;
create policy sms_metric_rollups_system_reader_all on sms_monitor.sms_metric_rollups_system
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_metric_active_minutes (
  metric_date date not null,
  metric_hour smallint not null,
  user_id uuid not null,
  active_minutes bigint not null,
  limit_minutes bigint not null,
  constraint sms_metric_active_minutes_pkey primary key (metric_date, metric_hour, user_id)
);
comment on table sms_monitor.sms_metric_active_minutes is
  'Alert-window grains per (day, hour, user; not the system-wide nil UUID): bit m (0 .. 59) of active_minutes set '
  'when the user has a rolled-up value in minute m, of limit_minutes when its daily_limit_hit_count there is above '
  'zero; an hour row sets all 60. Written with sms_metric_rollups; _alert_window_stats reads it.';
alter table sms_monitor.sms_metric_active_minutes enable row level security;
revoke all on sms_monitor.sms_metric_active_minutes from public;
grant select on sms_monitor.sms_metric_active_minutes to sms_monitor_reader;
drop policy if exists sms_metric_active_minutes_reader_all on sms_monitor.sms_metric_active_minutes;
create policy sms_metric_active_minutes_reader_all on sms_monitor.sms_metric_active_minutes
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_metrics_window_grains (
  only_row boolean not null default true,
  last_id bigint not null,
  constraint sms_metrics_window_grains_pkey primary key (only_row),
  constraint sms_metrics_window_grains_one_row check (only_row)
);
comment on table sms_monitor.sms_metrics_window_grains is
  'One row: the last sms_metric_events id the alert-window grains (sms_metric_rollups_system, '
  'sms_metric_active_minutes) hold; _alert_window_stats adds the log rows past it. rollup_sms_metrics advances it with '
  'the rollup''s watermark and, when it is behind, sums the days in between again.';
alter table sms_monitor.sms_metrics_window_grains enable row level security;
revoke all on sms_monitor.sms_metrics_window_grains from public;
grant select on sms_monitor.sms_metrics_window_grains to sms_monitor_reader;
drop policy if exists sms_metrics_window_grains_reader_all on sms_monitor.sms_metrics_window_grains;
create policy sms_metrics_window_grains_reader_all on sms_monitor.sms_metrics_window_grains
  for select to sms_monitor_reader using (true);

--!include functions/_minute_bits.sql
--!include functions/_rebuild_window_grains.sql
--!include functions/_rebuild_system_rollups.sql
--!include functions/rollup_sms_metrics.sql
--!include functions/_apply_sms_retention.sql
--!include views/sms_metrics.sql
--!include functions/_alert_window_stats.sql

-- backfill under the rollup's lock: every day the minute rollups hold, then the watermark
select pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'));
select sms_monitor._rebuild_window_grains(min(r.metric_date), max(r.metric_date))
  from sms_monitor.sms_metric_rollups r
having count(*) > 0;
insert into sms_monitor.sms_metrics_window_grains (last_id)
select w.last_id from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_metrics'
on conflict on constraint sms_metrics_window_grains_pkey do update set last_id = excluded.last_id;
-- == end of windows ==

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
