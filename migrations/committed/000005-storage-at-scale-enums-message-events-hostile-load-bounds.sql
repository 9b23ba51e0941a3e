--! Previous: sha1:cc152a8f88ca9ea34ec86e3b53cb57a91d6b8d9d
--! Hash: sha1:b6b09cc58db7b7738ae2f76c914da4d306c22f7c
--! Message: storage at scale, enums, message events, hostile-load bounds

-- Storage at scale, one source per fact, message events, hostile-load bounds:
-- an append-only partitioned event log with exactly-once rollups and live views behind the old
-- names; enum types for channels, outbox statuses and events, severities, metric kinds and alert
-- actions; the API's one time format, incident shape and health; audit subjects and idempotency
-- keys for the HTTP server; message events, provider spellings and the message read functions.

-- ==== Append-only event log, exactly-once incremental rollups, live reads (docs/scaling.md) ====
-- Writers only INSERT into sms_metric_events (partitioned by the UTC day of arrival); the rollup
-- (rollup_sms_metrics, pg_cron every minute) adds the rows past its watermark into
-- sms_metric_rollups in one transaction with the watermark. sms_metrics, sms_metrics_daily and
-- sms_metrics_user_daily become views over rollups + the not-yet-rolled-up tail (always live).
-- System-wide rows carry the nil UUID as user_id in the log and the rollups (the distribution
-- column must never be NULL under Citus); the views show it as NULL, as before.

create or replace function sms_monitor._system_wide_user()
returns uuid
language sql
immutable
parallel safe
as $$
  select '00000000-0000-0000-0000-000000000000'::uuid;
$$;
comment on function sms_monitor._system_wide_user() is
  'Internal constant: the nil UUID, the user_id of system-wide rows in sms_metric_events and sms_metric_rollups '
  '(the views show NULL).';
revoke all on function sms_monitor._system_wide_user() from public;
-- the live view sms_metrics runs as its caller (row security for self users): what it calls too
grant execute on function sms_monitor._system_wide_user() to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
grant execute on function sms_monitor._merge_metadata(jsonb, jsonb) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
grant execute on function sms_monitor._jsonb_merge_agg(jsonb) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;

-- cache 1 (the default): ids are handed out in order, which the rollup's range claim relies on
create sequence if not exists sms_monitor.sms_metric_events_id_seq as bigint cache 1;
revoke all on sequence sms_monitor.sms_metric_events_id_seq from public;

create table if not exists sms_monitor.sms_metric_events (
  id bigint not null default nextval('sms_monitor.sms_metric_events_id_seq'),
  recorded_on date not null default ((now() at time zone 'UTC')::date),
  user_id uuid not null,
  metric_type text not null,
  metric_date date not null,
  metric_hour smallint,
  metric_minute smallint,
  metric_value numeric not null,
  metadata jsonb
) partition by range (recorded_on);
alter sequence sms_monitor.sms_metric_events_id_seq owned by sms_monitor.sms_metric_events.id;
create index if not exists sms_metric_events_id_idx on sms_monitor.sms_metric_events (id);
create table if not exists sms_monitor.sms_metric_events_default
  partition of sms_monitor.sms_metric_events default;
alter table sms_monitor.sms_metric_events_default enable row level security;
comment on table sms_monitor.sms_metric_events is
  'Append-only log of every recorded value (one row per record_* value), partitioned by the UTC day it arrived '
  '(recorded_on). Written only by the record_* functions; rolled up by rollup_sms_metrics(); whole partitions are '
  'dropped by apply_sms_retention() once rolled up and older than _event_log_retention().';
comment on column sms_monitor.sms_metric_events.metric_minute is
  'Minute of the hour (reporting timezone) for values recorded with a time (record_sms_event(s)); NULL for '
  'record_sms_metric''s hour or day buckets.';
alter table sms_monitor.sms_metric_events enable row level security;
revoke all on sms_monitor.sms_metric_events from public;
grant select on sms_monitor.sms_metric_events to sms_monitor_reader, sms_monitor_self;
drop policy if exists sms_metric_events_reader_all on sms_monitor.sms_metric_events;
create policy sms_metric_events_reader_all on sms_monitor.sms_metric_events
  for select to sms_monitor_reader using (true);
drop policy if exists sms_metric_events_self_own on sms_monitor.sms_metric_events;
create policy sms_metric_events_self_own on sms_monitor.sms_metric_events
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());

create table if not exists sms_monitor.sms_metric_rollups (
  user_id uuid not null,
  metric_type text not null,
  metric_date date not null,
  metric_hour smallint,
  metric_minute smallint,
  metric_value numeric not null,
  sample_count bigint not null,
  metadata jsonb not null default '{}'::jsonb,
  constraint sms_metric_rollups_key
    unique nulls not distinct (user_id, metric_type, metric_date, metric_hour, metric_minute)
);
create index if not exists sms_metric_rollups_date_idx
  on sms_monitor.sms_metric_rollups (metric_date, metric_hour, metric_minute);
-- per-user reads through sms_metrics (whose user_id is this expression: NULL for system-wide)
create index if not exists sms_metric_rollups_user_idx
  on sms_monitor.sms_metric_rollups ((nullif(user_id, sms_monitor._system_wide_user())), metric_date);
comment on table sms_monitor.sms_metric_rollups is
  'Rolled-up buckets: minute grain (metric_minute set) for recent days, hour grain (metric_minute NULL) for '
  'values recorded per hour and for minutes older than _minute_rollup_days() (compacted by retention), day '
  'grain (metric_hour NULL) for values recorded per day. Written only by rollup_sms_metrics() and retention.';
alter table sms_monitor.sms_metric_rollups enable row level security;
revoke all on sms_monitor.sms_metric_rollups from public;
grant select on sms_monitor.sms_metric_rollups to sms_monitor_reader, sms_monitor_self;
drop policy if exists sms_metric_rollups_reader_all on sms_monitor.sms_metric_rollups;
create policy sms_metric_rollups_reader_all on sms_monitor.sms_metric_rollups
  for select to sms_monitor_reader using (true);
drop policy if exists sms_metric_rollups_self_own on sms_monitor.sms_metric_rollups;
create policy sms_metric_rollups_self_own on sms_monitor.sms_metric_rollups
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());

-- Day grain per (user, type, day), maintained by the same rollup transaction: what the daily views
-- read (a day is one row per user and type instead of one per hour or minute).
create table if not exists sms_monitor.sms_metric_rollups_daily (
  user_id uuid not null,
  metric_type text not null,
  metric_date date not null,
  metric_value numeric not null,
  sample_count bigint not null,
  constraint sms_metric_rollups_daily_pkey primary key (user_id, metric_type, metric_date)
);
create index if not exists sms_metric_rollups_daily_date_idx on sms_monitor.sms_metric_rollups_daily (metric_date);
comment on table sms_monitor.sms_metric_rollups_daily is
  'Rolled-up days per (user, metric type): the sums of sms_metric_rollups per day, written in the same transactions '
  '(rollup_sms_metrics, retention, owner imports). sms_metrics_daily and sms_metrics_user_daily read it.';
alter table sms_monitor.sms_metric_rollups_daily enable row level security;
revoke all on sms_monitor.sms_metric_rollups_daily from public;
grant select on sms_monitor.sms_metric_rollups_daily to sms_monitor_reader;
drop policy if exists sms_metric_rollups_daily_reader_all on sms_monitor.sms_metric_rollups_daily;
create policy sms_metric_rollups_daily_reader_all on sms_monitor.sms_metric_rollups_daily
  for select to sms_monitor_reader using (true);

-- One row per rollup (a second event log and its rollups add their own row).
create table if not exists sms_monitor.sms_rollup_watermarks (
  rollup_name text primary key,
  last_id bigint not null default 0,
  rolled_up_at timestamptz
);
comment on table sms_monitor.sms_rollup_watermarks is
  'Per rollup: the last log id it has rolled up (ids up to last_id are in its rollup tables, the rest is the live '
  'tail readers add), advanced in the same transaction as the rollup (_rollup_claim_range).';
insert into sms_monitor.sms_rollup_watermarks (rollup_name) values ('sms_metrics') on conflict do nothing;
alter table sms_monitor.sms_rollup_watermarks enable row level security;
revoke all on sms_monitor.sms_rollup_watermarks from public;
grant select on sms_monitor.sms_rollup_watermarks to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
drop policy if exists sms_rollup_watermarks_read on sms_monitor.sms_rollup_watermarks;
create policy sms_rollup_watermarks_read on sms_monitor.sms_rollup_watermarks
  for select to sms_monitor_reader, sms_monitor_self, sms_monitor_admin using (true);

-- The bucket table becomes history: its rows move into the rollups, then the views take its name.
-- (functions returning the materialized views' row types are dropped with them and included again below)
do $$
begin
  if exists (select from pg_class c where c.oid = to_regclass('sms_monitor.sms_metrics_daily') and c.relkind = 'm') then
    drop materialized view sms_monitor.sms_metrics_daily cascade;
  end if;
  if exists (select from pg_class c where c.oid = to_regclass('sms_monitor.sms_metrics_user_daily') and c.relkind = 'm') then
    drop materialized view sms_monitor.sms_metrics_user_daily cascade;
  end if;
end $$;
do $$
begin
  if exists (select from pg_class c where c.oid = to_regclass('sms_monitor.sms_metrics') and c.relkind = 'r') then
    insert into sms_monitor.sms_metric_rollups as r
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
    select coalesce(m.user_id, sms_monitor._system_wide_user()), m.metric_type, m.metric_date, m.metric_hour, null,
           m.metric_value, m.sample_count, m.metadata
      from sms_monitor.sms_metrics m
    on conflict on constraint sms_metric_rollups_key do update
      set metric_value = r.metric_value + excluded.metric_value, sample_count = r.sample_count + excluded.sample_count;
    insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
    select coalesce(m.user_id, sms_monitor._system_wide_user()), m.metric_type, m.metric_date, sum(m.metric_value), sum(m.sample_count)
      from sms_monitor.sms_metrics m
     group by 1, 2, 3
    on conflict on constraint sms_metric_rollups_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value, sample_count = r.sample_count + excluded.sample_count;
    drop table sms_monitor.sms_metrics cascade;
  end if;
end $$;
drop function if exists sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text);

--! Included functions/_rollup_watermark.sql
-- The last log id rollup p_rollup has rolled up: readers add the log rows past it. A STABLE function,
-- not a subquery, so the planner evaluates it while estimating (an unknown parameter is estimated as
-- a third of the table, which would scan a day's partition instead of its id index's last entries).
create or replace function sms_monitor._rollup_watermark(p_rollup text)
returns bigint
language sql
stable
parallel safe
as $$
  select w.last_id from sms_monitor.sms_rollup_watermarks w where w.rollup_name = p_rollup;
$$;

comment on function sms_monitor._rollup_watermark(text) is
  'Internal: the last log id the named rollup has rolled up (sms_rollup_watermarks.last_id).';
revoke all on function sms_monitor._rollup_watermark(text) from public;
grant execute on function sms_monitor._rollup_watermark(text) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_rollup_watermark.sql
--! Included functions/_event_log_retention.sql
-- How long the raw event log keeps a day's partition after every row in it was rolled up: the
-- rollups hold the figures; the raw rows are kept this long for inspection and re-rollups.
create or replace function sms_monitor._event_log_retention()
returns interval
language sql
immutable
parallel safe
as $$
  select interval '3 days';
$$;

comment on function sms_monitor._event_log_retention() is
  'Internal constant: 3 days, how long apply_sms_retention() keeps a rolled-up partition of sms_metric_events.';
revoke all on function sms_monitor._event_log_retention() from public;
--! EndIncluded functions/_event_log_retention.sql
--! Included functions/_minute_rollup_days.sql
-- How many reporting days keep minute-grain rollups; older minutes are compacted into their hour
-- by apply_sms_retention() (alert windows longer than this are exact to the hour at their far end).
create or replace function sms_monitor._minute_rollup_days()
returns integer
language sql
immutable
parallel safe
as $$
  select 8;
$$;

comment on function sms_monitor._minute_rollup_days() is
  'Internal constant: 8 reporting days of minute-grain rollups; older minutes are compacted into hours by retention.';
revoke all on function sms_monitor._minute_rollup_days() from public;
--! EndIncluded functions/_minute_rollup_days.sql
--! Included functions/_ensure_sms_event_partitions.sql
-- Creates the daily partitions of sms_metric_events for p_from and the p_days - 1 days after it
-- (UTC days of arrival) that do not exist yet; returns how many it created. Run by the migration,
-- by rollup_sms_metrics() when tomorrow's partition is missing, and by retention. A row whose
-- day has no partition lands in sms_metric_events_default (still recorded and rolled up; retention
-- deletes its rolled-up rows past the log's retention), and that day then stays in the default.
create or replace function sms_monitor._ensure_sms_event_partitions(p_from date, p_days integer)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_day date;
  v_created integer := 0;
begin
  for v_day in select p_from + g from generate_series(0, p_days - 1) g loop
    -- a day that already has rows in the default partition keeps them there (creating its partition
    -- would have to move them): it stays without a partition
    if to_regclass(format('sms_monitor.sms_metric_events_%s', to_char(v_day, 'YYYYMMDD'))) is null
       and not exists (select from sms_monitor.sms_metric_events_default d where d.recorded_on = v_day) then
      execute format('create table sms_monitor.%I partition of sms_monitor.sms_metric_events for values from (%L) to (%L)',
                     'sms_metric_events_' || to_char(v_day, 'YYYYMMDD'), v_day, v_day + 1);
      -- read through the parent only (its policies); the partition itself grants nothing
      execute format('alter table sms_monitor.%I enable row level security', 'sms_metric_events_' || to_char(v_day, 'YYYYMMDD'));
      v_created := v_created + 1;
    end if;
  end loop;
  return v_created;
end;
$$;

comment on function sms_monitor._ensure_sms_event_partitions(date, integer) is
  'Internal: creates the missing daily partitions sms_metric_events_YYYYMMDD for p_days days from p_from.';
revoke all on function sms_monitor._ensure_sms_event_partitions(date, integer) from public;
--! EndIncluded functions/_ensure_sms_event_partitions.sql
--! Included functions/_rollup_claim_range.sql
-- The reusable half of an exactly-once incremental rollup (the pg_incremental / Citus pattern):
-- claims the log ids (from_id, to_id] that rollup p_rollup may aggregate now, and advances its
-- watermark to to_id. The caller aggregates exactly that range in the same transaction, so the
-- claim and the rollup commit or roll back together (a run killed mid-way loses and doubles nothing).
--   1. pg_advisory_xact_lock per rollup name: runs of one rollup are serialized; a second run waits
--      and then reads the watermark the first one committed.
--   2. Writers take their id (nextval) inside an INSERT, i.e. while holding ROW EXCLUSIVE on the log.
--      Taking EXCLUSIVE on the log (in a subtransaction that is rolled back at once, so the lock is
--      released again) waits until every writer that may hold an id below the sequence's current
--      value has committed or rolled back. Ids after that are greater than to_id.
--   3. to_id := the sequence's last value, read while EXCLUSIVE is still held; every id <= to_id
--      is now committed (visible to the next statement's snapshot, READ COMMITTED) or never will be.
-- Needs READ COMMITTED (a REPEATABLE READ snapshot taken before step 2 would miss those rows): 55000.
create or replace function sms_monitor._rollup_claim_range(
  p_rollup text,
  p_log regclass,
  p_sequence regclass,
  out from_id bigint,
  out to_id bigint
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'rollup %: needs READ COMMITTED (got %)', p_rollup, current_setting('transaction_isolation')
      using errcode = '55000';
  end if;
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext(p_rollup));
  select w.last_id into from_id from sms_monitor.sms_rollup_watermarks w where w.rollup_name = p_rollup for update;
  if from_id is null then
    raise exception 'rollup %: no row in sms_rollup_watermarks', p_rollup using errcode = '55000';
  end if;
  begin
    execute format('lock table %s in exclusive mode', p_log);
    -- read while the lock is held: once it is released a new writer may take an id and still be
    -- running when the rollup reads (a variable keeps its value through the rollback below)
    to_id := coalesce(pg_sequence_last_value(p_sequence), 0);
    -- rolling the subtransaction back is how the lock is released before the aggregation
    raise exception 'release the log lock' using errcode = 'SMSRL';
  exception when sqlstate 'SMSRL' then
    -- expected: the lock is released, to_id stands
    to_id := to_id;
  end;
  to_id := greatest(to_id, from_id);
  update sms_monitor.sms_rollup_watermarks w
     set last_id = to_id, rolled_up_at = now()
   where w.rollup_name = p_rollup;
end;
$$;

comment on function sms_monitor._rollup_claim_range(text, regclass, regclass) is
  'Internal: serializes rollup p_rollup, waits out writers holding lower ids, returns the id range (from_id, to_id] '
  'to aggregate and advances the watermark to to_id in the caller''s transaction.';
revoke all on function sms_monitor._rollup_claim_range(text, regclass, regclass) from public;
--! EndIncluded functions/_rollup_claim_range.sql
--! Included functions/rollup_sms_metrics.sql
-- The incremental rollup (every 2 s by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grain (sms_metric_rollups_daily) in the same transaction.
-- Returns how many log rows it rolled up.
create or replace function sms_monitor.rollup_sms_metrics()
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_range record;
  v_count bigint;
begin
  if to_regclass(format('sms_monitor.sms_metric_events_%s',
                        to_char((now() at time zone 'UTC')::date + 1, 'YYYYMMDD'))) is null then
    -- (a day with rows in the default partition is left there: see _ensure_sms_event_partitions)
    perform sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date, 3);
  end if;
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_metrics', 'sms_monitor.sms_metric_events',
                                         'sms_monitor.sms_metric_events_id_seq');
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  select count(*) into v_count
    from sms_monitor.sms_metric_events e where e.id > v_range.from_id and e.id <= v_range.to_id;
  -- keys in a fixed order: retention's compaction takes the same rows' locks in the same order
  insert into sms_monitor.sms_metric_rollups as r
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
  select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute,
         sum(e.metric_value), count(*),
         coalesce(sms_monitor._jsonb_merge_agg(e.metadata order by e.id) filter (where e.metadata is not null), '{}'::jsonb)
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
   group by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
   order by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
  on conflict on constraint sms_metric_rollups_key do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count,
        metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata);
  insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
  select e.user_id, e.metric_type, e.metric_date, sum(e.metric_value), count(*)
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
   group by e.user_id, e.metric_type, e.metric_date
   order by e.user_id, e.metric_type, e.metric_date
  on conflict on constraint sms_metric_rollups_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  return v_count;
end;
$$;

comment on function sms_monitor.rollup_sms_metrics() is
  'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction '
  'with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';
revoke all on function sms_monitor.rollup_sms_metrics() from public;
grant execute on function sms_monitor.rollup_sms_metrics() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/rollup_sms_metrics.sql
--! Included functions/run_sms_rollups.sql
-- The pg_cron rollup job's body (sms-monitor-rollup, every minute): runs rollup_sms_metrics()
-- every p_pause_seconds (default 2) for p_seconds (default 45), committing after each run, so the
-- not-yet-rolled-up tail that live reads add stays a few seconds long instead of a minute
-- (pg_cron 1.4 schedules whole minutes only; it does not start a job while its last run is active).
-- A procedure so that it can commit: it must be CALLed outside an explicit transaction block, and
-- it is security invoker without a SET clause (either would forbid COMMIT); every name is
-- schema-qualified. Each run is exactly once on its own (rollup_sms_metrics), so stopping it at any
-- point loses and doubles nothing.
create or replace procedure sms_monitor.run_sms_rollups(
  p_seconds integer default 45,
  p_pause_seconds double precision default 2
)
language plpgsql
as $$
declare
  v_until timestamptz;
begin
  if p_seconds is null or p_seconds < 0 or p_seconds > 3600 then
    raise exception 'seconds: must be between 0 and 3600 (got %)', coalesce(p_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_pause_seconds is null or not (p_pause_seconds between 0.1 and 60) then
    raise exception 'pause_seconds: must be between 0.1 and 60 (got %)', coalesce(p_pause_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  v_until := pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => p_seconds);
  loop
    perform sms_monitor.rollup_sms_metrics();
    commit;
    exit when pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => p_pause_seconds) >= v_until;
    perform pg_catalog.pg_sleep(p_pause_seconds);
  end loop;
end;
$$;

comment on procedure sms_monitor.run_sms_rollups(integer, double precision) is
  'The rollup job: rollup_sms_metrics() every p_pause_seconds (2) for p_seconds (45), committing each run. CALL it '
  'outside a transaction block. Bad arguments: 22023.';
revoke all on procedure sms_monitor.run_sms_rollups(integer, double precision) from public;
grant execute on procedure sms_monitor.run_sms_rollups(integer, double precision) to sms_monitor_admin;
--! EndIncluded functions/run_sms_rollups.sql
--! Included views/sms_metrics.sql
-- The buckets as readers know them: one row per (metric_date, metric_hour or NULL = the day,
-- user_id or NULL = system-wide, metric_type) in the reporting timezone, metric_value the sum of
-- what was recorded and sample_count how many values were added. Live: the rolled-up buckets
-- (sms_metric_rollups, any grain, summed into the hour) plus the log rows past the rollup's
-- watermark, read in one snapshot, so a value counts from its commit on, once, before and after
-- the rollup. security_invoker: a self user sees only its own rows (the tables' row security).
create or replace view sms_monitor.sms_metrics with (security_invoker = true) as
select b.metric_date,
       b.metric_hour,
       nullif(b.user_id, sms_monitor._system_wide_user()) as user_id,
       b.metric_type,
       sum(b.metric_value) as metric_value,
       sum(b.sample_count)::bigint as sample_count,
       coalesce(sms_monitor._jsonb_merge_agg(b.metadata order by b.seq) filter (where b.metadata is not null),
                '{}'::jsonb) as metadata
  from (
    select r.metric_date, r.metric_hour, r.user_id, r.metric_type, r.metric_value, r.sample_count,
           nullif(r.metadata, '{}'::jsonb) as metadata, 0::bigint as seq
      from sms_monitor.sms_metric_rollups r
    union all
    select e.metric_date, e.metric_hour, e.user_id, e.metric_type, e.metric_value, 1, e.metadata, e.id
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
  ) b
 group by b.metric_date, b.metric_hour, b.user_id, b.metric_type;

comment on view sms_monitor.sms_metrics is
  'One row per bucket (metric_date, metric_hour or NULL = the day, user_id or NULL = system-wide, metric_type) in '
  'the reporting timezone: metric_value the sum recorded, sample_count how many values. Live (rollups + the '
  'not-yet-rolled-up log); written only through the record_* functions.';
revoke all on sms_monitor.sms_metrics from public;
grant select on sms_monitor.sms_metrics to sms_monitor_reader, sms_monitor_self;

-- Whole buckets written straight into the view (the owner only: nobody else holds INSERT, so a
-- writer still cannot forge metrics around the record_* functions) are added into the rollups, as
-- an import of pre-aggregated buckets (tests and benchmark seeds do this): metric_value and
-- sample_count add to the bucket's hour (or day) row and to its day in sms_metric_rollups_daily.
create or replace function sms_monitor._sms_metrics_insert()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into sms_monitor.sms_metric_rollups as r
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
  values (coalesce(new.user_id, sms_monitor._system_wide_user()), new.metric_type, new.metric_date, new.metric_hour, null,
          coalesce(new.metric_value, 0), coalesce(new.sample_count, 0), coalesce(new.metadata, '{}'::jsonb))
  on conflict on constraint sms_metric_rollups_key do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count,
        metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata);
  insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
  values (coalesce(new.user_id, sms_monitor._system_wide_user()), new.metric_type, new.metric_date,
          coalesce(new.metric_value, 0), coalesce(new.sample_count, 0))
  on conflict on constraint sms_metric_rollups_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  return new;
end;
$$;

comment on function sms_monitor._sms_metrics_insert() is
  'Internal: INSTEAD OF INSERT on sms_metrics, adds whole buckets into sms_metric_rollups (owner only).';
revoke all on function sms_monitor._sms_metrics_insert() from public;
drop trigger if exists sms_metrics_insert on sms_monitor.sms_metrics;
create trigger sms_metrics_insert instead of insert on sms_monitor.sms_metrics
  for each row execute function sms_monitor._sms_metrics_insert();
--! EndIncluded views/sms_metrics.sql
--! Included views/sms_metrics_daily.sql
-- One row per reporting day (metric_date is already in the reporting timezone: rows are bucketed
-- at record time), live: the day rollups (sms_metric_rollups_daily) plus the log rows past the
-- rollup's watermark, in one snapshot, so a value counts from its commit on, once. A filter on
-- metric_date reaches both tables' date ranges. Active users: users (not the system-wide nil UUID).
-- Sums are summed, timings are sum / samples (true means, never an average of averages), rates come from the day's summed counts and are NULL when there is nothing to divide
-- by. numeric without a typmod: a ratio above 999 % (duplicate receipts) never overflows, and the
-- counters are numeric too (not bigint): no sum of accepted buckets can make a reader fail.
create or replace view sms_monitor.sms_metrics_daily as
select s.metric_date,
       s.scheduled_count, s.sent_count, s.delivered_count, s.failed_count, s.cancelled_count,
       s.llm_success_count, s.template_fallback_count, s.opt_out_count,
       s.quiet_hours_skip_count, s.daily_limit_hit_count,
       s.llm_cost_usd, s.sms_cost_usd,
       round(s.delivery_time_sum / nullif(s.delivery_time_samples, 0), 2) as avg_delivery_time_ms,
       round(s.generation_time_sum / nullif(s.generation_time_samples, 0), 2) as avg_generation_time_ms,
       round(100 * s.delivered_count::numeric / nullif(s.sent_count, 0), 2) as delivery_rate_percent,
       round(100 * s.llm_success_count::numeric
             / nullif(s.llm_success_count + s.template_fallback_count, 0), 2) as llm_success_rate_percent,
       s.active_users
  from (
    select m.metric_date,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0) as scheduled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0) as sent_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0) as delivered_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0) as failed_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0) as cancelled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0) as llm_success_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0) as template_fallback_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0) as opt_out_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0) as quiet_hours_skip_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0) as daily_limit_hit_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_samples,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_samples,
           count(distinct nullif(m.user_id, sms_monitor._system_wide_user())) as active_users
      from (
        select d.metric_date, d.user_id, d.metric_type, d.metric_value, d.sample_count
          from sms_monitor.sms_metric_rollups_daily d
        union all
        select e.metric_date, e.user_id, e.metric_type, e.metric_value, 1
          from sms_monitor.sms_metric_events e
         where e.id > sms_monitor._rollup_watermark('sms_metrics')
      ) m
     group by m.metric_date
  ) s;

comment on view sms_monitor.sms_metrics_daily is
  'One row per reporting day: counters, costs, true mean timings, rates from summed counts (NULL '
  'without traffic) and active_users (distinct users with any metric that day). Live (day rollups + the not-yet-rolled-up log).';
revoke all on sms_monitor.sms_metrics_daily from public;
grant select on sms_monitor.sms_metrics_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_daily.sql
--! Included views/sms_metrics_user_daily.sql
-- One row per (reporting day, user) with the figures the top-users ranking needs: sends,
-- deliveries, failures and costs. Live: the day rollups plus the log rows past the rollup's
-- watermark (like sms_metrics_daily); api_top_users reads it.
create or replace view sms_monitor.sms_metrics_user_daily as
select m.metric_date,
       m.user_id,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0)::bigint as sent_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0)::bigint as delivered_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0)::bigint as failed_count,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
       coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd
  from (
    select d.metric_date, d.user_id, d.metric_type, d.metric_value
      from sms_monitor.sms_metric_rollups_daily d
    union all
    select e.metric_date, e.user_id, e.metric_type, e.metric_value
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
  ) m
 where m.user_id <> sms_monitor._system_wide_user()
   and m.metric_type in ('sent_count', 'delivered_count', 'failed_count', 'llm_cost_usd', 'sms_cost_usd')
 group by m.metric_date, m.user_id;

comment on view sms_monitor.sms_metrics_user_daily is
  'One row per (reporting day, user): sent, delivered, failed, LLM and SMS cost. Live (day rollups + the '
  'not-yet-rolled-up log); api_top_users reads it.';
revoke all on sms_monitor.sms_metrics_user_daily from public;
grant select on sms_monitor.sms_metrics_user_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_user_daily.sql
--! Included functions/_record_metric.sql
-- The one write path for a single value: validate, then append one row to sms_metric_events (no
-- row another writer also updates: concurrent writers never queue on a bucket). Times are the
-- callers' business (record_sms_metric and record_sms_event bound them to what retention keeps and
-- the clock-skew allowance); this internal path takes any date, for tests. p_metric_minute: the
-- minute of the hour when the value has a time (record_sms_event), NULL for an hour or day bucket.
create or replace function sms_monitor._record_metric(
  p_metric_date date,
  p_metric_hour integer,
  p_user_id uuid,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb default '{}'::jsonb,
  p_value_field text default 'metric_value',
  p_metric_minute integer default null
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_kind text;
  v_problem text;
begin
  -- Plain variables as arguments let the planner inline _metric_problem (a subquery argument
  -- would force a planned SQL-function call per event: measured at ~3x the cost of the upsert).
  select t.kind into v_kind from sms_monitor.metric_types t where t.metric_type = p_metric_type;
  v_problem := sms_monitor._metric_problem(v_kind, p_metric_type, p_metric_value, p_metadata, p_value_field);
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  if p_metric_date is null then
    raise exception 'metric_date: is required' using errcode = '22023';
  end if;
  if p_metric_hour is not null and (p_metric_hour < 0 or p_metric_hour > 23) then
    raise exception 'metric_hour: must be NULL (daily bucket) or 0-23 (got %)', p_metric_hour
      using errcode = '22023';
  end if;

  insert into sms_monitor.sms_metric_events
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
  values
    (coalesce(p_user_id, sms_monitor._system_wide_user()), p_metric_type, p_metric_date, p_metric_hour,
     p_metric_minute, p_metric_value, nullif(p_metadata, '{}'::jsonb));
end;
$$;

comment on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text, integer) is
  'Internal: validates one value and appends it to sms_metric_events for its (date, hour, minute, user, type) bucket.';
revoke all on function sms_monitor._record_metric(date, integer, uuid, text, numeric, jsonb, text, integer) from public;
--! EndIncluded functions/_record_metric.sql
--! Included functions/record_sms_metric.sql
create or replace function sms_monitor.record_sms_metric(
  p_metric_date date,
  p_metric_hour integer,
  p_user_id uuid,
  p_metric_type text,
  p_metric_value numeric,
  p_metadata jsonb default '{}'::jsonb
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text;
begin
  -- where a reader will look: not older than retention keeps, not ahead of now() + 5 minutes
  if p_metric_hour is null or p_metric_hour between 0 and 23 then
    v_problem := sms_monitor._bucket_time_problem('metric_date', 'metric_hour', p_metric_date, p_metric_hour);
    if v_problem is not null then
      raise exception '%', v_problem using errcode = '22023';
    end if;
  end if;
  -- PL/pgSQL, not SQL: a security definer SQL function is never inlined and re-plans its body on
  -- every call, while PL/pgSQL caches the plan for the connection.
  perform sms_monitor._record_metric(
    p_metric_date, p_metric_hour, p_user_id, p_metric_type, p_metric_value, p_metadata);
end;
$$;

comment on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) is
  'Records a value for the bucket (date, hour or NULL for the day, user or NULL for system-wide, type). '
  'Timings (avg_*_ms) count one sample per call. The bucket must lie within metric_retention_days and begin at most '
  '5 minutes after now(). Bad input raises 22023 and writes nothing.';
revoke all on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb) from public;
grant execute on function sms_monitor.record_sms_metric(date, integer, uuid, text, numeric, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_metric.sql
--! Included functions/record_sms_event.sql
-- One event at p_occurred_at (default now()), bucketed into the reporting timezone's date, hour and
-- minute (the minute makes alert windows exact to the minute).
-- The time must be finite, not more than _max_clock_skew() (5 minutes) ahead of the server clock
-- and not older than settings.metric_retention_days (retention would delete it at once): 22023
-- naming occurred_at otherwise. A text literal without a UTC offset passed for p_occurred_at is
-- converted by PostgreSQL before this function runs, in the session's TimeZone (docs/guarantees.md).
create or replace function sms_monitor.record_sms_event(
  p_metric_type text,
  p_user_id uuid default null,
  p_value numeric default 1,
  p_occurred_at timestamptz default now(),
  p_metadata jsonb default '{}'::jsonb
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_local timestamp;
  v_tz text;
  v_days integer;
  v_earliest date;
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  if p_occurred_at > now() + sms_monitor._max_clock_skew() then
    raise exception 'occurred_at: % is more than % ahead of the server clock (%)',
      to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  if p_occurred_at < now() - make_interval(days => v_days + 2) then
    v_local := null;  -- far in the past: do not convert (4713 BC minus an offset does not exist)
  else
    v_local := p_occurred_at at time zone v_tz;
  end if;
  v_earliest := (now() at time zone v_tz)::date - v_days;
  if v_local is null or v_local::date < v_earliest then
    raise exception 'occurred_at: % is older than the % days retention keeps (earliest day: %)',
      to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'), v_days, v_earliest
      using errcode = '22023';
  end if;
  perform sms_monitor._record_metric(
    v_local::date, extract(hour from v_local)::integer, p_user_id, p_metric_type, p_value, p_metadata, 'value',
    extract(minute from v_local)::integer);
end;
$$;

comment on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) is
  'Records one event, bucketed into the date, hour and minute of p_occurred_at in the reporting timezone. p_occurred_at '
  'must be finite, at most 5 minutes ahead of the server clock and within metric_retention_days; else 22023.';
revoke all on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_event.sql
--! Included functions/record_sms_events.sql
-- A batch of events, all or nothing. Elements are validated first (the error names the first bad
-- element: events[i].field; per-element casts that can fail, UUIDs and times, are checked on a slow
-- path only when the insert's cast fails), then every event is appended to sms_metric_events in one
-- statement: no row another writer updates, so concurrent batches never wait on each other.
--
-- Exactly once with p_batch_id: the id is recorded in sms_ingest_batches in the same transaction
-- as the events, with the result. A second call with the same id (a client retrying a batch whose
-- reply it never saw) records nothing and returns the first call's result; a call that arrives
-- while the first is still running waits for it (the primary key) and then does the same, or
-- records the batch itself if the first rolled back. Ids are kept 7 days (apply_sms_retention).
-- Times: occurred_at must lie within metric_retention_days and at most _max_clock_skew() (5
-- minutes) ahead of the server clock.
create or replace function sms_monitor.record_sms_events(p_events jsonb, p_batch_id uuid default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
  v_tz text;
  v_problem text;
  v_now timestamptz := now();
  v_latest timestamptz := now() + sms_monitor._max_clock_skew();
  v_earliest timestamp;
  v_days integer;
  v_first integer;
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception 'events: must be a JSON array of event objects (got %)',
      coalesce(jsonb_typeof(p_events), 'NULL') using errcode = '22023';
  end if;
  v_count := jsonb_array_length(p_events);
  if v_count > 100000 then
    raise exception 'events: % events is more than the 100000 allowed in one batch', v_count
      using errcode = '22023';
  end if;
  if p_batch_id is not null then
    -- waits for a concurrent call with the same id; the first committed result wins
    insert into sms_monitor.sms_ingest_batches as b (batch_id, recorded)
    values (p_batch_id, v_count)
    on conflict (batch_id) do nothing;
    if not found then
      select b.recorded into v_first from sms_monitor.sms_ingest_batches b where b.batch_id = p_batch_id;
      return v_first;
    end if;
  end if;
  if v_count = 0 then
    return 0;
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  v_earliest := ((v_now at time zone v_tz)::date - v_days)::timestamp;

  select format('events[%s].%s', e.n - 1, p.problem)
    into v_problem
    from jsonb_array_elements(p_events) with ordinality as e(v, n)
    left join sms_monitor.metric_types t on t.metric_type = e.v ->> 'metric_type'
    cross join lateral (
      select case
        when jsonb_typeof(e.v) <> 'object' then
          format('(element): must be an object (got %s)', jsonb_typeof(e.v))
        when e.v - array['metric_type', 'user_id', 'value', 'occurred_at', 'metadata'] <> '{}'::jsonb then
          (select case when k ~ '^[a-z_][a-z0-9_]{0,62}$'
                       then format('%s: unknown field (allowed: metric_type, user_id, value, occurred_at, metadata)', k)
                       -- a key that is no name (empty, punctuation, huge): quoted, cut, after "(element)"
                       else format('(element): unknown field %s (allowed: metric_type, user_id, value, occurred_at, metadata)',
                                   to_json(left(k, 40))::text) end
             from jsonb_object_keys(e.v) k
            where k not in ('metric_type', 'user_id', 'value', 'occurred_at', 'metadata') limit 1)
        when jsonb_typeof(e.v -> 'metric_type') is distinct from 'string' then
          'metric_type: is required and must be a string'
        when coalesce(jsonb_typeof(e.v -> 'user_id'), 'null') not in ('string', 'null') then
          'user_id: must be a UUID string or null'
        when coalesce(jsonb_typeof(e.v -> 'value'), 'number') <> 'number' then
          'value: must be a JSON number'
        when coalesce(jsonb_typeof(e.v -> 'occurred_at'), 'null') not in ('string', 'null')
          or not sms_monitor._looks_like_iso_time_with_offset(e.v ->> 'occurred_at') then
          'occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
        when coalesce(jsonb_typeof(e.v -> 'metadata'), 'null') not in ('object', 'null') then
          'metadata: must be a JSON object'
        else sms_monitor._metric_problem(
          t.kind, e.v ->> 'metric_type', coalesce((e.v ->> 'value')::numeric, 1), nullif(e.v -> 'metadata', 'null'::jsonb), 'value')
      end as problem
    ) p
   where p.problem is not null
   order by e.n
   limit 1;
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;

  begin
    insert into sms_monitor.sms_metric_events
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
    select coalesce((e.v ->> 'user_id')::uuid, sms_monitor._system_wide_user()),
           e.v ->> 'metric_type',
           (x.at_local)::date,
           extract(hour from x.at_local)::smallint,
           extract(minute from x.at_local)::smallint,
           coalesce((e.v ->> 'value')::numeric, 1),
           nullif(nullif(e.v -> 'metadata', 'null'::jsonb), '{}'::jsonb)
      from jsonb_array_elements(p_events) with ordinality as e(v, n)
      cross join lateral (
        select coalesce((e.v ->> 'occurred_at')::timestamptz, v_now) as at
      ) t0
      cross join lateral (
        -- the bounds are plain comparisons; the raise runs only for a bad element
        select case
                 when t0.at > v_latest then sms_monitor._raise_22023(format(
                   'events[%s].occurred_at: %s is more than %s ahead of the server clock (%s)', e.n - 1,
                   e.v ->> 'occurred_at', sms_monitor._max_clock_skew(),
                   to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))::text::timestamp
                 when t0.at < v_now - make_interval(days => v_days + 2) or (t0.at at time zone v_tz) < v_earliest
                   then sms_monitor._raise_22023(format(
                   'events[%s].occurred_at: %s is older than the %s days retention keeps (earliest day: %s)', e.n - 1,
                   e.v ->> 'occurred_at', v_days, v_earliest::date))::text::timestamp
                 else t0.at at time zone v_tz
               end as at_local
      ) x;
  exception when invalid_text_representation or datetime_field_overflow or invalid_datetime_format
    or invalid_time_zone_displacement_value then
    -- The cheap checks passed but a cast did not (a malformed UUID, February 30th): the casts
    -- run only here, on the slow path, to name the first element that fails.
    select case
             when not sms_monitor._is_uuid(e.v ->> 'user_id') then
               format('events[%s].user_id: must be a UUID string or null', e.n - 1)
             else format('events[%s].occurred_at: %s is not a valid time', e.n - 1, e.v ->> 'occurred_at')
           end
      into v_problem
      from jsonb_array_elements(p_events) with ordinality as e(v, n)
     where not sms_monitor._is_uuid(e.v ->> 'user_id')
        or not sms_monitor._is_timestamptz(e.v ->> 'occurred_at')
     order by e.n
     limit 1;
    raise exception '%', coalesce(v_problem, 'events: ' || sqlerrm) using errcode = '22023';
  end;
  return v_count;
end;
$$;

comment on function sms_monitor.record_sms_events(jsonb, uuid) is
  'Records a JSON array of events {metric_type, user_id?, value?, occurred_at?, metadata?} all or '
  'nothing; returns how many were recorded. The first bad element raises 22023 naming events[i].field. '
  'With p_batch_id the batch is recorded at most once: a repeated id records nothing and returns the first result '
  '(ids kept 7 days).';
revoke all on function sms_monitor.record_sms_events(jsonb, uuid) from public;
grant execute on function sms_monitor.record_sms_events(jsonb, uuid) to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_events.sql
--! Included functions/refresh_sms_metrics_daily.sql
-- Kept for callers of the public contract (the notifier, operators' scripts): sms_metrics_daily and
-- sms_metrics_user_daily are live views now, so there is nothing to refresh; this runs the
-- incremental rollup (rollup_sms_metrics), which moves the tail into the rollups without changing
-- any figure. An error is raised, never swallowed.
create or replace function sms_monitor.refresh_sms_metrics_daily()
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  perform sms_monitor.rollup_sms_metrics();
end;
$$;

comment on function sms_monitor.refresh_sms_metrics_daily() is
  'Runs rollup_sms_metrics() (the daily views are live; nothing else to refresh). Kept for existing callers.';
revoke all on function sms_monitor.refresh_sms_metrics_daily() from public;
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_admin;
--! EndIncluded functions/refresh_sms_metrics_daily.sql
--! Included functions/_alert_window_stats.sql
-- The sums an alert window needs, in one pass over the window's rows (rollups + the not-yet-rolled-up
-- tail of sms_metric_events, one snapshot: live and counted once).
-- Window, exact to the minute: the minute buckets from the minute containing p_now - window to
-- the minute containing p_now (reporting timezone), so it covers between window and window + 1
-- minute: an event 61 minutes before p_now is outside a 60-minute window, one 59 minutes before is
-- inside. Values recorded per hour (record_sms_metric with an hour: no minute) count when their
-- hour overlaps that span, and minutes older than _minute_rollup_days() (compacted into their hour)
-- likewise; a daily bucket (metric_hour NULL) counts only when its whole reporting day lies inside
-- the span: a day's total cannot be split, and counting it in part would mix a day into an hour.
-- Active user: a user (not the system-wide nil UUID) with any row in the window, whatever the
-- metric, the same definition as sms_metrics_daily.active_users. System-wide rows add to the sums
-- but are nobody's activity.
create or replace function sms_monitor._alert_window_stats(p_now timestamptz, p_window_minutes integer)
returns table (
  window_start timestamp,
  window_end timestamp,
  sent numeric,
  delivered numeric,
  llm_success numeric,
  template_fallback numeric,
  llm_cost numeric,
  opt_outs numeric,
  active_users bigint,
  limit_users bigint
)
language plpgsql
stable
rows 1
security invoker
set search_path = pg_catalog, pg_temp
-- the window bounds decide the plan (an hour or a month of rows): plan with the real values
set plan_cache_mode = force_custom_plan
as $$
declare
  v_tz text := sms_monitor._reporting_timezone();
  v_from timestamp := date_trunc('minute', (p_now - make_interval(mins => p_window_minutes)) at time zone v_tz);
  v_to timestamp := date_trunc('minute', p_now at time zone v_tz);
  v_from_date date := v_from::date;
  v_to_date date := v_to::date;
  -- whole days inside [v_from, v_to + 1 minute)
  v_first_day date := case when v_from = v_from::date then v_from::date else v_from::date + 1 end;
  v_last_day date := (v_to + interval '1 minute')::date - 1;
  v_nobody uuid := sms_monitor._system_wide_user();
  -- every minute or hour row that can count lies in the hours from the one containing v_from to
  -- the one containing v_to: the rollups are read by that hour range (index on date, hour), split
  -- per day so every branch is an equality or plain range on the index's leading columns (a row
  -- comparison (metric_date, metric_hour) >= (...) is estimated badly), then filtered exactly below
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_hour smallint := extract(hour from v_to)::smallint;
begin
  return query
  with w_rows as (
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date = v_to_date
       and r.metric_date = v_from_date and r.metric_hour between v_from_hour and v_to_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date < v_to_date
       and r.metric_date = v_from_date and r.metric_hour >= v_from_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where r.metric_date > v_from_date and r.metric_date < v_to_date and r.metric_hour is not null
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where v_from_date < v_to_date
       and r.metric_date = v_to_date and r.metric_hour <= v_to_hour
    union all
    select r.metric_type, r.metric_value, r.user_id, r.metric_date, r.metric_hour, r.metric_minute
      from sms_monitor.sms_metric_rollups r
     where r.metric_date between v_first_day and v_last_day and r.metric_hour is null
    union all
    select e.metric_type, e.metric_value, e.user_id, e.metric_date, e.metric_hour, e.metric_minute
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
       and e.metric_date between v_from_date and v_to_date
  ), b as (
    select x.metric_type, x.metric_value, x.user_id
      from w_rows x
     where case
             when x.metric_hour is null then x.metric_date between v_first_day and v_last_day
             when x.metric_minute is null then
               x.metric_date + make_interval(hours => x.metric_hour) > v_from - interval '1 hour'
               and x.metric_date + make_interval(hours => x.metric_hour) <= v_to
             else x.metric_date + make_interval(hours => x.metric_hour, mins => x.metric_minute) between v_from and v_to
           end
  )
  select v_from, v_to + interval '1 minute',
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'sent_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'delivered_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'llm_success_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'template_fallback_count'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'llm_cost_usd'), 0),
         coalesce(sum(b.metric_value) filter (where b.metric_type = 'opt_out_count'), 0),
         count(distinct nullif(b.user_id, v_nobody)),
         count(distinct nullif(b.user_id, v_nobody)) filter (where b.metric_type = 'daily_limit_hit_count' and b.metric_value > 0)
    from b;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes '
  'to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
--! EndIncluded functions/_alert_window_stats.sql
--! Included functions/_daily_metrics_series.sql
-- Every reporting day from p_start_date to p_end_date inclusive, oldest first, in the shape of
-- sms_metrics_daily: a day without traffic is present with zero counts and costs, active_users 0
-- and NULL means and rates (nothing to divide by is "no data", never 0 %). Days come from the live
-- view sms_metrics_daily.
create or replace function sms_monitor._daily_metrics_series(
  p_start_date date,
  p_end_date date
)
returns setof sms_monitor.sms_metrics_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_start_date is null or p_end_date is null then
    raise exception 'start_date: both ends of the range are required' using errcode = '22023';
  end if;
  if p_end_date < p_start_date then
    raise exception 'end_date: % is before start_date %', p_end_date, p_start_date using errcode = '22023';
  end if;
  if p_end_date - p_start_date + 1 > 366 then
    raise exception 'end_date: the range may span at most 366 days (got % days)', p_end_date - p_start_date + 1
      using errcode = '22023';
  end if;
  -- the range filter inside the join's right side reaches the tables' date index (a join condition
  -- alone would not be pushed into the grouped view)
  return query
  select g.d::date,
         coalesce(v.scheduled_count, 0), coalesce(v.sent_count, 0), coalesce(v.delivered_count, 0),
         coalesce(v.failed_count, 0), coalesce(v.cancelled_count, 0), coalesce(v.llm_success_count, 0),
         coalesce(v.template_fallback_count, 0), coalesce(v.opt_out_count, 0),
         coalesce(v.quiet_hours_skip_count, 0), coalesce(v.daily_limit_hit_count, 0),
         coalesce(v.llm_cost_usd, 0), coalesce(v.sms_cost_usd, 0),
         v.avg_delivery_time_ms, v.avg_generation_time_ms, v.delivery_rate_percent, v.llm_success_rate_percent,
         coalesce(v.active_users, 0)
    from pg_catalog.generate_series(p_start_date::timestamp, p_end_date::timestamp, interval '1 day') g(d)
    left join (select d.* from sms_monitor.sms_metrics_daily d
                where d.metric_date between p_start_date and p_end_date) v on v.metric_date = g.d::date
   order by g.d;
end;
$$;

comment on function sms_monitor._daily_metrics_series(date, date) is
  'Internal: every reporting day of start..end (at most 366) in the shape of sms_metrics_daily, quiet days with '
  'zero counts, active_users 0 and NULL rates and means (from the live view sms_metrics_daily).';
revoke all on function sms_monitor._daily_metrics_series(date, date) from public;
grant execute on function sms_monitor._daily_metrics_series(date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/_daily_metrics_series.sql
--! Included functions/get_sms_daily_metrics.sql
create or replace function sms_monitor.get_sms_daily_metrics(
  p_start_date date,
  p_end_date date default null
)
returns setof sms_monitor.sms_metrics_daily
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_end date := coalesce(p_end_date, sms_monitor.reporting_today());
begin
  if p_start_date is null then
    raise exception 'start_date: is required' using errcode = '22023';
  end if;
  if p_end_date is null and p_start_date > v_end then
    raise exception 'start_date: % is after today (%) in the reporting timezone', p_start_date, v_end
      using errcode = '22023';
  end if;
  if v_end < p_start_date then
    raise exception 'end_date: % is before start_date %', v_end, p_start_date using errcode = '22023';
  end if;
  return query
    select d.* from sms_monitor.sms_metrics_daily d
     where d.metric_date between p_start_date and v_end
     order by d.metric_date;
end;
$$;

comment on function sms_monitor.get_sms_daily_metrics(date, date) is
  'Daily rows of sms_metrics_daily from p_start_date to p_end_date inclusive (NULL end = today in '
  'the reporting timezone), oldest first. Days without traffic have no row.';
revoke all on function sms_monitor.get_sms_daily_metrics(date, date) from public;
grant execute on function sms_monitor.get_sms_daily_metrics(date, date)
  to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/get_sms_daily_metrics.sql
--! Included functions/_user_days_from_view.sql
-- The rows of sms_metrics_user_daily from p_from to p_to inclusive (a live view). For api_top_users.
create or replace function sms_monitor._user_days_from_view(p_from date, p_to date)
returns setof sms_monitor.sms_metrics_user_daily
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select d.* from sms_monitor.sms_metrics_user_daily d where d.metric_date between p_from and p_to;
$$;

comment on function sms_monitor._user_days_from_view(date, date) is
  'Internal: sms_metrics_user_daily rows of p_from..p_to.';
revoke all on function sms_monitor._user_days_from_view(date, date) from public;
grant execute on function sms_monitor._user_days_from_view(date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/_user_days_from_view.sql
--! Included functions/api_top_users.sql
-- Top users over the last p_days reporting days including today (the reporting day of p_now):
-- ranked by sent volume (p_by 'sent'), total cost ('cost': LLM + SMS, USD) or failures
-- ('failures': failed_count), highest first, ties by user_id; only users with a non-zero value of
-- the ranking figure. Each row has the user's delivery rate (delivered / sent, NULL when nothing
-- was sent). From sms_metrics_user_daily, live (rollups + the not-yet-rolled-up tail). p_live is
-- accepted for compatibility and has no effect: every read is live. Readers and admins only: it
-- names other users.
create or replace function sms_monitor.api_top_users(
  p_days integer default 7,
  p_by text default 'sent',
  p_limit integer default 10,
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_by text := coalesce(p_by, 'sent');
  v_today date;
  v_data jsonb;
begin
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL') using errcode = '22023';
  end if;
  if v_by not in ('sent', 'cost', 'failures') then
    raise exception 'by: must be sent, cost or failures (got %)', quote_literal(v_by) using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit: must be between 1 and 100 (got %)', coalesce(p_limit::text, 'NULL') using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);

  with days as (
    select d.user_id, d.sent_count as sent, d.delivered_count as delivered, d.failed_count as failed,
           d.llm_cost_usd as llm_cost, d.sms_cost_usd as sms_cost
      from sms_monitor._user_days_from_view(v_today - (p_days - 1), v_today) d
  ), per_user as (
    select d.user_id, sum(d.sent)::bigint as sent, sum(d.delivered)::bigint as delivered,
           sum(d.failed)::bigint as failed, sum(d.llm_cost) as llm_cost, sum(d.sms_cost) as sms_cost
      from days d
     group by d.user_id
  ), ranked as (
    select u.*, case v_by when 'sent' then u.sent::numeric
                          when 'cost' then u.llm_cost + u.sms_cost
                          else u.failed::numeric end as score
      from per_user u
  ), top as (
    select r.*, row_number() over (order by r.score desc, r.user_id) as rank
      from ranked r
     where r.score > 0
     order by r.score desc, r.user_id
     limit p_limit
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'rank', t.rank,
           'user_id', t.user_id,
           'sent', t.sent,
           'delivered', t.delivered,
           'failed', t.failed,
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_cost_usd', round(t.llm_cost, 4),
           'sms_cost_usd', round(t.sms_cost, 4),
           'cost_usd', round(t.llm_cost + t.sms_cost, 4)) order by t.rank), '[]'::jsonb)
    into v_data
    from top t;
  return jsonb_build_object(
    'success', true,
    'data', v_data,
    'by', v_by,
    'days', p_days,
    'date_range', jsonb_build_object('start', v_today - (p_days - 1), 'end', v_today));
end;
$$;

comment on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) is
  'Dashboard (GET /top-users): {success, data: [{rank, user_id, sent, delivered, failed, delivery_rate_percent, '
  'llm_cost_usd, sms_cost_usd, cost_usd}], by, days, date_range} for the last p_days (1-365, default 7) reporting '
  'days up to p_now, ranked by p_by sent|cost|failures (default sent; ties by user_id; zero values left out), '
  'at most p_limit (1-100, default 10) users; live (p_live is accepted and has no effect). Bad parameters: 22023.';
revoke all on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) from public;
grant execute on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean)
  to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_top_users.sql
--! Included functions/_apply_sms_retention.sql
-- Internal (owner only): retention at any p_now, for tests. Everyone else runs apply_sms_retention(),
-- which uses the server's now(): a caller who could choose the cut-off could delete everything.
-- The daily retention job (pg_cron 'sms-monitor-retention'). Deletes, per sms_monitor.settings:
--   first the rollup (rollup_sms_metrics), so every committed event is in the rollups; then
--   sms_metrics buckets (rollup rows, target 'sms_monitor.sms_metrics') whose reporting day is more
--     than metric_retention_days (default 400) before the reporting day of p_now, and minute rollups
--     older than _minute_rollup_days() compacted into their hour (one statement: no figure changes);
--   whole partitions of the event log (target 'sms_monitor.sms_metric_events': how many partitions)
--     whose UTC day ended more than _event_log_retention() (3 days) before p_now and whose rows are
--     all rolled up (no DELETE of events, no VACUUM); rolled-up rows of the default partition older
--     than that are deleted (it only holds rows whose day had no partition);
--   the next days' partitions are created (_ensure_sms_event_partitions);
--   outbox rows delivered (status sent) more than notification_retention_days (default 30) ago, of
--     incidents resolved before that too (an open incident keeps them: they say whom to tell when it
--     is resolved); failed and dead rows stay as evidence until an operator looks at them;
--   pg_cron's cron.job_run_details rows that ended more than job_run_retention_days (default 14)
--     ago, when pg_cron is installed here (that table grows by a row per job run, forever).
--   batch ids of record_sms_events (sms_ingest_batches) older than 7 days: a retry later than that
--     would be recorded again (the buffered client gives up on a batch long before);
--   messages untouched for metric_retention_days and their older log rows
--     (_apply_sms_message_retention: targets sms_messages, sms_message_events);
-- Returns one row per target with how many rows went.
create or replace function sms_monitor._apply_sms_retention(p_now timestamptz)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_settings sms_monitor.settings;
  v_count bigint;
  v_watermark bigint;
  v_cutoff date;
  v_part record;
  v_pending boolean;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  select * into v_settings from sms_monitor.settings;

  perform sms_monitor.rollup_sms_metrics();
  select w.last_id into v_watermark from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_metrics';

  delete from sms_monitor.sms_metric_rollups r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  get diagnostics v_count = row_count;
  delete from sms_monitor.sms_metric_rollups_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  target := 'sms_monitor.sms_metrics'; deleted := v_count; return next;

  -- minutes past _minute_rollup_days() become their hour (keys in the rollup's order)
  with moved as (
    delete from sms_monitor.sms_metric_rollups r
     where r.metric_minute is not null
       and r.metric_date < sms_monitor.reporting_today(p_now) - sms_monitor._minute_rollup_days()
    returning r.*
  )
  insert into sms_monitor.sms_metric_rollups as r
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
  select m.user_id, m.metric_type, m.metric_date, m.metric_hour, null,
         sum(m.metric_value), sum(m.sample_count), sms_monitor._jsonb_merge_agg(m.metadata)
    from moved m
   group by m.user_id, m.metric_type, m.metric_date, m.metric_hour
   order by m.user_id, m.metric_type, m.metric_date, m.metric_hour
  on conflict on constraint sms_metric_rollups_key do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count,
        metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata);

  v_cutoff := ((p_now - sms_monitor._event_log_retention()) at time zone 'UTC')::date;
  v_count := 0;
  for v_part in
    select c.oid::regclass as part, substring(c.relname from '_(\d{8})$') as day
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'sms_monitor.sms_metric_events'::regclass
       and c.relname ~ '^sms_metric_events_\d{8}$'
       and to_date(substring(c.relname from '_(\d{8})$'), 'YYYYMMDD') + 1 <= v_cutoff
     order by c.relname
  loop
    execute format('select exists (select from %s e where e.id > $1)', v_part.part) into v_pending using v_watermark;
    if not v_pending then
      execute format('drop table %s', v_part.part);
      v_count := v_count + 1;
    end if;
  end loop;
  delete from sms_monitor.sms_metric_events_default e where e.id <= v_watermark and e.recorded_on < v_cutoff;
  target := 'sms_monitor.sms_metric_events'; deleted := v_count; return next;
  perform sms_monitor._ensure_sms_event_partitions((p_now at time zone 'UTC')::date, 3);

  -- only of incidents resolved before the cut-off: an open incident's sent trigger is how its
  -- acknowledge and resolve find the channels that were told (_alert_told_channels)
  delete from sms_monitor.sms_alert_notifications n
   using sms_monitor.sms_alert_history h
   where h.id = n.alert_id
     and n.status = 'sent' and n.sent_at < p_now - make_interval(days => v_settings.notification_retention_days)
     and h.resolved_at < p_now - make_interval(days => v_settings.notification_retention_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_alert_notifications'; deleted := v_count; return next;

  delete from sms_monitor.sms_ingest_batches b where b.created_at < p_now - interval '7 days';
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_ingest_batches'; deleted := v_count; return next;
  return query select * from sms_monitor._apply_sms_message_retention(p_now, v_settings.metric_retention_days);

  if to_regclass('cron.job_run_details') is not null then
    execute 'delete from cron.job_run_details where end_time < $1'
      using p_now - make_interval(days => v_settings.job_run_retention_days);
    get diagnostics v_count = row_count;
    target := 'cron.job_run_details'; deleted := v_count; return next;
  end if;
end;
$$;

comment on function sms_monitor._apply_sms_retention(timestamptz) is
  'Internal: apply_sms_retention at any p_now (owner only).';
revoke all on function sms_monitor._apply_sms_retention(timestamptz) from public;
--! EndIncluded functions/_apply_sms_retention.sql
--! Included functions/apply_sms_retention.sql
-- The daily retention job (pg_cron 'sms-monitor-retention', or the notifier where pg_cron is
-- missing), always at the server's now(): no caller chooses the cut-off (with "now() + 3000 years"
-- it would delete every metric and every cron run record). What it deletes: _apply_sms_retention.sql.
create or replace function sms_monitor.apply_sms_retention()
returns table (target text, deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query select * from sms_monitor._apply_sms_retention(now());
end;
$$;

comment on function sms_monitor.apply_sms_retention() is
  'Daily retention at the server''s now(): rolls up, deletes metric buckets older than settings.metric_retention_days (400), '
  'drops rolled-up event log partitions older than 3 days, deletes sent '
  'notifications older than notification_retention_days (30) of incidents resolved before then, batch ids older than '
  '7 days and cron.job_run_details older than job_run_retention_days (14).';
revoke all on function sms_monitor.apply_sms_retention() from public;
grant execute on function sms_monitor.apply_sms_retention() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/apply_sms_retention.sql
--! Included functions/install_sms_monitor_schedule.sql
-- (Re)registers the pg_cron jobs of sms-monitor by name: an existing job of the same name is
-- updated in place (whichever role it runs as), so running it again is harmless. For the migration
-- (when pg_cron is present) and for a superuser who adds pg_cron later:
-- `select * from sms_monitor.install_sms_monitor_schedule();`.
-- pg_cron 1.4: five-field schedules, UTC, jobs run in cron.database_name as the installing role
-- unless an operator moves them to a LOGIN role (docs/alerts.md).
-- Called through dynamic SQL so this function exists even where the cron schema does not.
create or replace function sms_monitor.install_sms_monitor_schedule()
returns table (jobname text, schedule text, command text, jobid bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job record;
begin
  if not exists (select from pg_extension e where e.extname = 'pg_cron') then
    raise exception 'pg_cron: the extension is not installed in database % (it can only be created in cron.database_name)',
      current_database() using errcode = '55000';
  end if;
  -- the 5-minute refresh of the materialized views is gone: the rollup job replaces it
  execute 'select cron.unschedule(j.jobid) from cron.job j where j.jobname = ''sms-monitor-refresh-daily''';
  for v_job in
    select * from (values
      ('sms-monitor-check-alerts', '* * * * *', 'select sms_monitor.check_sms_alerts()'),
      ('sms-monitor-rollup', '* * * * *', 'call sms_monitor.run_sms_rollups()'),
      ('sms-monitor-retention', '17 3 * * *', 'select sms_monitor.apply_sms_retention()')
    ) j(jobname, schedule, command)
  loop
    jobname := v_job.jobname;
    schedule := v_job.schedule;
    command := v_job.command;
    -- a job of that name (visible to us: any, for a superuser) is updated in place, keeping the role
    -- it runs as (an operator may have moved it with cron.alter_job(jobid, username => ...));
    -- cron.schedule would add a second job under our name instead
    execute 'select min(j.jobid) from cron.job j where j.jobname = $1' into jobid using v_job.jobname;
    if jobid is null then
      execute 'select cron.schedule($1, $2, $3)' into jobid using v_job.jobname, v_job.schedule, v_job.command;
    else
      execute 'select cron.alter_job($1, $2, $3)' using jobid, v_job.schedule, v_job.command;
    end if;
    return next;
  end loop;
end;
$$;

comment on function sms_monitor.install_sms_monitor_schedule() is
  'Registers (or updates) the pg_cron jobs by name: sms-monitor-check-alerts (every minute), '
  'sms-monitor-rollup (every minute: run_sms_rollups, a rollup every 2 s), sms-monitor-retention (03:17 UTC). Needs pg_cron (55000 otherwise).';
revoke all on function sms_monitor.install_sms_monitor_schedule() from public;
--! EndIncluded functions/install_sms_monitor_schedule.sql
select sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date - 1, 5);
-- re-register the jobs where pg_cron runs here (the migration registered them the same way)
do $$
begin
  if exists (select from pg_extension e where e.extname = 'pg_cron') then
    perform sms_monitor.install_sms_monitor_schedule();
  end if;
end $$;

-- ==== One source for every enumerated fact: enum types, CHECKs derived from them ====
-- Channels, outbox statuses and events, alert actions, severities and metric kinds are listed once,
-- as enum types; the columns stay text and their CHECKs read the list with enum_range, so adding a
-- value is one ALTER TYPE ... ADD VALUE. scripts/codegen.ts turns every enum of the schema into
-- client/generated/enums.ts (the TypeScript unions and lists).
do $$
begin
  if to_regtype('sms_monitor.notification_channel') is null then
    create type sms_monitor.notification_channel as enum ('slack', 'pagerduty', 'email', 'log');
  end if;
  if to_regtype('sms_monitor.notification_status') is null then
    create type sms_monitor.notification_status as enum ('pending', 'sent', 'failed', 'dead', 'superseded');
  end if;
  if to_regtype('sms_monitor.notification_event') is null then
    create type sms_monitor.notification_event as enum ('trigger', 'repeat', 'acknowledge', 'resolve');
  end if;
  if to_regtype('sms_monitor.alert_severity') is null then
    create type sms_monitor.alert_severity as enum ('critical', 'warning', 'info');
  end if;
  if to_regtype('sms_monitor.metric_kind') is null then
    create type sms_monitor.metric_kind as enum ('counter', 'sum', 'timing', 'derived');
  end if;
  if to_regtype('sms_monitor.alert_action') is null then
    create type sms_monitor.alert_action as enum ('no_data', 'ok', 'pending', 'fired', 'silenced', 'unsilenced',
      'repeated', 'cooldown', 'acknowledged', 'recovering', 'resolved', 'disabled_resolved', 'skipped', 'error');
  end if;
end;
$$;
comment on type sms_monitor.notification_channel is 'Where a notification can go (sms_alert_notifications.channel, a rule''s notification_channels).';
comment on type sms_monitor.notification_status is 'The state of an outbox row (sms_alert_notifications.status).';
comment on type sms_monitor.notification_event is 'What an outbox row announces about its incident (sms_alert_notifications.event).';
comment on type sms_monitor.alert_severity is 'How urgent a rule''s incidents are (sms_alert_thresholds.severity, sms_alert_history.severity).';
comment on type sms_monitor.metric_kind is 'How a metric type aggregates (metric_types.kind).';
comment on type sms_monitor.alert_action is
  'What one evaluation did with a rule (check_sms_alerts().action, sms_alert_rule_state.last_action); '
  'sql/functions/_alert_evaluate.sql describes each.';

alter table sms_monitor.sms_alert_notifications
  drop constraint if exists sms_alert_notifications_channel_check,
  add constraint sms_alert_notifications_channel_check
    check (channel = any (enum_range(null::sms_monitor.notification_channel)::text[])),
  drop constraint if exists sms_alert_notifications_status_check,
  add constraint sms_alert_notifications_status_check
    check (status = any (enum_range(null::sms_monitor.notification_status)::text[])),
  drop constraint if exists sms_alert_notifications_event_check,
  add constraint sms_alert_notifications_event_check
    check (event = any (enum_range(null::sms_monitor.notification_event)::text[]));
alter table sms_monitor.sms_alert_thresholds
  drop constraint if exists sms_alert_thresholds_severity_check,
  add constraint sms_alert_thresholds_severity_check
    check (severity = any (enum_range(null::sms_monitor.alert_severity)::text[])),
  drop constraint if exists sms_alert_thresholds_channels_check,
  add constraint sms_alert_thresholds_channels_check
    check (cardinality(notification_channels) >= 1
           and notification_channels <@ enum_range(null::sms_monitor.notification_channel)::text[]
           and array_position(notification_channels, null) is null);
alter table sms_monitor.sms_alert_history
  drop constraint if exists sms_alert_history_severity_check,
  add constraint sms_alert_history_severity_check
    check (severity = any (enum_range(null::sms_monitor.alert_severity)::text[]));
alter table sms_monitor.sms_notifier_heartbeats
  drop constraint if exists sms_notifier_heartbeats_channels_check,
  add constraint sms_notifier_heartbeats_channels_check
    check (channels <@ enum_range(null::sms_monitor.notification_channel)::text[]);
alter table sms_monitor.metric_types
  drop constraint if exists metric_types_kind_check,
  add constraint metric_types_kind_check
    check (kind = any (enum_range(null::sms_monitor.metric_kind)::text[]));
alter table sms_monitor.sms_alert_rule_state
  drop constraint if exists sms_alert_rule_state_last_action_check,
  add constraint sms_alert_rule_state_last_action_check
    check (last_action = any (enum_range(null::sms_monitor.alert_action)::text[]));

-- One NOTIFY channel name and one dedup key formula, each a function the others call.
--! Included functions/_notify_channel.sql
-- The name of the NOTIFY channel on which new and re-queued outbox rows are announced (a JSON array
-- of their ids). Every pg_notify of the outbox calls this; scripts/codegen.ts writes its value into
-- client/generated/enums.ts (OUTBOX_NOTIFY_CHANNEL) for the notifier's and the server's LISTEN.
create or replace function sms_monitor._notify_channel()
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return 'sms_monitor_notifications';

comment on function sms_monitor._notify_channel() is
  'Internal: the NOTIFY channel of the notification outbox (sms_monitor_notifications).';
revoke all on function sms_monitor._notify_channel() from public;
--! EndIncluded functions/_notify_channel.sql
--! Included functions/_alert_dedup_key.sql
-- An incident's PagerDuty dedup_key: sms-monitor/<alert_type>/<id>, cut to the Events API's 255
-- characters. The one formula: the insert trigger on sms_alert_history stores it when the incident
-- opens, and every notification carries the stored key (the notifier never computes one).
create or replace function sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return left('sms-monitor/' || p_alert_type || '/' || p_id::text, 255);

comment on function sms_monitor._alert_dedup_key(text, uuid) is
  'Internal: the PagerDuty dedup_key of an incident (sms-monitor/<alert_type>/<id>, at most 255 characters).';
revoke all on function sms_monitor._alert_dedup_key(text, uuid) from public;
--! EndIncluded functions/_alert_dedup_key.sql
--! Included functions/_notify_sms_notifications.sql
-- Statement-level AFTER INSERT trigger on sms_alert_notifications: one NOTIFY per statement on
-- channel _notify_channel() (sms_monitor_notifications) whose payload is a JSON array of the new ids (ascending). A
-- NOTIFY payload must stay under 8000 bytes, so the array is cut to the first ids that fit in
-- 7000 bytes; the notifier treats NOTIFY only as a hint and drains the table anyway.
create or replace function sms_monitor._notify_sms_notifications()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids text;
begin
  select '[' || coalesce(string_agg(x.id::text, ',' order by x.id), '') || ']'
    into v_ids
    from (
      select n.id, sum(length(n.id::text) + 1) over (order by n.id) as running
        from new_rows n
    ) x
   where x.running <= 6998;
  if v_ids <> '[]' then
    perform pg_notify(sms_monitor._notify_channel(), v_ids);
  end if;
  return null;
end;
$$;

comment on function sms_monitor._notify_sms_notifications() is
  'Internal trigger: NOTIFY sms_monitor_notifications with a JSON array of the inserted ids (<= 7000 bytes).';
revoke all on function sms_monitor._notify_sms_notifications() from public;
--! EndIncluded functions/_notify_sms_notifications.sql
--! Included functions/release_sms_notifications.sql
-- Graceful shutdown of a notifier: the pending rows p_worker holds go back to the queue at once,
-- the attempt not counted (they were never tried), and a NOTIFY tells the other notifiers.
create or replace function sms_monitor.release_sms_notifications(p_worker text)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids bigint[];
begin
  if p_worker is null or btrim(p_worker) = '' then
    raise exception 'worker: is required' using errcode = '22023';
  end if;
  with released as (
    update sms_monitor.sms_alert_notifications n
       set locked_by = null,
           locked_until = null,
           attempts = greatest(n.attempts - 1, 0),
           updated_at = now()
     where n.status = 'pending' and n.locked_by = p_worker
    returning n.id
  )
  select array_agg(r.id order by r.id) into v_ids from released r;
  -- Other notifiers pick the rows up at once (same payload shape as the insert trigger's NOTIFY,
  -- cut to the ids that fit in 7000 bytes; the table stays the truth).
  if v_ids is not null then
    perform pg_notify(sms_monitor._notify_channel(), (
      select '[' || string_agg(x.id::text, ',' order by x.id) || ']'
        from (select u.id, sum(length(u.id::text) + 1) over (order by u.id) as running
                from unnest(v_ids) u(id)) x
       where x.running <= 6998));
  end if;
  return coalesce(cardinality(v_ids), 0);
end;
$$;

comment on function sms_monitor.release_sms_notifications(text) is
  'Notifier, graceful shutdown: rows leased by p_worker become claimable at once, the attempt not counted; '
  'returns how many were released and NOTIFYs sms_monitor_notifications with their ids.';
revoke all on function sms_monitor.release_sms_notifications(text) from public;
grant execute on function sms_monitor.release_sms_notifications(text) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/release_sms_notifications.sql
--! Included functions/retry_sms_notifications.sql
-- Re-sends what failed: failed and dead outbox rows go back to pending, due now, with their
-- attempts reset (last_error is kept until the next attempt tells a new story), and the notifier
-- hears of them at once (NOTIFY sms_monitor_notifications with the ids, as the insert trigger
-- does). Which rows:
--   p_id          one notification (failed or dead; anything else is 22023, unknown P0002)
--   p_alert_id    every failed or dead notification of one incident (unknown incident P0002)
--   neither       every failed or dead notification
-- A row followed by a delivered notification of the same incident and channel (a failed trigger
-- whose resolve went out) is never re-sent: it would reach the provider out of order (PagerDuty
-- would open an incident nobody resolves). Naming such a row by id is 22023. Returns the rows it
-- reset, by id. Admin only.
create or replace function sms_monitor.retry_sms_notifications(
  p_id bigint default null,
  p_alert_id uuid default null
)
returns setof sms_monitor.sms_alert_notifications
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_notifications;
  v_later text;
  v_ids bigint[];
  v_alerts uuid[];
  v_alert uuid;
  v_payload text;
begin
  if p_id is not null and p_alert_id is not null then
    raise exception 'id: give a notification id or an alert id, not both' using errcode = '22023';
  end if;
  if p_id is not null and p_id < 1 then
    raise exception 'id: must be a positive notification id (got %)', p_id using errcode = '22023';
  end if;
  if p_id is not null then
    select * into v_row from sms_monitor.sms_alert_notifications n where n.id = p_id for update;
    if not found then
      raise exception 'id: notification % does not exist', p_id using errcode = 'P0002';
    end if;
    if v_row.status not in ('failed', 'dead') then
      raise exception 'id: notification % is %; only failed or dead notifications are retried', p_id, v_row.status
        using errcode = '22023';
    end if;
    select l.channel || '/' || l.event into v_later
      from sms_monitor.sms_alert_notifications l
     where l.alert_id = v_row.alert_id and l.channel = v_row.channel and l.id > v_row.id and l.status = 'sent'
     order by l.id
     limit 1;
    if v_later is not null then
      raise exception 'id: notification % (%/%) was followed by % which was delivered: re-sending it would arrive out of order',
        p_id, v_row.channel, v_row.event, v_later using errcode = '22023';
    end if;
  end if;
  if p_alert_id is not null
     and not exists (select from sms_monitor.sms_alert_history h where h.id = p_alert_id) then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;

  with chosen as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status in ('failed', 'dead')
       and (p_id is null or n.id = p_id)
       and (p_alert_id is null or n.alert_id = p_alert_id)
       and not exists (
         select from sms_monitor.sms_alert_notifications l
          where l.alert_id = n.alert_id and l.channel = n.channel and l.id > n.id and l.status = 'sent')
     order by n.id
     for update
  ), reset as (
    update sms_monitor.sms_alert_notifications n
       set status = 'pending', attempts = 0, next_attempt_at = now(), locked_by = null, locked_until = null,
           updated_at = now()
      from chosen c
     where n.id = c.id
    returning n.id, n.alert_id
  )
  select array_agg(r.id order by r.id), array_agg(distinct r.alert_id) into v_ids, v_alerts from reset r;

  if v_ids is null then
    return;
  end if;
  foreach v_alert in array v_alerts loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;
  -- The same hint as the insert trigger: a JSON array of ids under 7000 bytes (the table is the truth).
  select '[' || string_agg(x.id::text, ',' order by x.id) || ']' into v_payload
    from (select i.id, sum(length(i.id::text) + 1) over (order by i.id) as running
            from unnest(v_ids) as i(id)) x
   where x.running <= 6998;
  perform pg_notify(sms_monitor._notify_channel(), v_payload);

  return query
  select n.* from sms_monitor.sms_alert_notifications n where n.id = any (v_ids) order by n.id;
end;
$$;

comment on function sms_monitor.retry_sms_notifications(bigint, uuid) is
  'Admin: re-sends failed and dead notifications (one by p_id, one incident''s by p_alert_id, or all): pending, '
  'due now, attempts 0, NOTIFY sms_monitor_notifications. Rows followed by a delivered notification of the same '
  'incident and channel are skipped (out of order). Returns the rows reset. Not failed/dead, out of order, bad id: '
  '22023; unknown id: P0002.';
revoke all on function sms_monitor.retry_sms_notifications(bigint, uuid) from public;
grant execute on function sms_monitor.retry_sms_notifications(bigint, uuid) to sms_monitor_admin;
--! EndIncluded functions/retry_sms_notifications.sql
--! Included functions/_alert_history_dedup_key.sql
-- Trigger (BEFORE INSERT on sms_alert_history): fixes the incident's PagerDuty dedup_key when it
-- opens, from its rule name and id at that moment (_alert_dedup_key); every later event of the incident (repeat,
-- acknowledge, resolve) is queued with this key, so renaming the rule while it is open cannot split
-- the trigger and the resolve into two PagerDuty incidents. An update cannot change it.
create or replace function sms_monitor._alert_history_dedup_key()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    new.dedup_key := coalesce(new.dedup_key, sms_monitor._alert_dedup_key(new.alert_type, new.id));
  else
    new.dedup_key := old.dedup_key;
  end if;
  return new;
end;
$$;

comment on function sms_monitor._alert_history_dedup_key() is
  'Internal trigger: sets sms_alert_history.dedup_key at insert (sms-monitor/<alert_type>/<id>) and keeps it on update.';
revoke all on function sms_monitor._alert_history_dedup_key() from public;
--! EndIncluded functions/_alert_history_dedup_key.sql
--! Included functions/_alert_enqueue.sql
-- Queues one outbox row per channel for an event of an incident, with the payload the notifier
-- renders (notifier/types.ts NotificationPayload). The message depends on the event; metric_value is the latest
-- evaluated value (the value at resolution for a resolve), trigger_value the value it fired with;
-- value_text / trigger_value_text are the same with the metric's unit ("93.02 %"). A resolve of an
-- incident whose trigger never reached a channel supersedes what waits there
-- (_alert_supersede_unreached). Returns how many rows were queued.
create or replace function sms_monitor._alert_enqueue(p_alert_id uuid, p_event text, p_channels text[])
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
begin
  if coalesce(cardinality(p_channels), 0) = 0 then
    return 0;
  end if;
  insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
  select h.id, c.channel, p_event, jsonb_build_object(
           'alert_id', h.id,
           'alert_type', h.alert_type,
           'event', p_event,
           'severity', h.severity,
           'metric', h.metric,
           'comparison', h.comparison,
           'metric_value', x.value,
           'threshold_value', h.threshold_value,
           'recovery_value', h.recovery_value,
           'window_minutes', h.window_minutes,
           'sample_size', h.sample_size,
           'message', case p_event
               when 'trigger' then h.message
               when 'repeat' then format('Still firing since %s: %s is now %s (threshold: %s %s).',
                 to_char(h.triggered_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), m.label,
                 sms_monitor._alert_format_value(x.value, m.unit), h.comparison,
                 sms_monitor._alert_format_value(h.threshold_value, m.unit))
               when 'acknowledge' then format('Acknowledged by %s: %s', h.acknowledged_by, h.message)
               when 'resolve' then case when h.resolved_by = 'auto'
                 then format('Resolved: %s was %s, back at %s.', m.label,
                   sms_monitor._alert_format_value(h.metric_value, m.unit), sms_monitor._alert_format_value(x.value, m.unit))
                 else format('Resolved by %s: %s', h.resolved_by, h.message) end
             end,
           'trigger_value', h.metric_value,
           'value_text', sms_monitor._alert_format_value(x.value, m.unit),
           'trigger_value_text', sms_monitor._alert_format_value(h.metric_value, m.unit),
           'description', t.description,
           'triggered_at', h.triggered_at,
           'resolved_at', h.resolved_at,
           'resolved_by', h.resolved_by,
           'acknowledged_at', h.acknowledged_at,
           'acknowledged_by', h.acknowledged_by,
           -- fixed when the incident opened (_alert_history_dedup_key): a renamed rule keeps its incidents' keys
           'dedup_key', h.dedup_key)
    from sms_monitor.sms_alert_history h
    join sms_monitor.sms_alert_thresholds t on t.alert_type = h.alert_type
    join sms_monitor.sms_alert_metrics m on m.metric = h.metric
   cross join lateral (select case when p_event = 'resolve' and h.resolution_value is not null
                                   then h.resolution_value else coalesce(h.last_value, h.metric_value) end as value) x
   cross join lateral (select distinct u.channel from unnest(p_channels) u(channel)) c
   where h.id = p_alert_id
   order by c.channel;
  get diagnostics v_count = row_count;
  if p_event = 'resolve' then
    perform sms_monitor._alert_supersede_unreached(p_alert_id);
  end if;
  perform sms_monitor._alert_sync_notification_status(p_alert_id);
  return v_count;
end;
$$;

comment on function sms_monitor._alert_enqueue(uuid, text, text[]) is
  'Internal: queues an outbox row per channel for an incident event (trigger, repeat, acknowledge, resolve).';
revoke all on function sms_monitor._alert_enqueue(uuid, text, text[]) from public;
--! EndIncluded functions/_alert_enqueue.sql
-- Channel lists read from the enum.
--! Included functions/claim_sms_notifications.sql
-- The notifier's claim: due rows (pending, next_attempt_at reached, no live lease) of the channels
-- p_channels (the ones this notifier is configured for; NULL = every channel), oldest first,
-- skipping rows another worker holds (for update skip locked). Each claim counts as an attempt and
-- leases the row to p_worker for p_lease_seconds (the notifier renews the lease while a delivery is
-- in flight: renew_sms_notification_leases); a crashed worker's rows come back when the lease runs
-- out. A row whose lease ran out max_attempts times without an answer (attempts - retries: the
-- worker crashed on it each time) is marked dead instead of being claimed again (a message that
-- crashes the worker must not loop forever); temporary provider failures (retries) do not count.
-- One incident's notifications to one channel go out in order: a row is due only when no earlier
-- row (lower id) of the same (alert_id, channel) is still pending, leased or waiting for a retry,
-- so a retried trigger can never reach the provider after its resolve.
create or replace function sms_monitor.claim_sms_notifications(
  p_worker text,
  p_limit integer default 10,
  p_lease_seconds integer default 60,
  p_channels text[] default null
)
returns setof sms_monitor.sms_alert_notifications
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_dead uuid[];
  v_alert uuid;
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'limit: must be between 1 and 1000 (got %)', coalesce(p_limit::text, 'NULL') using errcode = '22023';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 3600 then
    raise exception 'lease_seconds: must be between 1 and 3600 (got %)', coalesce(p_lease_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_channels is not null and (cardinality(p_channels) > 4
      or not p_channels <@ enum_range(null::sms_monitor.notification_channel)::text[]) then
    raise exception 'channels: must list only % (got %)',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', '), p_channels::text
      using errcode = '22023';
  end if;

  with expired as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending' and n.locked_until <= now() and n.attempts - n.retries >= n.max_attempts
       and (p_channels is null or n.channel = any(p_channels))
     for update skip locked
  ), dead as (
    update sms_monitor.sms_alert_notifications n
       set status = 'dead', locked_by = null, locked_until = null, updated_at = now(),
           last_error = coalesce(n.last_error || '; ', '')
             || format('lease of %s expired on attempt %s of %s (worker crashed?)', n.locked_by, n.attempts - n.retries, n.max_attempts)
      from expired e
     where n.id = e.id
    returning n.alert_id
  )
  select array_agg(distinct d.alert_id) into v_dead from dead d;
  foreach v_alert in array coalesce(v_dead, '{}') loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;

  -- An incident resolved before its trigger reached one of these channels: supersede what waits
  -- (_alert_supersede_unreached) rather than page for what is over. Catches what the resolve's own
  -- attempt left alone because a row was in flight at that moment.
  for v_alert in
    select distinct r.alert_id from sms_monitor.sms_alert_notifications r
     where r.status = 'pending' and r.event = 'resolve'
       and (p_channels is null or r.channel = any(p_channels))
       and exists (select from sms_monitor.sms_alert_notifications t
                    where t.alert_id = r.alert_id and t.channel = r.channel and t.status = 'pending'
                      and t.event in ('trigger', 'repeat') and t.id < r.id)
       and not exists (select from sms_monitor.sms_alert_notifications t
                        where t.alert_id = r.alert_id and t.channel = r.channel and t.status = 'sent'
                          and t.event in ('trigger', 'repeat'))
  loop
    perform sms_monitor._alert_supersede_unreached(v_alert);
  end loop;

  return query
  with due as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending'
       and n.next_attempt_at <= now()
       and (n.locked_until is null or n.locked_until <= now())
       and (p_channels is null or n.channel = any(p_channels))
       and not exists (
         select from sms_monitor.sms_alert_notifications p
          where p.alert_id = n.alert_id and p.channel = n.channel and p.status = 'pending' and p.id < n.id)
     order by n.next_attempt_at, n.id
     limit p_limit
     for update skip locked
  ), claimed as (
    update sms_monitor.sms_alert_notifications n
       set locked_by = p_worker,
           locked_until = now() + make_interval(secs => p_lease_seconds),
           attempts = n.attempts + 1,
           updated_at = now()
      from due
     where n.id = due.id
    returning n.*
  )
  select c.* from claimed c order by c.next_attempt_at, c.id;
end;
$$;

comment on function sms_monitor.claim_sms_notifications(text, integer, integer, text[]) is
  'Notifier: leases up to p_limit due outbox rows of the channels p_channels (NULL: all) to p_worker for '
  'p_lease_seconds (for update skip locked), oldest first; each claim counts one attempt. A row waits while an '
  'earlier row of the same incident and channel is pending (in-order delivery: trigger, acknowledge, resolve).';
revoke all on function sms_monitor.claim_sms_notifications(text, integer, integer, text[]) from public;
grant execute on function sms_monitor.claim_sms_notifications(text, integer, integer, text[])
  to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/claim_sms_notifications.sql
--! Included functions/sms_notifier_heartbeat.sql
-- A running notifier says which channels it serves (configured for), every few seconds: the row
-- lives until expires_at (now() + p_ttl_seconds). A channel no live notifier serves is "not
-- configured": its rows wait (pending) and sms_alert_status says so. p_channels NULL signs the
-- worker off (graceful shutdown). Rows that expired more than a day ago are cleaned up.
create or replace function sms_monitor.sms_notifier_heartbeat(
  p_worker text,
  p_channels text[],
  p_ttl_seconds integer default 30
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_channels is not null and (cardinality(p_channels) > 4
      or not p_channels <@ enum_range(null::sms_monitor.notification_channel)::text[]) then
    raise exception 'channels: must list only % (got %)',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', '), p_channels::text
      using errcode = '22023';
  end if;
  if p_ttl_seconds is null or p_ttl_seconds < 1 or p_ttl_seconds > 3600 then
    raise exception 'ttl_seconds: must be between 1 and 3600 (got %)', coalesce(p_ttl_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  delete from sms_monitor.sms_notifier_heartbeats h where h.expires_at < now() - interval '1 day';
  if p_channels is null then
    delete from sms_monitor.sms_notifier_heartbeats h where h.worker = p_worker;
    return;
  end if;
  insert into sms_monitor.sms_notifier_heartbeats as h (worker, channels, started_at, last_seen_at, expires_at)
  values (p_worker, (select coalesce(array_agg(distinct c order by c), '{}') from unnest(p_channels) c),
          now(), now(), now() + make_interval(secs => p_ttl_seconds))
  on conflict (worker) do update
     set channels = excluded.channels, last_seen_at = now(), expires_at = excluded.expires_at;
end;
$$;

comment on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) is
  'Notifier: records that p_worker is alive and serves p_channels until now() + p_ttl_seconds; NULL channels '
  'signs it off. Bad arguments: 22023.';
revoke all on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) from public;
grant execute on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) to sms_monitor_notifier;
--! EndIncluded functions/sms_notifier_heartbeat.sql
--! Included functions/_alert_thresholds_validate.sql
-- Trigger on sms_monitor.sms_alert_thresholds: explains what is wrong with a rule in words
-- (SQLSTATE 22023, message starting with the column name) before the CHECK constraints, which
-- stay as the safety net, would reject it with only a constraint name.
create or replace function sms_monitor._alert_thresholds_validate()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_bad text;
begin
  if new.alert_type is null or new.alert_type !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'alert_type: % must be lower-case letters, digits and _ (1-63 characters, starting with a letter)',
      coalesce(quote_literal(new.alert_type), 'NULL') using errcode = '22023';
  end if;
  if new.metric is null or not exists (select from sms_monitor.sms_alert_metrics m where m.metric = new.metric) then
    raise exception 'metric: unknown metric % (allowed: %)', coalesce(quote_literal(new.metric), 'NULL'),
      (select string_agg(m.metric, ', ' order by m.metric) from sms_monitor.sms_alert_metrics m)
      using errcode = '22023';
  end if;
  if new.comparison is null or new.comparison not in ('<', '<=', '>', '>=') then
    raise exception 'comparison: unknown operator % (allowed: <, <=, >, >=)',
      coalesce(quote_literal(new.comparison), 'NULL') using errcode = '22023';
  end if;
  if new.threshold_value is null or new.threshold_value in ('NaN', 'Infinity', '-Infinity') then
    raise exception 'threshold_value: must be a finite number (got %)', coalesce(new.threshold_value::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.threshold_value < 0 then
    raise exception 'threshold_value: must not be negative (got %)', new.threshold_value using errcode = '22023';
  end if;
  if new.threshold_value > 1000000 or scale(new.threshold_value) > 6 then
    raise exception 'threshold_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.threshold_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null and new.recovery_value not in ('NaN', 'Infinity', '-Infinity')
     and (new.recovery_value > 1000000 or scale(new.recovery_value) > 6) then
    raise exception 'recovery_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.recovery_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null then
    if new.recovery_value in ('NaN', 'Infinity', '-Infinity') or new.recovery_value < 0 then
      raise exception 'recovery_value: must be NULL or a finite number >= 0 (got %)', new.recovery_value
        using errcode = '22023';
    end if;
    if new.comparison in ('<', '<=') and new.recovery_value < new.threshold_value then
      raise exception 'recovery_value: % is below threshold_value %: a rule that fires when the metric is % % resolves only at or above its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
    if new.comparison in ('>', '>=') and new.recovery_value > new.threshold_value then
      raise exception 'recovery_value: % is above threshold_value %: a rule that fires when the metric is % % resolves only at or below its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
  end if;
  if new.window_minutes is null or new.window_minutes < 1 or new.window_minutes > 43200 then
    raise exception 'window_minutes: must be between 1 and 43200 (30 days) (got %)',
      coalesce(new.window_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if new.min_sample is null or new.min_sample < 1 then
    raise exception 'min_sample: must be at least 1 (got %)', coalesce(new.min_sample::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.pending_minutes is null or new.pending_minutes < 0 or new.pending_minutes > 10080 then
    raise exception 'pending_minutes: must be between 0 and 10080 (got %)', coalesce(new.pending_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.cooldown_minutes is null or new.cooldown_minutes < 1 or new.cooldown_minutes > 10080 then
    raise exception 'cooldown_minutes: must be between 1 and 10080 (got %)', coalesce(new.cooldown_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.severity is null or new.severity <> all (enum_range(null::sms_monitor.alert_severity)::text[]) then
    raise exception 'severity: unknown severity % (allowed: %)', coalesce(quote_literal(new.severity), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.alert_severity), ', ') using errcode = '22023';
  end if;
  if new.notification_channels is not null and array_ndims(new.notification_channels) > 1 then
    raise exception 'notification_channels: must be a flat list such as {slack,log} (got % dimensions)',
      array_ndims(new.notification_channels) using errcode = '22023';
  end if;
  if new.notification_channels is null or cardinality(new.notification_channels) = 0 then
    raise exception 'notification_channels: needs at least one of %',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  select c into v_bad from unnest(new.notification_channels) c
   where c is null or c <> all (enum_range(null::sms_monitor.notification_channel)::text[]) limit 1;
  if found then
    raise exception 'notification_channels: unknown channel % (allowed: %)', coalesce(quote_literal(v_bad), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  if cardinality(new.notification_channels) <> (select count(distinct c) from unnest(new.notification_channels) c) then
    raise exception 'notification_channels: lists a channel twice (%)', array_to_string(new.notification_channels, ', ')
      using errcode = '22023';
  end if;
  if new.description is null or btrim(new.description) = '' then
    raise exception 'description: is required (say what the rule watches and what to do)' using errcode = '22023';
  end if;
  if length(new.description) > 2000 then
    raise exception 'description: % characters is more than the 2000 allowed', length(new.description)
      using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function sms_monitor._alert_thresholds_validate() is
  'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';
revoke all on function sms_monitor._alert_thresholds_validate() from public;
--! EndIncluded functions/_alert_thresholds_validate.sql
--! Included functions/api_prometheus_metrics.sql
-- GET /metrics as a function: the Prometheus text exposition format (version 0.0.4), for people
-- who already run Prometheus and Grafana. Every family has HELP and TYPE; all are gauges (today's
-- figures restart at midnight of the reporting timezone, so they are not counters):
--   sms_monitor_today_events{type}                today's count per counter type
--   sms_monitor_today_cost_usd{kind}              today's LLM and SMS cost
--   sms_monitor_today_rate_percent{rate}          delivery and LLM success rate (absent without traffic)
--   sms_monitor_today_active_users                distinct users today
--   sms_monitor_open_incidents{rule,severity}     1 while the rule has an open incident, else 0
--   sms_monitor_outbox_notifications{channel,status}  outbox rows (every channel x status, zeros included)
--   sms_monitor_oldest_pending_notification_age_seconds  0 when nothing is pending
-- Today's figures come from api_today_metrics (sms_metrics_daily, refreshed every 5 minutes).
create or replace function sms_monitor.api_prometheus_metrics(p_now timestamptz default now())
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today jsonb;
  v_out text[] := '{}';
  v_type text;
  v_line text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.api_today_metrics(p_now) -> 'data';

  v_out := v_out || '# HELP sms_monitor_today_events Events recorded today (reporting timezone), per metric type.'::text
                 || '# TYPE sms_monitor_today_events gauge'::text;
  foreach v_type in array array['scheduled_count', 'sent_count', 'delivered_count', 'failed_count', 'cancelled_count',
                                'llm_success_count', 'template_fallback_count', 'opt_out_count',
                                'quiet_hours_skip_count', 'daily_limit_hit_count'] loop
    v_out := v_out || format('sms_monitor_today_events{type="%s"} %s', v_type, v_today ->> v_type);
  end loop;
  v_out := v_out || '# HELP sms_monitor_today_cost_usd Cost recorded today in USD, per kind.'::text
                 || '# TYPE sms_monitor_today_cost_usd gauge'::text
                 || format('sms_monitor_today_cost_usd{kind="llm"} %s', v_today ->> 'llm_cost_usd')
                 || format('sms_monitor_today_cost_usd{kind="sms"} %s', v_today ->> 'sms_cost_usd');
  v_out := v_out || '# HELP sms_monitor_today_rate_percent Today''s delivery rate (delivered / sent) and LLM success rate, in percent; absent without traffic.'::text
                 || '# TYPE sms_monitor_today_rate_percent gauge'::text;
  if v_today ->> 'delivery_rate_percent' is not null then
    v_out := v_out || format('sms_monitor_today_rate_percent{rate="delivery"} %s', v_today ->> 'delivery_rate_percent');
  end if;
  if v_today ->> 'llm_success_rate_percent' is not null then
    v_out := v_out || format('sms_monitor_today_rate_percent{rate="llm_success"} %s', v_today ->> 'llm_success_rate_percent');
  end if;
  v_out := v_out || '# HELP sms_monitor_today_active_users Distinct users with any metric today.'::text
                 || '# TYPE sms_monitor_today_active_users gauge'::text
                 || format('sms_monitor_today_active_users %s', v_today ->> 'active_users');

  v_out := v_out || '# HELP sms_monitor_open_incidents 1 while the alert rule has an open incident, else 0.'::text
                 || '# TYPE sms_monitor_open_incidents gauge'::text;
  for v_line in
    select format('sms_monitor_open_incidents{rule="%s",severity="%s"} %s', t.alert_type, t.severity,
                  (exists (select from sms_monitor.sms_alert_history h
                            where h.alert_type = t.alert_type and h.resolved_at is null))::int)
      from sms_monitor.sms_alert_thresholds t
     order by t.alert_type
  loop
    v_out := v_out || v_line;
  end loop;

  v_out := v_out || '# HELP sms_monitor_outbox_notifications Notification outbox rows per channel and status.'::text
                 || '# TYPE sms_monitor_outbox_notifications gauge'::text;
  for v_line in
    select format('sms_monitor_outbox_notifications{channel="%s",status="%s"} %s', c.channel, s.status,
                  (select count(*) from sms_monitor.sms_alert_notifications n
                    where n.channel = c.channel and n.status = s.status))
      from unnest(enum_range(null::sms_monitor.notification_channel)::text[]) c(channel)
     cross join unnest(enum_range(null::sms_monitor.notification_status)::text[]) s(status)
     order by c.channel, s.status
  loop
    v_out := v_out || v_line;
  end loop;

  v_out := v_out || '# HELP sms_monitor_oldest_pending_notification_age_seconds Age of the oldest pending notification (0 when none).'::text
                 || '# TYPE sms_monitor_oldest_pending_notification_age_seconds gauge'::text
                 || format('sms_monitor_oldest_pending_notification_age_seconds %s', coalesce((
                      select round(greatest(extract(epoch from p_now - min(n.created_at)), 0), 3)
                        from sms_monitor.sms_alert_notifications n where n.status = 'pending'), 0));
  return array_to_string(v_out, E'\n') || E'\n';
end;
$$;

comment on function sms_monitor.api_prometheus_metrics(timestamptz) is
  'GET /metrics: Prometheus text format (0.0.4): today''s events, costs, rates and active users, open incidents by '
  'rule and severity, outbox rows by channel and status, the age of the oldest pending notification. All gauges.';
revoke all on function sms_monitor.api_prometheus_metrics(timestamptz) from public;
grant execute on function sms_monitor.api_prometheus_metrics(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_prometheus_metrics.sql
-- The evaluation loop emits each rule's row in one place; check_sms_alerts names the action enum.
--! Included functions/_alert_evaluate.sql
-- The alert engine behind check_sms_alerts (which bounds p_now to the server clock) and
-- preview_sms_alerts (which runs it with p_preview and rolls it back). Internal: owner only, so
-- tests can drive it at any instant.
-- Evaluates every enabled rule at p_now and moves its incident along (and resolves the open
-- incident of a rule that was disabled); returns one row per rule with what it did:
--   no_data      too little data (value NULL or sample < min_sample): never a breach; an open
--                incident stays open, a pending timer restarts
--   ok           not breached, nothing open
--   pending      breached, but not yet for pending_minutes
--   fired        opened an incident and queued a trigger per channel
--   silenced     breached under a silence: the incident is recorded (silenced), nobody is told
--   unsilenced   the silence ended while the incident is open: the trigger is queued now
--   repeated     still breached, unacknowledged, cooldown elapsed since the last notification:
--                a repeat is queued
--   cooldown     still breached, within the cooldown
--   acknowledged still breached, acknowledged: no repeats
--   recovering   open, no longer breached but not yet past the recovery value (hysteresis)
--   resolved     past the recovery value (or the threshold): resolved automatically, a resolve
--                queued to the channels that were told
--   disabled_resolved  the rule was disabled while its incident was open: resolved with
--                resolved_by 'rule disabled', a resolve queued to the channels that were told
--   skipped      the rule was already evaluated at p_now or later (a concurrent or newer run):
--                nothing changed, so an older run can never undo a newer one
--   error        the rule's evaluation raised: detail (and sms_alert_status.last_error) says
--                "SQLSTATE: message"; everything it had done is rolled back (an open incident
--                stays open) and the other rules are evaluated as usual
-- Isolation: each rule runs in its own subtransaction (a BEGIN ... EXCEPTION block). The metric
-- values of all rules are computed in one statement (shared windows); if that statement fails,
-- each rule computes its own, so one rule's failure is that rule's alone, and the shared failure
-- stays visible: every rule's detail and sms_alert_status.last_error say "computed alone: the
-- shared computation failed with SQLSTATE: message".
-- The actions are the enum type sms_monitor.alert_action (sms_alert_rule_state.last_action is
-- checked against it).
-- p_preview: queue no notifications (no outbox rows, no NOTIFY, no sequence use); the caller
-- (preview_sms_alerts) rolls back everything else.
-- Concurrency: first every rule to evaluate (enabled, or disabled with an open incident) is locked
-- (_alert_lock_rule), in alert_type order; only then are the metric values computed, in a
-- statement whose snapshot sees everything committed before the locks were granted. Concurrent
-- runs serialise, and each sees the previous one's incidents and rule state (READ COMMITTED: every
-- statement takes a fresh snapshot). The partial unique index on open incidents is the last guard.
create or replace function sms_monitor._alert_evaluate(p_now timestamptz, p_preview boolean default false)
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_state sms_monitor.sms_alert_rule_state;
  v_open sms_monitor.sms_alert_history;
  v_no_data boolean;
  v_breached boolean;
  v_recovered boolean;
  v_silenced boolean;
  v_action text;
  v_alert uuid;
  v_types text[];
  v_type text;
  v_values jsonb;
  v_value jsonb;
  v_error text;
  v_values_error text;
  v_out_value numeric;
  v_out_sample bigint;
  v_detail text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  -- Lock first, compute after: values computed before the locks could be older than what a run
  -- that held them meanwhile saw and acted on.
  v_types := array(
    select t.alert_type from sms_monitor.sms_alert_thresholds t
     where t.is_enabled
        or exists (select from sms_monitor.sms_alert_history h where h.alert_type = t.alert_type and h.resolved_at is null)
     order by t.alert_type);
  foreach v_type in array v_types loop
    perform sms_monitor._alert_lock_rule(v_type);
  end loop;

  -- Every rule's value in one statement; when it fails, each rule computes its own below, and the
  -- failure is kept: each rule's row (detail) and state (last_error) say it was computed alone and why.
  begin
    select jsonb_object_agg(v.alert_type, jsonb_build_object('value', v.metric_value, 'sample', v.sample_size, 'detail', v.detail))
      into v_values
      from sms_monitor._alert_rule_values(p_now) v;
    v_values := coalesce(v_values, '{}'::jsonb);
  exception when others then
    v_values := null;
    v_values_error := left(format('computed alone: the shared computation failed with %s: %s', sqlstate, sqlerrm), 1000);
  end;

  for v_rule in
    select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
           t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
           t.is_enabled, m.label, m.unit, null::numeric as value, null::bigint as sample, null::text as detail
      from unnest(v_types) l(alert_type)
      join sms_monitor.sms_alert_thresholds t on t.alert_type = l.alert_type
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric
     order by t.alert_type
  loop
   -- Each branch sets what the rule's row reports (v_action NULL: nothing to report); the row is
   -- emitted once, after the subtransaction.
   v_action := null;
   v_alert := null;
   v_out_value := null;
   v_out_sample := null;
   v_detail := null;
   begin  -- one subtransaction per rule: its failure is reported as 'error' and undone, alone
    if v_rule.is_enabled then
      if v_values is not null then
        v_value := v_values -> v_rule.alert_type;
      else
        select jsonb_build_object('value', v.metric_value, 'sample', v.sample_size, 'detail', v.detail)
          into v_value
          from sms_monitor._alert_rule_values(p_now, v_rule.alert_type) v;
      end if;
      v_rule.value := (v_value ->> 'value')::numeric;
      v_rule.sample := (v_value ->> 'sample')::bigint;
      v_rule.detail := v_value ->> 'detail';
    end if;
    select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = v_rule.alert_type;
    select * into v_open from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    v_alert := v_open.id;

    if v_state.last_evaluated_at >= p_now then
      -- a newer (or concurrent, same-instant) run got here first: acting on p_now could undo it
      v_action := 'skipped';
      v_out_value := v_rule.value;
      v_out_sample := v_rule.sample;
      v_detail := format('already evaluated at %s (%s): nothing changed',
        to_char(v_state.last_evaluated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US "UTC"'), v_state.last_action);

    elsif not v_rule.is_enabled then
      -- v_open.id NULL: resolved meanwhile (by hand or by a concurrent run), nothing to report
      if v_open.id is not null then
        update sms_monitor.sms_alert_history h
           set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'rule disabled', silenced = false
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        end if;
        v_action := 'disabled_resolved';
        v_detail := 'the rule is disabled: its open incident is resolved';
        update sms_monitor.sms_alert_rule_state s
           set pending_since = null, last_evaluated_at = p_now, last_action = v_action,
               last_value = null, last_sample_size = null, last_error = null
         where s.alert_type = v_rule.alert_type;
      end if;

    else
      v_no_data := v_rule.value is null or coalesce(v_rule.sample, 0) < v_rule.min_sample;
      v_breached := not v_no_data and sms_monitor._alert_compare(v_rule.value, v_rule.comparison, v_rule.threshold_value);
      v_recovered := not v_no_data and not sms_monitor._alert_compare(
        v_rule.value, v_rule.comparison, coalesce(v_rule.recovery_value, v_rule.threshold_value));
      v_silenced := exists (
        select from sms_monitor.sms_alert_silences s
         where (s.alert_type is null or s.alert_type = v_rule.alert_type)
           and s.starts_at <= p_now and s.ends_at > p_now
           and (s.lifted_at is null or s.lifted_at > p_now));

      if v_open.id is null then
        if not v_breached then
          v_action := case when v_no_data then 'no_data' else 'ok' end;
          v_state.pending_since := null;
        elsif v_rule.pending_minutes > 0
              and coalesce(v_state.pending_since, p_now) + make_interval(mins => v_rule.pending_minutes) > p_now then
          v_action := 'pending';
          v_state.pending_since := coalesce(v_state.pending_since, p_now);
        else
          -- dedup_key is fixed here, at open, for every later event of the incident (a renamed
          -- rule keeps its incidents' keys): _alert_history_dedup_key sets it from the id
          insert into sms_monitor.sms_alert_history as h
            (alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value,
             window_minutes, sample_size, message, triggered_at, last_value, last_evaluated_at, silenced,
             last_notified_at)
          values
            (v_rule.alert_type, v_rule.severity, v_rule.metric, v_rule.comparison, v_rule.value,
             v_rule.threshold_value, v_rule.recovery_value, v_rule.window_minutes, v_rule.sample,
             format('%s is %s (threshold: %s %s) over the last %s min: %s.', v_rule.label,
               sms_monitor._alert_format_value(v_rule.value, v_rule.unit), v_rule.comparison,
               sms_monitor._alert_format_value(v_rule.threshold_value, v_rule.unit), v_rule.window_minutes,
               v_rule.detail),
             p_now, v_rule.value, p_now, v_silenced, case when v_silenced then null else p_now end)
          returning h.id into v_alert;
          if v_silenced then
            v_action := 'silenced';
          else
            if not p_preview then
              perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
            end if;
            v_action := 'fired';
          end if;
          v_state.pending_since := null;
        end if;
      else
        v_state.pending_since := null;
        if v_no_data then
          v_action := 'no_data';
          update sms_monitor.sms_alert_history h set last_evaluated_at = p_now where h.id = v_open.id;
        elsif v_recovered then
          update sms_monitor.sms_alert_history h
             set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'auto', resolution_value = v_rule.value,
                 last_value = v_rule.value, last_evaluated_at = p_now, silenced = false
           where h.id = v_open.id;
          if not p_preview then
            perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
          end if;
          v_action := 'resolved';
        else
          -- (silenced is left alone: it says "opened under a silence and not announced yet")
          update sms_monitor.sms_alert_history h
             set last_value = v_rule.value, last_evaluated_at = p_now
           where h.id = v_open.id;
          if v_silenced then
            v_action := 'silenced';
          elsif v_open.last_notified_at is null and v_breached then
            -- opened under a silence that has ended, and still breached: announce it now (in the
            -- hysteresis band it waits: it either breaches again or resolves without a word)
            update sms_monitor.sms_alert_history h set last_notified_at = p_now, silenced = false where h.id = v_open.id;
            if not p_preview then
              perform sms_monitor._alert_enqueue(v_open.id, 'trigger', v_rule.notification_channels);
              if v_open.acknowledged_at is not null then
                -- acknowledged while nobody had been told: tell them both now
                perform sms_monitor._alert_enqueue(v_open.id, 'acknowledge', v_rule.notification_channels);
              end if;
            end if;
            v_action := 'unsilenced';
          elsif not v_breached then
            v_action := 'recovering';
          elsif v_open.acknowledged_at is not null then
            v_action := 'acknowledged';
          elsif v_open.last_notified_at + make_interval(mins => v_rule.cooldown_minutes) <= p_now then
            update sms_monitor.sms_alert_history h
               set last_notified_at = p_now, repeat_count = h.repeat_count + 1
             where h.id = v_open.id;
            if not p_preview then
              perform sms_monitor._alert_enqueue(v_open.id, 'repeat', v_rule.notification_channels);
            end if;
            v_action := 'repeated';
          else
            v_action := 'cooldown';
          end if;
        end if;
      end if;

      v_out_value := v_rule.value;
      v_out_sample := v_rule.sample;
      v_detail := case when v_values_error is null then v_rule.detail
                       else concat_ws(' ', v_rule.detail, '(' || v_values_error || ')') end;
      update sms_monitor.sms_alert_rule_state s
         set pending_since = v_state.pending_since, last_evaluated_at = p_now, last_action = v_action,
             last_value = v_rule.value, last_sample_size = v_rule.sample, last_error = v_values_error
       where s.alert_type = v_rule.alert_type;
    end if;
   exception when others then
    -- everything this rule did is undone; its incident (if open) stays as it was
    v_error := left(format('%s: %s', sqlstate, sqlerrm), 2000);
    select h.id into v_alert from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    v_action := 'error';
    v_out_value := null;
    v_out_sample := null;
    v_detail := v_error;
    update sms_monitor.sms_alert_rule_state s
       set last_evaluated_at = p_now, last_action = v_action, last_value = null, last_sample_size = null,
           last_error = v_error
     where s.alert_type = v_rule.alert_type;
   end;

    if v_action is not null then
      alert_type := v_rule.alert_type;
      action := v_action;
      metric_value := v_out_value;
      threshold_value := v_rule.threshold_value;
      sample_size := v_out_sample;
      alert_id := v_alert;
      detail := v_detail;
      return next;
    end if;
  end loop;
end;
$$;

comment on function sms_monitor._alert_evaluate(timestamptz, boolean) is
  'Internal: the alert engine (check_sms_alerts and preview_sms_alerts call it); any p_now, each rule isolated; '
  'p_preview queues no notifications.';
revoke all on function sms_monitor._alert_evaluate(timestamptz, boolean) from public;
--! EndIncluded functions/_alert_evaluate.sql
--! Included functions/check_sms_alerts.sql
-- Evaluates every enabled rule now (pg_cron every minute) and moves incidents along: the actions
-- and the engine are described in _alert_evaluate.sql and docs/alerts.md. p_now may lie at most
-- _max_clock_skew() (5 minutes) ahead of the server clock: a run "in 2100" would make every real
-- evaluation until then 'skipped' (alerting off). For a what-if at any time use
-- preview_sms_alerts(p_now), which changes nothing. A rule whose evaluation fails reports 'error'
-- and does not stop the others.
create or replace function sms_monitor.check_sms_alerts(p_now timestamptz default now())
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  if p_now > now() + sms_monitor._max_clock_skew() then
    raise exception 'now: % is more than % ahead of the server clock (%): an evaluation in the future would '
      'make every real one until then skipped; use preview_sms_alerts(p_now) for a what-if',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  return query select * from sms_monitor._alert_evaluate(p_now, false);
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else '
  '22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; '
  'returns one row per rule with its action, a value of the enum sms_monitor.alert_action (skipped = already '
  'evaluated at p_now or later; error = the rule''s evaluation failed: SQLSTATE and message in detail, the other rules '
  'are unaffected). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/check_sms_alerts.sql

-- The API's one time format and one incident shape; one definition of health in every endpoint.
--! Included functions/_iso_utc.sql
-- The one time format of the HTTP API: ISO 8601 in UTC with a "Z" (2026-12-04T15:15:00Z), whole
-- seconds unless the time has a fraction (then microseconds: 2026-12-04T15:15:00.250000Z).
-- jsonb renders a timestamptz in the session's TimeZone ("+00:00", "+02:00"), so every api_*
-- function that returns a time formats it here instead. NULL stays NULL.
create or replace function sms_monitor._iso_utc(p_time timestamptz)
returns text
language sql
immutable
strict
parallel safe
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select to_char(p_time at time zone 'UTC',
                 case when extract(microseconds from p_time)::bigint % 1000000 = 0
                      then 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
                      else 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' end);
$$;

comment on function sms_monitor._iso_utc(timestamptz) is
  'A time as the HTTP API writes it: ISO 8601 UTC with Z (fraction only when there is one).';
revoke all on function sms_monitor._iso_utc(timestamptz) from public;
grant execute on function sms_monitor._iso_utc(timestamptz) to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/_iso_utc.sql
--! Included functions/_duration_text.sql
-- A duration in words for sentences the API writes: "42 s" (under a minute), "42 min", "3 h 5 min",
-- "12 d 4 h" (rounded down to the unit shown; negative durations count as 0). The dashboard page
-- writes duration_seconds the same way (fmtDuration in server/page/app.js).
create or replace function sms_monitor._duration_text(p_duration interval)
returns text
language sql
immutable
strict
parallel safe
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select case when s < 60 then s || ' s'
              when m < 60 then m || ' min'
              when m < 2880 then (m / 60) || ' h ' || (m % 60) || ' min'
              else (m / 1440) || ' d ' || ((m % 1440) / 60) || ' h' end
    from (select greatest(floor(extract(epoch from p_duration)), 0)::bigint as s) x,
         lateral (select x.s / 60 as m) y;
$$;

comment on function sms_monitor._duration_text(interval) is
  'A duration in words: 42 s, 42 min, 3 h 5 min (under 2 days), 12 d 4 h.';
revoke all on function sms_monitor._duration_text(interval) from public;
grant execute on function sms_monitor._duration_text(interval) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/_duration_text.sql
--! Included functions/_incident_json.sql
-- One incident (a sms_alert_history row) as every endpoint returns it: the row's columns, its
-- times in the API's format (_iso_utc), duration_seconds (resolved_at - triggered_at; NULL while
-- open), the metric's unit (sms_alert_metrics: percent or ratio) and the values as the alert
-- engine writes them in messages (_alert_format_value: "84.77 %", "2.50x"). api_alerts,
-- api_alert_detail, api_health and api_metrics_summary use it. Security definer: it reads the
-- internal formatter; it returns only the row it is given.
create or replace function sms_monitor._incident_json(p_incident sms_monitor.sms_alert_history)
returns jsonb
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select to_jsonb(p_incident) || jsonb_build_object(
    'triggered_at', sms_monitor._iso_utc(p_incident.triggered_at),
    'last_evaluated_at', sms_monitor._iso_utc(p_incident.last_evaluated_at),
    'resolved_at', sms_monitor._iso_utc(p_incident.resolved_at),
    'acknowledged_at', sms_monitor._iso_utc(p_incident.acknowledged_at),
    'last_notified_at', sms_monitor._iso_utc(p_incident.last_notified_at),
    'created_at', sms_monitor._iso_utc(p_incident.created_at),
    'duration_seconds', floor(extract(epoch from p_incident.resolved_at - p_incident.triggered_at))::bigint,
    'unit', m.unit,
    'value_text', sms_monitor._alert_format_value(coalesce(p_incident.last_value, p_incident.metric_value), m.unit),
    'threshold_text', sms_monitor._alert_format_value(p_incident.threshold_value, m.unit))
    from (select) one
    left join sms_monitor.sms_alert_metrics m on m.metric = p_incident.metric;
$$;

comment on function sms_monitor._incident_json(sms_monitor.sms_alert_history) is
  'An incident as the API returns it: its columns, times as ISO 8601 UTC (Z), duration_seconds (NULL while open), unit, value_text (latest value, with its unit), threshold_text.';
revoke all on function sms_monitor._incident_json(sms_monitor.sms_alert_history) from public;
grant execute on function sms_monitor._incident_json(sms_monitor.sms_alert_history) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/_incident_json.sql
--! Included functions/api_health.sql
-- The health that agrees with the alert engine: it comes from the open incidents and from every
-- enabled rule's value over the rule's own window (_alert_rule_values, the function
-- check_sms_alerts uses), never from a whole-day rate. Status, in order:
--   critical  an open critical incident (acknowledged or silenced: it is still open)
--   degraded  an open warning incident, or a rule breaching its threshold right now (with at
--             least min_sample samples) whose incident is not open yet (pending, or waiting for
--             the next check)
--   healthy   no open critical/warning incident, nothing breaching, at least one rule with data
--   unknown   the same, but no rule has enough data (no traffic yet): not known to be healthy
-- driving_rule names the rule that decided (the most severe, then the oldest incident, then
-- alert_type); NULL when healthy or unknown. Info incidents are listed but never degrade.
-- overall_healthy: true when healthy, NULL when unknown, false otherwise. This is the one
-- definition of health: api_today_metrics and api_metrics_summary return the same status,
-- overall_healthy, driving_rule, reason and as_of (this function's data without rules and open_incidents). Values carry the
-- metric's unit (value_text, threshold_text: "84.77 %"); times are ISO 8601 UTC (Z); the reason
-- holds no clock time (an incident says how long it has been open: _duration_text) and gives the
-- incident's latest value, as the incident lists show it (value_text), and the one that opened it.
create or replace function sms_monitor.api_health(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
declare
  v_rules jsonb;
  v_open jsonb;
  v_incident record;
  v_breach record;
  v_any_data boolean;
  v_status text;
  v_driver text;
  v_reason text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  with r as (
    select t.alert_type, t.severity, t.metric, t.comparison, t.threshold_value, t.recovery_value,
           t.window_minutes, t.min_sample, v.metric_value, v.sample_size, v.detail,
           case when v.metric_value is null or v.sample_size < t.min_sample then 'no_data'
                when sms_monitor._alert_compare(v.metric_value, t.comparison, t.threshold_value) then 'breached'
                else 'ok' end as state,
           h.id as open_alert_id, m.unit
      from sms_monitor._alert_rule_values(p_now) v
      join sms_monitor.sms_alert_thresholds t on t.alert_type = v.alert_type
      left join sms_monitor.sms_alert_metrics m on m.metric = t.metric
      left join sms_monitor.sms_alert_history h on h.alert_type = t.alert_type and h.resolved_at is null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'alert_type', r.alert_type, 'severity', r.severity, 'metric', r.metric, 'comparison', r.comparison,
           'threshold_value', r.threshold_value, 'recovery_value', r.recovery_value,
           'window_minutes', r.window_minutes, 'min_sample', r.min_sample, 'value', r.metric_value,
           'sample_size', r.sample_size, 'state', r.state, 'open_alert_id', r.open_alert_id, 'detail', r.detail,
           'unit', r.unit, 'value_text', sms_monitor._alert_format_value(r.metric_value, r.unit),
           'threshold_text', sms_monitor._alert_format_value(r.threshold_value, r.unit))
           order by r.alert_type), '[]'::jsonb),
         coalesce(bool_or(r.state <> 'no_data'), false)
    into v_rules, v_any_data
    from r;

  select coalesce(jsonb_agg(sms_monitor._incident_json(h)
           order by case h.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
                    h.triggered_at, h.alert_type), '[]'::jsonb)
    into v_open
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;

  select h.alert_type, h.severity, h.triggered_at, h.metric, h.comparison, j ->> 'value_text' as value_text,
         j ->> 'threshold_text' as threshold_text,
         sms_monitor._alert_format_value(h.metric_value, j ->> 'unit') as trigger_text
    into v_incident
    from sms_monitor.sms_alert_history h
   cross join lateral sms_monitor._incident_json(h) j
   where h.resolved_at is null and h.severity in ('critical', 'warning')
   order by case h.severity when 'critical' then 0 else 1 end, h.triggered_at, h.alert_type
   limit 1;
  select e ->> 'alert_type' as alert_type, e ->> 'severity' as severity, e ->> 'metric' as metric,
         e ->> 'value_text' as metric_value, e ->> 'comparison' as comparison, e ->> 'threshold_text' as threshold_value,
         e ->> 'window_minutes' as window_minutes
    into v_breach
    from jsonb_array_elements(v_rules) e
   where e ->> 'state' = 'breached' and e -> 'open_alert_id' = 'null'::jsonb
     and e ->> 'severity' in ('critical', 'warning')
   order by case e ->> 'severity' when 'critical' then 0 else 1 end, e ->> 'alert_type'
   limit 1;

  if v_incident.alert_type is not null and v_incident.severity = 'critical' then
    v_status := 'critical';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: critical incident open for %s: %s %s %s %s (it opened at %s)', v_incident.alert_type,
                       sms_monitor._duration_text(p_now - v_incident.triggered_at), v_incident.metric,
                       v_incident.value_text, v_incident.comparison, v_incident.threshold_text, v_incident.trigger_text);
  elsif v_incident.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: warning incident open for %s: %s %s %s %s (it opened at %s)', v_incident.alert_type,
                       sms_monitor._duration_text(p_now - v_incident.triggered_at), v_incident.metric,
                       v_incident.value_text, v_incident.comparison, v_incident.threshold_text, v_incident.trigger_text);
  elsif v_breach.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_breach.alert_type;
    v_reason := format('%s: %s %s %s %s over the last %s minutes; no incident open yet', v_breach.alert_type,
                       v_breach.metric, v_breach.metric_value, v_breach.comparison, v_breach.threshold_value,
                       v_breach.window_minutes);
  elsif v_any_data then
    v_status := 'healthy';
    v_reason := 'no open critical or warning incident, no rule breaching its threshold';
  else
    v_status := 'unknown';
    v_reason := 'no rule has enough data yet (no traffic in its window)';
  end if;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object(
      'status', v_status,
      'driving_rule', v_driver,
      'overall_healthy', case v_status when 'healthy' then true when 'unknown' then null else false end,
      'reason', v_reason,
      'as_of', sms_monitor._iso_utc(p_now),
      'open_incidents', v_open,
      'rules', v_rules));
end;
$$;

comment on function sms_monitor.api_health(timestamptz) is
  'Dashboard health that agrees with the alert engine: {success, data: {status critical|degraded|healthy|unknown, '
  'overall_healthy (true/NULL when unknown/false), driving_rule, reason, as_of, open_incidents, rules: [each enabled rule''s value over its window, state '
  'breached|ok|no_data, open_alert_id]}}. Critical = an open critical incident; degraded = an open warning '
  'incident or a rule breaching without an incident yet; unknown = no rule has data.';
revoke all on function sms_monitor.api_health(timestamptz) from public;
grant execute on function sms_monitor.api_health(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_health.sql
--! Included functions/api_today_metrics.sql
-- GET /api/sms/metrics/today as a function: today's figures plus health. By default they come from
-- sms_metrics_daily (pg_cron refreshes it every 5 minutes: sub-millisecond at any size; the health
-- adds api_health, about 1.5 ms with 22,500 buckets today); p_live =>
-- true aggregates sms_metrics instead (exact to the last commit, but it reads every bucket of the
-- day: ~80 ms at 29,000 buckets a day). A view never refreshed is read live. "source" says which
-- ("sms_metrics_daily" or "live"); the dashboard page reads live, so its tiles and its top-users
-- table (also live) show the same moment.
-- health is the alert engine's (api_health at the same p_now, without its rules and open incident
-- lists): {status critical|degraded|healthy|unknown, overall_healthy (NULL when unknown),
-- driving_rule, reason, as_of}; there is no other definition of health. as_of is p_now as ISO 8601
-- UTC (Z). Figures are JSON numbers.
create or replace function sms_monitor.api_today_metrics(
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date;
  v_live boolean;
  v_d sms_monitor.sms_metrics_daily%rowtype;
begin
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  v_live := coalesce(p_live, false) or not (select c.relispopulated from pg_catalog.pg_class c
                                            where c.oid = 'sms_monitor.sms_metrics_daily'::regclass);
  if v_live then
    select v_today,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0),
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0),
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0), 2),
           round(sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
                 / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0), 2),
           null, null,
           count(distinct m.user_id)
      into v_d
      from sms_monitor.sms_metrics m
     where m.metric_date = v_today;
  else
    select * into v_d from sms_monitor.sms_metrics_daily d where d.metric_date = v_today;
  end if;
  -- No row in the view (nothing recorded today as of its refresh): zeros and unknowns.
  v_d.metric_date := v_today;
  v_d.scheduled_count := coalesce(v_d.scheduled_count, 0);
  v_d.sent_count := coalesce(v_d.sent_count, 0);
  v_d.delivered_count := coalesce(v_d.delivered_count, 0);
  v_d.failed_count := coalesce(v_d.failed_count, 0);
  v_d.cancelled_count := coalesce(v_d.cancelled_count, 0);
  v_d.llm_success_count := coalesce(v_d.llm_success_count, 0);
  v_d.template_fallback_count := coalesce(v_d.template_fallback_count, 0);
  v_d.opt_out_count := coalesce(v_d.opt_out_count, 0);
  v_d.quiet_hours_skip_count := coalesce(v_d.quiet_hours_skip_count, 0);
  v_d.daily_limit_hit_count := coalesce(v_d.daily_limit_hit_count, 0);
  v_d.llm_cost_usd := coalesce(v_d.llm_cost_usd, 0);
  v_d.sms_cost_usd := coalesce(v_d.sms_cost_usd, 0);
  v_d.active_users := coalesce(v_d.active_users, 0);
  v_d.delivery_rate_percent := round(100 * v_d.delivered_count::numeric / nullif(v_d.sent_count, 0), 2);
  v_d.llm_success_rate_percent := round(100 * v_d.llm_success_count::numeric
                                        / nullif(v_d.llm_success_count + v_d.template_fallback_count, 0), 2);
  return jsonb_build_object(
    'success', true,
    'source', case when v_live then 'live' else 'sms_metrics_daily' end,
    'as_of', sms_monitor._iso_utc(p_now),
    'data', to_jsonb(v_d) || jsonb_build_object(
      'health', (sms_monitor.api_health(p_now) -> 'data') - 'rules' - 'open_incidents'));
end;
$$;

comment on function sms_monitor.api_today_metrics(timestamptz, boolean) is
  'Dashboard (GET /today): {success, source, as_of, data: today''s figures + health (api_health''s status, '
  'overall_healthy, driving_rule, reason, as_of)}. From sms_metrics_daily (refreshed every 5 minutes) unless p_live.';
revoke all on function sms_monitor.api_today_metrics(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_today_metrics(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_today_metrics.sql
--! Included functions/api_metrics_summary.sql
-- GET /api/sms/metrics/summary as a function: today, the last 7 reporting days, open alerts and
-- health. The week is 7 days including today; unresolved_count counts every open incident (not
-- the length of the limited list). health is the alert engine's, the same object as
-- api_today_metrics' data.health (api_health at the same p_now): {status
-- critical|degraded|healthy|unknown, overall_healthy (NULL when unknown), driving_rule, reason,
-- as_of}. Figures are JSON numbers (avg_daily_cost_usd too, rounded to 4 places); incidents are
-- _incident_json's (times ISO 8601 UTC with Z).
-- The week reads the six previous days from sms_metrics_daily (refreshed every 5 minutes; not yet
-- populated = no rows) and today as api_today_metrics(p_now, p_live) does.
create or replace function sms_monitor.api_metrics_summary(
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today_body jsonb;
  v_today jsonb;
  v_date date;
  v_week jsonb;
  v_prior jsonb;
  v_alerts jsonb;
  v_open_critical bigint;
begin
  v_today_body := sms_monitor.api_today_metrics(p_now, p_live);
  v_today := v_today_body -> 'data';
  v_date := (v_today ->> 'metric_date')::date;

  -- Scanning a never-refreshed view raises an error, so it is read only once populated.
  if (select c.relispopulated from pg_catalog.pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    select jsonb_build_object(
             'scheduled', coalesce(sum(d.scheduled_count), 0), 'sent', coalesce(sum(d.sent_count), 0),
             'delivered', coalesce(sum(d.delivered_count), 0), 'failed', coalesce(sum(d.failed_count), 0),
             'cancelled', coalesce(sum(d.cancelled_count), 0), 'llm_success', coalesce(sum(d.llm_success_count), 0),
             'template_fallback', coalesce(sum(d.template_fallback_count), 0),
             'opt_out', coalesce(sum(d.opt_out_count), 0), 'llm_cost_usd', coalesce(sum(d.llm_cost_usd), 0),
             'sms_cost_usd', coalesce(sum(d.sms_cost_usd), 0))
      into v_prior
      from sms_monitor.sms_metrics_daily d
     where d.metric_date between v_date - 6 and v_date - 1;
  else
    v_prior := '{}'::jsonb;
  end if;
  with t as (
    select coalesce((v_prior ->> 'scheduled')::numeric, 0) + (v_today ->> 'scheduled_count')::numeric as scheduled,
           coalesce((v_prior ->> 'sent')::numeric, 0) + (v_today ->> 'sent_count')::numeric as sent,
           coalesce((v_prior ->> 'delivered')::numeric, 0) + (v_today ->> 'delivered_count')::numeric as delivered,
           coalesce((v_prior ->> 'failed')::numeric, 0) + (v_today ->> 'failed_count')::numeric as failed,
           coalesce((v_prior ->> 'cancelled')::numeric, 0) + (v_today ->> 'cancelled_count')::numeric as cancelled,
           coalesce((v_prior ->> 'llm_success')::numeric, 0) + (v_today ->> 'llm_success_count')::numeric as llm_ok,
           coalesce((v_prior ->> 'template_fallback')::numeric, 0) + (v_today ->> 'template_fallback_count')::numeric as fallback,
           coalesce((v_prior ->> 'opt_out')::numeric, 0) + (v_today ->> 'opt_out_count')::numeric as opt_out,
           coalesce((v_prior ->> 'llm_cost_usd')::numeric, 0) + (v_today ->> 'llm_cost_usd')::numeric as llm_cost,
           coalesce((v_prior ->> 'sms_cost_usd')::numeric, 0) + (v_today ->> 'sms_cost_usd')::numeric as sms_cost
  )
  select jsonb_build_object(
           'start_date', v_date - 6,
           'end_date', v_date,
           'days', 7,
           'totals', jsonb_build_object(
             'scheduled', t.scheduled, 'sent', t.sent, 'delivered', t.delivered, 'failed', t.failed,
             'cancelled', t.cancelled, 'llm_success', t.llm_ok, 'template_fallback', t.fallback,
             'opt_out', t.opt_out, 'llm_cost_usd', t.llm_cost, 'sms_cost_usd', t.sms_cost),
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_success_rate_percent', round(100 * t.llm_ok::numeric / nullif(t.llm_ok + t.fallback, 0), 2),
           'avg_daily_cost_usd', round((t.llm_cost + t.sms_cost) / 7, 4))
    into v_week
    from t;

  select count(*) filter (where h.severity = 'critical')
    into v_open_critical
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;
  select jsonb_build_object(
           'unresolved_count', (select count(*) from sms_monitor.sms_alert_history h where h.resolved_at is null),
           'has_critical', v_open_critical > 0,
           'recent', coalesce(jsonb_agg(sms_monitor._incident_json(r.h)
             order by (r.h).triggered_at desc, (r.h).id), '[]'::jsonb))
    into v_alerts
    from (select h from sms_monitor.sms_alert_history h
           where h.resolved_at is null
           order by h.triggered_at desc, h.id
           limit 5) r;

  return jsonb_build_object(
    'success', true,
    'source', v_today_body -> 'source',
    'as_of', v_today_body -> 'as_of',
    'data', jsonb_build_object(
      'today', v_today,
      'week', v_week,
      'alerts', v_alerts,
      'health', v_today -> 'health'));
end;
$$;

comment on function sms_monitor.api_metrics_summary(timestamptz, boolean) is
  'Dashboard (GET /summary): {success, data: {today, week (7 days incl. today), alerts {unresolved_count, '
  'has_critical, recent (5)}, health (api_health''s status, overall_healthy, driving_rule, reason, as_of)}}.';
revoke all on function sms_monitor.api_metrics_summary(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_metrics_summary(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_metrics_summary.sql
--! Included functions/api_alerts.sql
-- GET /api/sms/metrics/alerts as a function: open incidents (default) or the history of a date
-- range. limit is checked (1-200), history needs start_date, end_date is
-- inclusive, and days are reporting days (settings.reporting_timezone), not the server's. Each
-- incident is _incident_json's: times as ISO 8601 UTC (Z), duration_seconds once resolved.
create or replace function sms_monitor.api_alerts(
  p_type text default 'unresolved',
  p_limit integer default 50,
  p_start_date date default null,
  p_end_date date default null
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_type text := coalesce(p_type, 'unresolved');
  v_limit integer := coalesce(p_limit, 50);
  v_tz text := sms_monitor._reporting_timezone();
  v_end date;
  v_data jsonb;
begin
  if v_type not in ('unresolved', 'history') then
    raise exception 'type: must be unresolved or history (got %)', quote_literal(v_type) using errcode = '22023';
  end if;
  if v_limit < 1 or v_limit > 200 then
    raise exception 'limit: must be between 1 and 200 (got %)', v_limit using errcode = '22023';
  end if;
  if v_type = 'unresolved' then
    select coalesce(jsonb_agg(sms_monitor._incident_json(h.a) order by (h.a).triggered_at desc, (h.a).id), '[]'::jsonb)
      into v_data
      from (select a from sms_monitor.sms_alert_history a
             where a.resolved_at is null
             order by a.triggered_at desc, a.id
             limit v_limit) h;
    return jsonb_build_object('success', true, 'data', v_data, 'type', v_type);
  end if;

  if p_start_date is null then
    raise exception 'start_date: is required when type is history (YYYY-MM-DD)' using errcode = '22023';
  end if;
  v_end := coalesce(p_end_date, sms_monitor.reporting_today());
  if sms_monitor._reader_date_problem('start_date', p_start_date) is not null then
    raise exception '%', sms_monitor._reader_date_problem('start_date', p_start_date) using errcode = '22023';
  end if;
  if sms_monitor._reader_date_problem('end_date', v_end) is not null then
    raise exception '%', sms_monitor._reader_date_problem('end_date', v_end) using errcode = '22023';
  end if;
  if v_end < p_start_date then
    raise exception 'end_date: % is before start_date %', v_end, p_start_date using errcode = '22023';
  end if;
  select coalesce(jsonb_agg(sms_monitor._incident_json(h.a) order by (h.a).triggered_at desc, (h.a).id), '[]'::jsonb)
    into v_data
    from (select a from sms_monitor.sms_alert_history a
           where a.triggered_at >= (p_start_date::timestamp at time zone v_tz)
             and a.triggered_at < ((v_end + 1)::timestamp at time zone v_tz)
           order by a.triggered_at desc, a.id
           limit v_limit) h;
  return jsonb_build_object('success', true, 'data', v_data, 'type', v_type,
    'date_range', jsonb_build_object('start', p_start_date, 'end', v_end));
end;
$$;

comment on function sms_monitor.api_alerts(text, integer, date, date) is
  'Dashboard (GET /alerts): {success, data: [incidents (_incident_json), newest first], type} for type unresolved (default) or '
  'history (start_date required, end_date inclusive, reporting days); limit 1-200 (default 50). Bad parameters: 22023.';
revoke all on function sms_monitor.api_alerts(text, integer, date, date) from public;
grant execute on function sms_monitor.api_alerts(text, integer, date, date) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_alerts.sql
--! Included functions/api_alert_detail.sql
-- One incident with its notifications: every outbox row (channel, event, status, attempts, last
-- error, when) oldest first, and per channel the latest row's state in words, e.g.
-- {"channel": "pagerduty", "event": "trigger", "status": "failed", "summary": "failed: not configured"}.
-- Channels the rule lists that have no row yet say "not queued" (a silenced incident, say); a
-- pending row of a channel no live notifier serves says "waiting, not configured".
-- Times are ISO 8601 UTC (Z); the alert is _incident_json's. Unknown id: P0002.
create or replace function sms_monitor.api_alert_detail(p_alert_id uuid)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_alert sms_monitor.sms_alert_history;
  v_channels text[];
  v_rows jsonb;
  v_per_channel jsonb;
begin
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select * into v_alert from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  select t.notification_channels into v_channels
    from sms_monitor.sms_alert_thresholds t where t.alert_type = v_alert.alert_type;

  select coalesce(jsonb_agg(jsonb_build_object(
           'id', n.id, 'channel', n.channel, 'event', n.event, 'status', n.status, 'attempts', n.attempts,
           'max_attempts', n.max_attempts, 'last_error', n.last_error, 'next_attempt_at', sms_monitor._iso_utc(n.next_attempt_at),
           'created_at', sms_monitor._iso_utc(n.created_at), 'sent_at', sms_monitor._iso_utc(n.sent_at)) order by n.id), '[]'::jsonb)
    into v_rows
    from sms_monitor.sms_alert_notifications n
   where n.alert_id = p_alert_id;

  with c as (
    select x.channel from unnest(coalesce(v_channels, '{}'::text[])) x(channel)
    union
    select distinct n.channel from sms_monitor.sms_alert_notifications n where n.alert_id = p_alert_id
  ), latest as (
    select c.channel, l.event, l.status, l.attempts, l.last_error, l.sent_at
      from c
      left join lateral (
        select n.event, n.status, n.attempts, n.last_error, n.sent_at
          from sms_monitor.sms_alert_notifications n
         where n.alert_id = p_alert_id and n.channel = c.channel
         order by n.id desc limit 1) l on true
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'channel', l.channel, 'event', l.event, 'status', l.status, 'attempts', l.attempts,
           'last_error', l.last_error, 'sent_at', sms_monitor._iso_utc(l.sent_at),
           'summary', case
             when l.status is null then 'not queued'
             -- no live notifier serves the channel (sms_notifier_heartbeats): it waits for one
             when l.status = 'pending' and l.channel <> 'log' and not exists (
               select from sms_monitor.sms_notifier_heartbeats b
                where b.expires_at > now() and l.channel = any(b.channels)) then 'waiting, not configured'
             when l.status = 'pending' and l.attempts = 0 then 'waiting'
             when l.status = 'pending' then format('waiting, retrying after %s attempt(s)%s', l.attempts,
                                                   coalesce(': ' || l.last_error, ''))
             when l.status = 'sent' then 'sent'
             else l.status || coalesce(': ' || l.last_error, '') end)
           order by l.channel), '[]'::jsonb)
    into v_per_channel
    from latest l;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object('alert', sms_monitor._incident_json(v_alert), 'channels', v_per_channel, 'notifications', v_rows));
end;
$$;

comment on function sms_monitor.api_alert_detail(uuid) is
  'Dashboard (GET /alerts/:id): {success, data: {alert (_incident_json: the sms_alert_history row, times in Z, duration_seconds), channels: [per channel the '
  'latest notification: event, status, attempts, last_error, summary in words], notifications: [every outbox row]}}. '
  'Unknown id: P0002.';
revoke all on function sms_monitor.api_alert_detail(uuid) from public;
grant execute on function sms_monitor.api_alert_detail(uuid) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_alert_detail.sql
--! Included functions/api_user_metrics.sql
-- GET /api/sms/metrics/user as a function: one user's daily rows and a summary. The summary's
-- delivery rate is recomputed from the summed counts (never an average of daily rates); a
-- self-only caller (request.jwt.claims.sub) reads only itself, and omitting the user means "me". Costs are JSON numbers rounded to 4 places.
create or replace function sms_monitor.api_user_metrics(
  p_user_id uuid default null,
  p_days integer default 30,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user uuid := coalesce(p_user_id, sms_monitor._caller_user_id());
  v_metrics jsonb;
  v_summary jsonb;
begin
  if v_user is null then
    raise exception 'user_id: is required (or call as a signed-in user: request.jwt.claims.sub)'
      using errcode = '22023';
  end if;
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL')
      using errcode = '22023';
  end if;
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  perform sms_monitor._assert_can_read_user(v_user);

  select coalesce(jsonb_agg(to_jsonb(r) order by r.metric_date), '[]'::jsonb),
         jsonb_build_object(
           'total_scheduled', coalesce(sum(r.scheduled_count), 0),
           'total_sent', coalesce(sum(r.sent_count), 0),
           'total_delivered', coalesce(sum(r.delivered_count), 0),
           'total_failed', coalesce(sum(r.failed_count), 0),
           'total_cancelled', coalesce(sum(r.cancelled_count), 0),
           'delivery_rate_percent', round(100 * sum(r.delivered_count)::numeric / nullif(sum(r.sent_count), 0), 2),
           'total_llm_cost_usd', round(coalesce(sum(r.llm_cost_usd), 0), 4),
           'total_sms_cost_usd', round(coalesce(sum(r.sms_cost_usd), 0), 4),
           'days', p_days)
    into v_metrics, v_summary
    from sms_monitor.get_user_sms_metrics(v_user, p_days, p_now) r;
  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object('metrics', v_metrics, 'summary', v_summary),
    'user_id', v_user);
end;
$$;

comment on function sms_monitor.api_user_metrics(uuid, integer, timestamptz) is
  'Dashboard (GET /user): {success, data: {metrics: [daily rows], summary}, user_id} for the last p_days days '
  '(1-365, default 30) up to and including the reporting day of p_now (default now()); NULL user = the '
  'caller (request.jwt.claims.sub). Self-only callers get 42501 for anyone else.';
revoke all on function sms_monitor.api_user_metrics(uuid, integer, timestamptz) from public;
grant execute on function sms_monitor.api_user_metrics(uuid, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
--! EndIncluded functions/api_user_metrics.sql
--! Included functions/api_alert_rules.sql
-- Every alert rule with its settings and what the last check did (sms_alert_status): for the
-- dashboard's rules table and GET /rules. Ordered by alert_type; times ISO 8601 UTC with Z (_iso_utc);
-- threshold_text and last_value_text carry the metric's unit ("90.00 %"). Security definer: it
-- reads the internal value formatter; callers need execute on this function (reader, admin).
create or replace function sms_monitor.api_alert_rules()
returns jsonb
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
    'success', true,
    'data', coalesce((
      select jsonb_agg(to_jsonb(s) || jsonb_build_object(
               'description', t.description, 'notification_channels', t.notification_channels,
               'min_sample', t.min_sample, 'pending_minutes', t.pending_minutes,
               'cooldown_minutes', t.cooldown_minutes,
               'last_evaluated_at', sms_monitor._iso_utc(s.last_evaluated_at),
               'triggered_at', sms_monitor._iso_utc(s.triggered_at),
               'acknowledged_at', sms_monitor._iso_utc(s.acknowledged_at),
               'silenced_until', sms_monitor._iso_utc(s.silenced_until),
               'unit', m.unit, 'threshold_text', sms_monitor._alert_format_value(s.threshold_value, m.unit),
               'last_value_text', sms_monitor._alert_format_value(s.last_value, m.unit))
             order by s.alert_type)
        from sms_monitor.sms_alert_status s
        join sms_monitor.sms_alert_thresholds t on t.alert_type = s.alert_type
        left join sms_monitor.sms_alert_metrics m on m.metric = t.metric), '[]'::jsonb));
$$;

comment on function sms_monitor.api_alert_rules() is
  'Dashboard (GET /rules): {success, data: [every rule: sms_alert_status (settings, last_evaluated_at, last_action, '
  'last_value, open_alert_id, silenced_until; times in Z) plus unit, threshold_text, last_value_text, description, channels, min_sample, pending and cooldown minutes]}.';
revoke all on function sms_monitor.api_alert_rules() from public;
grant execute on function sms_monitor.api_alert_rules() to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_alert_rules.sql
--! Included functions/api_resolve_alert.sql
-- POST /api/sms/metrics/alerts as a function: resolve an incident by hand. An unknown id raises
-- P0002, and an incident that is already resolved answers success false with when (ISO 8601 UTC,
-- Z) and by whom, changing nothing.
create or replace function sms_monitor.api_resolve_alert(
  p_alert_id uuid,
  p_resolved_by text default null
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_before sms_monitor.sms_alert_history;
  v_after sms_monitor.sms_alert_history;
  v_now timestamptz := clock_timestamp();
begin
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select * into v_before from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  if v_before.resolved_at is null then
    v_after := sms_monitor.resolve_sms_alert(
      p_alert_id,
      coalesce(nullif(btrim(p_resolved_by), ''), sms_monitor._caller_user_id()::text, session_user::text),
      v_now);
  end if;
  -- Resolved before, or by a concurrent call between our read and resolve_sms_alert's lock.
  if v_before.resolved_at is not null or v_after.resolved_at is distinct from v_now then
    v_after := coalesce(v_after, v_before);
    return jsonb_build_object(
      'success', false,
      'message', format('Alert already resolved at %s by %s', sms_monitor._iso_utc(v_after.resolved_at), v_after.resolved_by),
      'alert_id', p_alert_id,
      'resolved_at', sms_monitor._iso_utc(v_after.resolved_at),
      'resolved_by', v_after.resolved_by);
  end if;
  return jsonb_build_object(
    'success', true,
    'message', 'Alert resolved successfully',
    'alert_id', p_alert_id,
    'resolved_at', sms_monitor._iso_utc(v_after.resolved_at),
    'resolved_by', v_after.resolved_by);
end;
$$;

comment on function sms_monitor.api_resolve_alert(uuid, text) is
  'Dashboard (POST /alerts): resolves an open incident: {success true, message, alert_id, resolved_at, '
  'resolved_by}; already resolved: success false saying when and by whom; unknown id: P0002.';
revoke all on function sms_monitor.api_resolve_alert(uuid, text) from public;
grant execute on function sms_monitor.api_resolve_alert(uuid, text) to sms_monitor_admin;
--! EndIncluded functions/api_resolve_alert.sql

-- Who writes through the HTTP server is the token's subject, not the server's login.
--! Included functions/_audit_subject.sql
-- Who a write is recorded as (a silence's created_by and lifted_by). For a request of the HTTP
-- server (its login is a member of sms_monitor_authenticator and publishes the verified token's
-- claims in request.jwt.claims): the token's subject, its sub or else its role. For any other
-- session: the session's login; claims a psql user sets himself are ignored, so nobody records a
-- write under another name.
create or replace function sms_monitor._audit_subject()
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_claims jsonb;
begin
  -- A direct member (pg_has_role would say yes for every superuser too).
  if not exists (select from pg_catalog.pg_auth_members m
                  where m.roleid = 'sms_monitor_authenticator'::regrole and m.member = session_user::regrole) then
    return session_user::text;
  end if;
  v_claims := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
  return left(coalesce(nullif(btrim(v_claims ->> 'sub'), ''), nullif(btrim(v_claims ->> 'role'), ''), session_user::text), 200);
exception when invalid_text_representation then
  -- request.jwt.claims is not JSON: no token identity to record.
  return session_user::text;
end;
$$;

comment on function sms_monitor._audit_subject() is
  'Internal: the name a write is recorded as: the token''s sub (else role) for the HTTP server''s requests, else session_user.';
revoke all on function sms_monitor._audit_subject() from public;
--! EndIncluded functions/_audit_subject.sql
--! Included functions/silence_sms_alerts.sql
-- Silences one rule (or every rule when p_alert_type is NULL) from p_starts_at (default now) until
-- p_until. Incidents that open or stay open meanwhile are recorded, marked silenced and not
-- notified (no trigger, no repeat); when the silence ends and the incident is still open, the next
-- check announces it. Returns the silence (its id lifts it early: lift_sms_alert_silence).
create or replace function sms_monitor.silence_sms_alerts(
  p_alert_type text,
  p_until timestamptz,
  p_reason text,
  p_starts_at timestamptz default null
)
returns sms_monitor.sms_alert_silences
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_start timestamptz := coalesce(p_starts_at, now());
  v_row sms_monitor.sms_alert_silences;
begin
  if p_alert_type is not null
     and not exists (select from sms_monitor.sms_alert_thresholds t where t.alert_type = p_alert_type) then
    raise exception 'alert_type: unknown rule % (NULL silences every rule)', quote_literal(p_alert_type)
      using errcode = '22023';
  end if;
  if not isfinite(v_start) then
    raise exception 'starts_at: must be a finite time' using errcode = '22023';
  end if;
  if p_until is null or not isfinite(p_until) then
    raise exception 'until: is required and must be a finite time' using errcode = '22023';
  end if;
  if v_start < now() - interval '1 day' or v_start > now() + interval '366 days' then
    raise exception 'starts_at: % must lie between a day ago and 366 days ahead', v_start using errcode = '22023';
  end if;
  if p_until <= v_start then
    raise exception 'until: % is not after the start of the silence (%)', p_until, v_start using errcode = '22023';
  end if;
  if p_until <= now() then
    raise exception 'until: % is in the past: such a silence would silence nothing', p_until using errcode = '22023';
  end if;
  if p_until > v_start + interval '90 days' then
    raise exception 'until: % is more than 90 days after the start of the silence (%): disable the rule instead',
      p_until, v_start using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'reason: is required (say why, for whoever wonders where the alerts went)' using errcode = '22023';
  end if;
  if length(p_reason) > 500 then
    raise exception 'reason: % characters is more than the 500 allowed', length(p_reason) using errcode = '22023';
  end if;
  insert into sms_monitor.sms_alert_silences (alert_type, starts_at, ends_at, reason, created_by)
  values (p_alert_type, v_start, p_until, btrim(p_reason), sms_monitor._audit_subject())
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz) is
  'Silences a rule (NULL = all) from p_starts_at (default now) until p_until: incidents are recorded, not '
  'notified, and announced when the silence ends if still open. Returns the silence row.';
revoke all on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz) from public;
grant execute on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/silence_sms_alerts.sql
--! Included functions/lift_sms_alert_silence.sql
-- Ends a silence early (at p_now). Open incidents it held back are announced by the next check.
-- A silence already lifted or over is returned unchanged. Unknown id: P0002; NULL id or time: 22023.
create or replace function sms_monitor.lift_sms_alert_silence(
  p_silence_id bigint,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_silences
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_silences;
begin
  if p_silence_id is null then
    raise exception 'silence_id: is required' using errcode = '22023';
  end if;
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  select * into v_row from sms_monitor.sms_alert_silences s where s.id = p_silence_id for update;
  if not found then
    raise exception 'silence_id: silence % does not exist', p_silence_id using errcode = 'P0002';
  end if;
  if v_row.lifted_at is not null or v_row.ends_at <= p_now then
    return v_row;
  end if;
  update sms_monitor.sms_alert_silences s
     set lifted_at = p_now, lifted_by = sms_monitor._audit_subject()
   where s.id = p_silence_id
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) is
  'Lifts a silence at p_now (default now); held-back open incidents are announced by the next check. Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) from public;
grant execute on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/lift_sms_alert_silence.sql

-- Replies of POSTs sent with an Idempotency-Key, per token subject, kept 24 hours.
create table if not exists sms_monitor.sms_http_idempotency_keys (
  subject text not null,
  key text not null check (length(key) between 1 and 200),
  request_hash text not null,
  status integer not null check (status between 200 and 299),
  body text not null check (length(body) <= 65536),
  created_at timestamptz not null default now(),
  primary key (subject, key)
);
create index if not exists sms_http_idempotency_keys_created_at on sms_monitor.sms_http_idempotency_keys (created_at);
comment on table sms_monitor.sms_http_idempotency_keys is
  'HTTP POST replies by (token subject, Idempotency-Key) for 24 h: a retried POST gets the first reply and acts once.';
revoke all on table sms_monitor.sms_http_idempotency_keys from public;
-- Only the two security definer functions below (as the owner) read or write it.
alter table sms_monitor.sms_http_idempotency_keys enable row level security;
--! Included functions/_idempotency_claim.sql
-- POST with an Idempotency-Key, step 1 (in the request's transaction, before the write): the
-- reply stored for this key and this token subject (_audit_subject) within the last 24 hours, or
-- no row (then the request runs and _idempotency_store keeps its reply). Holds a transaction lock
-- on the key, so a concurrent retry waits for the first to commit and then gets its reply. The
-- same key with a different request: 22023. Keys: 1 to 200 visible ASCII characters.
create or replace function sms_monitor._idempotency_claim(p_key text, p_request_hash text)
returns table (status integer, body text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_subject text := sms_monitor._audit_subject();
  v_row sms_monitor.sms_http_idempotency_keys;
begin
  if p_key is null or p_key !~ '^[\x21-\x7e]{1,200}$' then
    raise exception 'Idempotency-Key: must be 1 to 200 visible ASCII characters' using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtextextended(v_subject || ' ' || p_key, 15));
  delete from sms_monitor.sms_http_idempotency_keys k
   where k.subject = v_subject and k.key = p_key and k.created_at < now() - interval '24 hours';
  select * into v_row from sms_monitor.sms_http_idempotency_keys k where k.subject = v_subject and k.key = p_key;
  if not found then
    return;
  end if;
  if v_row.request_hash is distinct from p_request_hash then
    raise exception 'Idempotency-Key: % was used for a different request in the last 24 hours', quote_literal(p_key)
      using errcode = '22023';
  end if;
  status := v_row.status;
  body := v_row.body;
  return next;
end;
$$;

comment on function sms_monitor._idempotency_claim(text, text) is
  'Internal (HTTP server): the stored reply of a POST retried with the same Idempotency-Key and token subject within 24 h, else no row.';
revoke all on function sms_monitor._idempotency_claim(text, text) from public;
grant execute on function sms_monitor._idempotency_claim(text, text) to sms_monitor_admin, sms_monitor_reader, sms_monitor_self;
--! EndIncluded functions/_idempotency_claim.sql
--! Included functions/_idempotency_store.sql
-- POST with an Idempotency-Key, step 2 (same transaction, after the write succeeded): keeps the
-- reply for 24 hours under the token subject and the key (_idempotency_claim read nothing and holds
-- the key's lock), and drops up to 100 expired keys of anyone on the way.
create or replace function sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into sms_monitor.sms_http_idempotency_keys (subject, key, request_hash, status, body)
  values (sms_monitor._audit_subject(), p_key, p_request_hash, p_status, p_body);
  delete from sms_monitor.sms_http_idempotency_keys k
   where k.ctid in (select o.ctid from sms_monitor.sms_http_idempotency_keys o
                     where o.created_at < now() - interval '24 hours' limit 100);
end;
$$;

comment on function sms_monitor._idempotency_store(text, text, integer, text) is
  'Internal (HTTP server): keeps a POST''s reply under its Idempotency-Key and token subject for 24 h.';
revoke all on function sms_monitor._idempotency_store(text, text, integer, text) from public;
grant execute on function sms_monitor._idempotency_store(text, text, integer, text) to sms_monitor_admin, sms_monitor_reader, sms_monitor_self;
--! EndIncluded functions/_idempotency_store.sql

-- ==== Message-level events: statuses, provider spellings, per-message state, the message log ====
-- (docs/messages.md) record_sms_message_events appends each new (message, status) to
-- sms_message_events, keeps one row per message in sms_messages (the attributes joined from every
-- event, the time of each status: what makes a repeat or a late receipt count once), and appends
-- what the message changes in the counters (sent_count, delivered_count, ...) to sms_metric_events,
-- where rollup_sms_metrics rolls them up like any recorded value.

create table if not exists sms_monitor.sms_message_statuses (
  status text primary key,
  final_rank smallint constraint sms_message_statuses_rank_check check (final_rank between 1 and 9),
  counter text references sms_monitor.metric_types (metric_type),
  description text not null
);
comment on table sms_monitor.sms_message_statuses is
  'The six message statuses. final_rank: NULL for queued and sent; among final statuses of one message the '
  'highest rank wins (delivered > undelivered > failed > canceled). counter: the metric a message in this status adds 1 to.';
insert into sms_monitor.sms_message_statuses (status, final_rank, counter, description) values
  ('queued', null, null, 'accepted by the provider, not yet handed to a carrier'),
  ('sent', null, 'sent_count', 'handed to the carrier: a delivery receipt is expected'),
  ('delivered', 4, 'delivered_count', 'the carrier confirmed delivery to the handset'),
  ('undelivered', 3, 'failed_count', 'sent, but the carrier could not deliver it'),
  ('failed', 2, 'failed_count', 'the provider could not send it'),
  ('canceled', 1, 'cancelled_count', 'canceled before it was sent')
on conflict (status) do nothing;
alter table sms_monitor.sms_message_statuses enable row level security;
revoke all on sms_monitor.sms_message_statuses from public;
grant select on sms_monitor.sms_message_statuses to sms_monitor_reader, sms_monitor_writer, sms_monitor_self;
drop policy if exists sms_message_statuses_read on sms_monitor.sms_message_statuses;
create policy sms_message_statuses_read on sms_monitor.sms_message_statuses
  for select to sms_monitor_reader, sms_monitor_writer, sms_monitor_self using (true);

-- The one place provider spellings are mapped (docs/messages.md prints this table; a test compares).
create table if not exists sms_monitor.sms_message_status_spellings (
  provider text not null,
  spelling text not null,
  status text not null references sms_monitor.sms_message_statuses (status),
  constraint sms_message_status_spellings_key primary key (provider, spelling)
);
comment on table sms_monitor.sms_message_status_spellings is
  'How a provider''s status word maps to one of the six statuses: the row for the event''s provider first, '
  'then the row with provider '''' (any provider). Matched lower-case.';
insert into sms_monitor.sms_message_status_spellings (provider, spelling, status) values
  ('', 'queued', 'queued'), ('', 'sent', 'sent'), ('', 'delivered', 'delivered'),
  ('', 'undelivered', 'undelivered'), ('', 'failed', 'failed'), ('', 'canceled', 'canceled'),
  ('', 'cancelled', 'canceled'), ('', 'accepted', 'queued'), ('', 'scheduled', 'queued'),
  ('', 'sending', 'queued'), ('', 'buffered', 'sent'), ('', 'unknown', 'sent'),
  ('', 'read', 'delivered'), ('', 'expired', 'undelivered'), ('', 'rejected', 'failed'),
  -- Vonage: "accepted" and "buffered" are the carrier's, i.e. after the hand-over
  ('vonage', 'accepted', 'sent'),
  -- Telnyx
  ('telnyx', 'sending_failed', 'failed'), ('telnyx', 'delivery_failed', 'undelivered'),
  ('telnyx', 'delivery_unconfirmed', 'sent')
on conflict on constraint sms_message_status_spellings_key do nothing;
alter table sms_monitor.sms_message_status_spellings enable row level security;
revoke all on sms_monitor.sms_message_status_spellings from public;
grant select on sms_monitor.sms_message_status_spellings to sms_monitor_reader, sms_monitor_writer, sms_monitor_self;
drop policy if exists sms_message_status_spellings_read on sms_monitor.sms_message_status_spellings;
create policy sms_message_status_spellings_read on sms_monitor.sms_message_status_spellings
  for select to sms_monitor_reader, sms_monitor_writer, sms_monitor_self using (true);

-- One row per message (the key Citus would distribute by): its attributes as far as known and when
-- it reached each status. Written only by record_sms_message_events, under the row's lock.
create table if not exists sms_monitor.sms_messages (
  message_id text not null constraint sms_messages_pkey primary key,
  user_id uuid,
  provider text,
  sender text,
  sender_type text,
  carrier text,
  country text,
  error_code text,
  segments smallint,
  price_usd numeric,
  price_at timestamptz,
  message_class text,
  queued_at timestamptz,
  sent_at timestamptz,
  delivered_at timestamptz,
  undelivered_at timestamptz,
  failed_at timestamptz,
  canceled_at timestamptz,
  final_status text references sms_monitor.sms_message_statuses (status),
  final_at timestamptz,
  final_user_id uuid,
  first_recorded_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index if not exists sms_messages_sent_at_idx on sms_monitor.sms_messages (sent_at);
comment on table sms_monitor.sms_messages is
  'One row per message: attributes joined from all its events (the first value given for each stays), the '
  'time of each status (the first event of each), and the winning final status with the user its counter went to.';
alter table sms_monitor.sms_messages enable row level security;
revoke all on sms_monitor.sms_messages from public;
grant select on sms_monitor.sms_messages to sms_monitor_reader, sms_monitor_self;
drop policy if exists sms_messages_reader_all on sms_monitor.sms_messages;
create policy sms_messages_reader_all on sms_monitor.sms_messages
  for select to sms_monitor_reader using (true);
drop policy if exists sms_messages_self_own on sms_monitor.sms_messages;
create policy sms_messages_self_own on sms_monitor.sms_messages
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());

-- Append-only: each (message, status) once, as first received, partitioned like sms_metric_events.
create sequence if not exists sms_monitor.sms_message_events_id_seq as bigint cache 1;
revoke all on sequence sms_monitor.sms_message_events_id_seq from public;
create table if not exists sms_monitor.sms_message_events (
  id bigint not null default nextval('sms_monitor.sms_message_events_id_seq'),
  recorded_on date not null default ((now() at time zone 'UTC')::date),
  message_id text not null,
  status text not null,
  provider_status text not null,
  occurred_at timestamptz not null,
  user_id uuid,
  attributes jsonb
) partition by range (recorded_on);
alter sequence sms_monitor.sms_message_events_id_seq owned by sms_monitor.sms_message_events.id;
create index if not exists sms_message_events_id_idx on sms_monitor.sms_message_events (id);
create index if not exists sms_message_events_message_idx on sms_monitor.sms_message_events (message_id);
create table if not exists sms_monitor.sms_message_events_default
  partition of sms_monitor.sms_message_events default;
alter table sms_monitor.sms_message_events_default enable row level security;
comment on table sms_monitor.sms_message_events is
  'Append-only log of message events: the first event of each (message_id, status), with the spelling the '
  'provider used and the optional attributes it carried. Repeats are not logged.';
alter table sms_monitor.sms_message_events enable row level security;
revoke all on sms_monitor.sms_message_events from public;
grant select on sms_monitor.sms_message_events to sms_monitor_reader, sms_monitor_self;
drop policy if exists sms_message_events_reader_all on sms_monitor.sms_message_events;
create policy sms_message_events_reader_all on sms_monitor.sms_message_events
  for select to sms_monitor_reader using (true);
drop policy if exists sms_message_events_self_own on sms_monitor.sms_message_events;
create policy sms_message_events_self_own on sms_monitor.sms_message_events
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());

--! Included functions/_sms_message_status.sql
-- A provider's status word as one of the six statuses, or NULL when it is not known: the mapping
-- for that provider first, then the one for any provider (sms_message_status_spellings, the only
-- place spellings are mapped). Case-insensitive.
create or replace function sms_monitor._sms_message_status(p_provider text, p_spelling text)
returns text
language sql
stable
parallel safe
as $$
  select s.status
    from sms_monitor.sms_message_status_spellings s
   where s.spelling = lower(p_spelling)
     and s.provider in (coalesce(lower(p_provider), ''), '')
   order by s.provider desc
   limit 1;
$$;

comment on function sms_monitor._sms_message_status(text, text) is
  'Internal: maps a provider''s status spelling to queued, sent, delivered, undelivered, failed or canceled (NULL: unknown).';
revoke all on function sms_monitor._sms_message_status(text, text) from public;
--! EndIncluded functions/_sms_message_status.sql
--! Included functions/_message_event_unknown_field.sql
-- The "unknown field" message for _message_event_problem (a sub-select there would stop inlining).
create or replace function sms_monitor._message_event_unknown_field(p_event jsonb)
returns text
language sql
stable
parallel safe
as $$
  select case when k ~ '^[a-z_][a-z0-9_]{0,62}$' then format('%s: unknown field', k)
              else format('(element): unknown field %s', to_json(left(k, 40))::text) end
         || ' (allowed: message_id, status, occurred_at, user_id, provider, sender, sender_type, carrier, '
         || 'country, error_code, segments, price_usd, message_class)'
    from jsonb_object_keys(p_event) k
   where k not in ('message_id', 'status', 'occurred_at', 'user_id', 'provider', 'sender', 'sender_type',
                   'carrier', 'country', 'error_code', 'segments', 'price_usd', 'message_class')
   order by k collate "C"
   limit 1;
$$;

comment on function sms_monitor._message_event_unknown_field(jsonb) is
  'Internal: "<field>: unknown field (allowed: ...)" for the first key of a message event that is not a field.';
revoke all on function sms_monitor._message_event_unknown_field(jsonb) from public;
--! EndIncluded functions/_message_event_unknown_field.sql
--! Included functions/_message_event_problem.sql
-- What is wrong with one message event (a JSON object), as "<field>: <problem>", or NULL. The
-- bounds of every field (docs/messages.md); p_status is the event's status as _sms_message_status
-- mapped it (NULL: unknown); the time window (retention, clock skew) is checked by the caller,
-- which knows the clock and the settings. No sub-select and no SET clause, so the planner inlines
-- it into the caller's query (a called SQL function costs ~0.1 ms per element).
create or replace function sms_monitor._message_event_problem(p_event jsonb, p_status text)
returns text
language sql
stable
parallel safe
as $$
  select case
    when jsonb_typeof(p_event) <> 'object' then
      format('(element): must be an object (got %s)', jsonb_typeof(p_event))
    when p_event - array['message_id', 'status', 'occurred_at', 'user_id', 'provider', 'sender', 'sender_type',
                         'carrier', 'country', 'error_code', 'segments', 'price_usd', 'message_class'] <> '{}'::jsonb then
      sms_monitor._message_event_unknown_field(p_event)
    when jsonb_typeof(p_event -> 'message_id') is distinct from 'string'
      or (p_event ->> 'message_id') !~ '^[\x21-\x7e]{1,64}$' then
      'message_id: is required: the provider''s id, 1 to 64 printable ASCII characters without spaces'
    when coalesce(jsonb_typeof(p_event -> 'provider'), 'null') not in ('string', 'null')
      or (p_event ->> 'provider') !~ '^[a-z0-9][a-z0-9_.-]{0,31}$' then
      'provider: must be a lower-case name of at most 32 characters (a-z, 0-9, _ . -), e.g. twilio'
    when jsonb_typeof(p_event -> 'status') is distinct from 'string' then
      'status: is required: queued, sent, delivered, undelivered, failed, canceled or a provider spelling'
    when p_status is null then
      format('status: unknown status %s (queued, sent, delivered, undelivered, failed, canceled or a provider '
             'spelling listed in sms_message_status_spellings)', to_json(left(p_event ->> 'status', 40))::text)
    when jsonb_typeof(p_event -> 'occurred_at') is distinct from 'string'
      or not sms_monitor._looks_like_iso_time_with_offset(p_event ->> 'occurred_at') then
      'occurred_at: is required: an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z'
    when coalesce(jsonb_typeof(p_event -> 'user_id'), 'null') not in ('string', 'null')
      or ((p_event ->> 'user_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          and not sms_monitor._is_uuid(p_event ->> 'user_id')) then
      'user_id: must be a UUID string or null'
    when coalesce(jsonb_typeof(p_event -> 'sender'), 'null') not in ('string', 'null')
      or (p_event ->> 'sender') !~ '^[^\x00-\x1f\x7f]{1,64}$' then
      'sender: must be a string of 1 to 64 characters without control characters (a number or a sender id)'
    when coalesce(jsonb_typeof(p_event -> 'sender_type'), 'null') not in ('string', 'null')
      or (p_event ->> 'sender_type') not in ('long_code', 'short_code', 'toll_free', 'alphanumeric', 'other') then
      'sender_type: must be long_code, short_code, toll_free, alphanumeric or other'
    when coalesce(jsonb_typeof(p_event -> 'carrier'), 'null') not in ('string', 'null')
      or (p_event ->> 'carrier') !~ '^[^\x00-\x1f\x7f]{1,64}$' then
      'carrier: must be a string of 1 to 64 characters without control characters'
    when coalesce(jsonb_typeof(p_event -> 'country'), 'null') not in ('string', 'null')
      or (p_event ->> 'country') !~ '^[A-Z]{2}$' then
      'country: must be an ISO 3166-1 alpha-2 code in capitals, e.g. US'
    when coalesce(jsonb_typeof(p_event -> 'error_code'), 'null') not in ('string', 'number', 'null')
      or (p_event ->> 'error_code') !~ '^[A-Za-z0-9_.-]{1,32}$' then
      'error_code: must be a string or a whole number of 1 to 32 characters (letters, digits, _ . -)'
    when coalesce(jsonb_typeof(p_event -> 'segments'), 'null') not in ('number', 'null')
      or (p_event ->> 'segments') !~ '^[0-9]{1,3}$' or (p_event ->> 'segments')::integer not between 1 and 255 then
      'segments: must be a whole number from 1 to 255'
    when coalesce(jsonb_typeof(p_event -> 'price_usd'), 'null') not in ('number', 'null')
      or (p_event ->> 'price_usd')::numeric < 0 or (p_event ->> 'price_usd')::numeric > 1000
      or scale((p_event ->> 'price_usd')::numeric) > 10 then
      'price_usd: must be a number from 0 to 1000 with at most 10 decimal places (what the message cost)'
    when coalesce(jsonb_typeof(p_event -> 'message_class'), 'null') not in ('string', 'null')
      or (p_event ->> 'message_class') not in ('otp', 'transactional', 'marketing', 'other') then
      'message_class: must be otp, transactional, marketing or other'
  end;
$$;

comment on function sms_monitor._message_event_problem(jsonb, text) is
  'Internal: the validation rules for one message event; returns "<field>: <problem>" or NULL.';
revoke all on function sms_monitor._message_event_problem(jsonb, text) from public;
--! EndIncluded functions/_message_event_problem.sql
--! Included functions/_apply_message_batch.sql
-- Applies a validated batch of message events (each element with its status mapped into
-- "_status") in a few set-based statements; returns how many (message, status) pairs were new.
-- First the batch's messages get their sms_messages row, locked in message_id order (an upsert:
-- concurrent batches touching the same messages take the locks in one order and cannot
-- deadlock). Then, from each message's state before (o) and after (f) the batch:
--   - each (message, status) counts once: its first event is logged in sms_message_events; a
--     repeat (or another spelling of the status, such as read for delivered) is not, but may fill
--     attributes still unknown and an earlier time: a status's time is the earliest reported;
--   - attributes: the first value given for each stays (a carrier from a receipt, a sender from the
--     send: whichever event brings it; inside a batch, the first element that has it);
--   - counters, each from the state before and after, so order does not matter: sent_count +1 when
--     the message first has a sent time; the winning final status (highest final_rank) +1 on its
--     counter, and a final status that loses to a later-arriving higher one gives its 1 back (-1);
--     one avg_delivery_time_ms sample (delivered minus sent, at least 0) once it is delivered and
--     has a sent time, whichever came first, from the times known then (a later repeat with an
--     earlier time corrects sms_messages, not the sample taken); sms_cost_usd + the first price.
--     Each counter lands in the minute of the time it was counted at (final_at for the final
--     status, which is where a take-back goes), appended to sms_metric_events.
create or replace function sms_monitor._apply_message_batch(p_events jsonb, p_tz text)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_new integer;
begin
  insert into sms_monitor.sms_messages as s (message_id)
  select i.id
    from (select distinct x.v ->> 'message_id' as id from jsonb_array_elements(p_events) x(v)) i
   order by i.id collate "C"
  on conflict on constraint sms_messages_pkey do update set updated_at = now();

  with e as (
    select x.n, x.v ->> 'message_id' as message_id, x.v ->> '_status' as status, x.v ->> 'status' as provider_status,
           (x.v ->> 'occurred_at')::timestamptz as t_at, (x.v ->> 'user_id')::uuid as user_id, x.v
      from jsonb_array_elements(p_events) with ordinality x(v, n)
  ), g as (
    select e.message_id,
           (array_agg(e.user_id order by e.n) filter (where e.user_id is not null))[1] as user_id,
           (array_agg(e.v ->> 'provider' order by e.n) filter (where e.v ->> 'provider' is not null))[1] as provider,
           (array_agg(e.v ->> 'sender' order by e.n) filter (where e.v ->> 'sender' is not null))[1] as sender,
           (array_agg(e.v ->> 'sender_type' order by e.n) filter (where e.v ->> 'sender_type' is not null))[1] as sender_type,
           (array_agg(e.v ->> 'carrier' order by e.n) filter (where e.v ->> 'carrier' is not null))[1] as carrier,
           (array_agg(e.v ->> 'country' order by e.n) filter (where e.v ->> 'country' is not null))[1] as country,
           (array_agg(e.v ->> 'error_code' order by e.n) filter (where e.v ->> 'error_code' is not null))[1] as error_code,
           (array_agg((e.v ->> 'segments')::smallint order by e.n) filter (where e.v ->> 'segments' is not null))[1] as segments,
           (array_agg(e.v ->> 'message_class' order by e.n) filter (where e.v ->> 'message_class' is not null))[1] as message_class,
           (array_agg((e.v ->> 'price_usd')::numeric order by e.n) filter (where e.v ->> 'price_usd' is not null))[1] as price_usd,
           (array_agg(e.t_at order by e.n) filter (where e.v ->> 'price_usd' is not null))[1] as price_at,
           min(e.t_at) filter (where e.status = 'queued') as queued_at,
           min(e.t_at) filter (where e.status = 'sent') as sent_at,
           min(e.t_at) filter (where e.status = 'delivered') as delivered_at,
           min(e.t_at) filter (where e.status = 'undelivered') as undelivered_at,
           min(e.t_at) filter (where e.status = 'failed') as failed_at,
           min(e.t_at) filter (where e.status = 'canceled') as canceled_at
      from e
     group by e.message_id
  ), n as (
    select o.message_id,
           coalesce(o.user_id, g.user_id) as user_id, coalesce(o.provider, g.provider) as provider,
           coalesce(o.sender, g.sender) as sender, coalesce(o.sender_type, g.sender_type) as sender_type,
           coalesce(o.carrier, g.carrier) as carrier, coalesce(o.country, g.country) as country,
           coalesce(o.error_code, g.error_code) as error_code, coalesce(o.segments, g.segments) as segments,
           coalesce(o.message_class, g.message_class) as message_class,
           case when o.price_usd is null then g.price_usd else o.price_usd end as price_usd,
           case when o.price_usd is null then g.price_at else o.price_at end as price_at,
           least(o.queued_at, g.queued_at) as queued_at, least(o.sent_at, g.sent_at) as sent_at,
           least(o.delivered_at, g.delivered_at) as delivered_at, least(o.undelivered_at, g.undelivered_at) as undelivered_at,
           least(o.failed_at, g.failed_at) as failed_at, least(o.canceled_at, g.canceled_at) as canceled_at,
           o.final_status as old_final, o.final_at as old_final_at, o.final_user_id as old_final_user,
           o.sent_at as old_sent_at, o.price_usd as old_price
      from g join sms_monitor.sms_messages o on o.message_id = g.message_id
  ), w as (
    select n.*, (select s.status from sms_monitor.sms_message_statuses s
                  where s.final_rank is not null
                    and case s.status when 'delivered' then n.delivered_at when 'undelivered' then n.undelivered_at
                                      when 'failed' then n.failed_at when 'canceled' then n.canceled_at end is not null
                  order by s.final_rank desc limit 1) as final_status
      from n
  ), f as (
    select w.*, w.final_status is distinct from w.old_final as final_changed,
           case when w.final_status is distinct from w.old_final
                then case w.final_status when 'delivered' then w.delivered_at when 'undelivered' then w.undelivered_at
                                         when 'failed' then w.failed_at when 'canceled' then w.canceled_at end
                else w.old_final_at end as final_at,
           case when w.final_status is distinct from w.old_final then w.user_id else w.old_final_user end as final_user_id
      from w
  ), firsts as (
    select distinct on (e.message_id, e.status) e.*
      from e join sms_monitor.sms_messages o on o.message_id = e.message_id
     where case e.status when 'queued' then o.queued_at when 'sent' then o.sent_at when 'delivered' then o.delivered_at
                         when 'undelivered' then o.undelivered_at when 'failed' then o.failed_at
                         when 'canceled' then o.canceled_at end is null
     order by e.message_id, e.status, e.n
  ), logged as (
    insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
    select l.message_id, l.status, l.provider_status, l.t_at, l.user_id,
           nullif(l.v - array['message_id', 'status', 'occurred_at', 'user_id', '_status'], '{}'::jsonb)
      from firsts l
     order by l.n
    returning 1
  ), effects as (
    select f.user_id, 'sent_count' as metric_type, 1::numeric as value, f.sent_at as t_at
      from f where f.old_sent_at is null and f.sent_at is not null
    union all
    select f.old_final_user, c.counter, -1, f.old_final_at
      from f join sms_monitor.sms_message_statuses c on c.status = f.old_final where f.final_changed
    union all
    select f.final_user_id, c.counter, 1, f.final_at
      from f join sms_monitor.sms_message_statuses c on c.status = f.final_status where f.final_changed
    union all
    select f.final_user_id, 'avg_delivery_time_ms', round(greatest(0, extract(epoch from f.delivered_at - f.sent_at) * 1000), 3),
           f.delivered_at
      from f
     where f.final_status = 'delivered' and f.sent_at is not null
       and not (f.old_final is not distinct from 'delivered' and f.old_sent_at is not null)
    union all
    select f.user_id, 'sms_cost_usd', f.price_usd, f.price_at
      from f where f.old_price is null and f.price_usd is not null
  ), counted as (
    insert into sms_monitor.sms_metric_events
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
    select coalesce(x.user_id, sms_monitor._system_wide_user()), x.metric_type, (l.t_local)::date,
           extract(hour from l.t_local)::smallint, extract(minute from l.t_local)::smallint, x.value, null
      from effects x cross join lateral (select x.t_at at time zone p_tz as t_local) l
    returning 1
  ), updated as (
    update sms_monitor.sms_messages s
       set user_id = f.user_id, provider = f.provider, sender = f.sender, sender_type = f.sender_type,
           carrier = f.carrier, country = f.country, error_code = f.error_code, segments = f.segments,
           price_usd = f.price_usd, price_at = f.price_at, message_class = f.message_class,
           queued_at = f.queued_at, sent_at = f.sent_at, delivered_at = f.delivered_at,
           undelivered_at = f.undelivered_at, failed_at = f.failed_at, canceled_at = f.canceled_at,
           final_status = f.final_status, final_at = f.final_at, final_user_id = f.final_user_id,
           updated_at = now()
      from f
     where s.message_id = f.message_id
    returning 1
  )
  select (select count(*) from logged) into v_new;
  return v_new;
end;
$$;

comment on function sms_monitor._apply_message_batch(jsonb, text) is
  'Internal: applies a validated batch of message events under their rows'' locks and appends the log rows and the '
  'counter changes they cause.';
revoke all on function sms_monitor._apply_message_batch(jsonb, text) from public;
--! EndIncluded functions/_apply_message_batch.sql
--! Included functions/record_sms_message_events.sql
-- A batch of message status events, all or nothing (docs/messages.md). Every element is checked
-- first; the first bad one raises 22023 naming events[i].field and nothing is written. Then
-- _apply_message_batch applies them set-based (the messages' rows locked in message_id order:
-- concurrent batches touching the same messages cannot deadlock), counting each (message, status)
-- once whatever the order or repetition, and appends the counter changes to sms_metric_events.
--
-- Exactly once with p_batch_id, as record_sms_events: the id is recorded in sms_ingest_batches (one
-- namespace with record_sms_events' ids) in the same transaction; a repeat returns the first result
-- and records nothing. Without an id a repeat still counts once per (message, status), but a
-- repeat that brings an attribute still unknown fills it in.
-- Times: occurred_at within metric_retention_days and at most _max_clock_skew() ahead of the clock.
create or replace function sms_monitor.record_sms_message_events(p_events jsonb, p_batch_id uuid default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count integer;
  v_new integer := 0;
  v_first integer;
  v_problem text;
  v_tz text;
  v_days integer;
  v_now timestamptz := now();
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception 'events: must be a JSON array of message events (got %)',
      coalesce(jsonb_typeof(p_events), 'NULL') using errcode = '22023';
  end if;
  v_count := jsonb_array_length(p_events);
  if v_count > 100000 then
    raise exception 'events: % events is more than the 100000 allowed in one batch', v_count
      using errcode = '22023';
  end if;
  if p_batch_id is not null then
    -- waits for a concurrent call with the same id; the first committed result wins
    insert into sms_monitor.sms_ingest_batches as b (batch_id, recorded)
    values (p_batch_id, 0)
    on conflict (batch_id) do nothing;
    if not found then
      select b.recorded into v_first from sms_monitor.sms_ingest_batches b where b.batch_id = p_batch_id;
      return v_first;
    end if;
  end if;
  if v_count = 0 then
    return 0;
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;

  select format('events[%s].%s', e.n - 1, p.problem)
    into v_problem
    from jsonb_array_elements(p_events) with ordinality as e(v, n)
    cross join lateral (
      select case when jsonb_typeof(e.v) = 'object'
                  then sms_monitor._sms_message_status(e.v ->> 'provider', e.v ->> 'status') end as status
    ) st
    cross join lateral (
      select coalesce(sms_monitor._message_event_problem(e.v, st.status), case
        when not sms_monitor._is_timestamptz(e.v ->> 'occurred_at') then
          format('occurred_at: %s is not a valid time', e.v ->> 'occurred_at')
        when (e.v ->> 'occurred_at')::timestamptz > v_now + sms_monitor._max_clock_skew() then
          format('occurred_at: %s is more than %s ahead of the server clock (%s)', e.v ->> 'occurred_at',
                 sms_monitor._max_clock_skew(), to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        when (e.v ->> 'occurred_at')::timestamptz < v_now - make_interval(days => v_days + 2)
          or ((e.v ->> 'occurred_at')::timestamptz at time zone v_tz)::date < (v_now at time zone v_tz)::date - v_days then
          format('occurred_at: %s is older than the %s days retention keeps (earliest day: %s)',
                 e.v ->> 'occurred_at', v_days, (v_now at time zone v_tz)::date - v_days)
      end) as problem
    ) p
   where p.problem is not null
   order by e.n
   limit 1;
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;

  v_new := sms_monitor._apply_message_batch(
    (select jsonb_agg(e.v || jsonb_build_object('_status', sms_monitor._sms_message_status(e.v ->> 'provider', e.v ->> 'status'))
                      order by e.n)
       from jsonb_array_elements(p_events) with ordinality as e(v, n)),
    v_tz);
  if p_batch_id is not null then
    update sms_monitor.sms_ingest_batches b set recorded = v_new where b.batch_id = p_batch_id;
  end if;
  return v_new;
end;
$$;

comment on function sms_monitor.record_sms_message_events(jsonb, uuid) is
  'Records a JSON array of message events {message_id, status, occurred_at, user_id?, provider?, sender?, '
  'sender_type?, carrier?, country?, error_code?, segments?, price_usd?, message_class?} all or nothing; each '
  '(message, status) counts once and drives sent/delivered/failed/cancelled counts, delivery time and cost. '
  'Returns how many (message, status) pairs were new; 22023 names events[i].field. A repeated p_batch_id '
  'records nothing and returns the first result.';
revoke all on function sms_monitor.record_sms_message_events(jsonb, uuid) from public;
grant execute on function sms_monitor.record_sms_message_events(jsonb, uuid) to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_message_events.sql
--! Included functions/record_sms_message_event.sql
-- One message event: the single-event form of record_sms_message_events (same rules, same
-- counting). p_attributes holds the optional fields (user_id, provider, sender, sender_type,
-- carrier, country, error_code, segments, price_usd, message_class). Errors name the field without
-- the events[0] prefix. Returns 1 when the (message, status) was new, 0 for a repeat.
create or replace function sms_monitor.record_sms_message_event(
  p_message_id text,
  p_status text,
  p_occurred_at timestamptz,
  p_attributes jsonb default '{}'::jsonb
)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  if p_attributes is null or jsonb_typeof(p_attributes) <> 'object' then
    raise exception 'attributes: must be a JSON object (got %)', coalesce(jsonb_typeof(p_attributes), 'NULL')
      using errcode = '22023';
  end if;
  if p_attributes ?| array['message_id', 'status', 'occurred_at'] then
    raise exception 'attributes: must not hold message_id, status or occurred_at (they are arguments)'
      using errcode = '22023';
  end if;
  return sms_monitor.record_sms_message_events(jsonb_build_array(p_attributes || jsonb_build_object(
    'message_id', p_message_id, 'status', p_status,
    'occurred_at', to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))));
exception when sqlstate '22023' then
  -- the same check as the batch form, named as this function's arguments
  raise exception '%', regexp_replace(sqlerrm, '^events\[0\]\.', '') using errcode = '22023';
end;
$$;

comment on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb) is
  'Records one message event (the optional fields in p_attributes) like record_sms_message_events; returns 1 when '
  'the (message, status) was new, 0 for a repeat. 22023 names the field.';
revoke all on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_message_event(text, text, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
--! EndIncluded functions/record_sms_message_event.sql
--! Included functions/_apply_sms_message_retention.sql
-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- messages nothing has arrived for in p_days days (sms_messages.updated_at), and message log rows
-- that arrived before then. Their counters live on in the rollups until those age out too.
create or replace function sms_monitor._apply_sms_message_retention(p_now timestamptz, p_days integer)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  delete from sms_monitor.sms_messages m where m.updated_at < p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_messages'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_events e
   where e.recorded_on < ((p_now - make_interval(days => p_days)) at time zone 'UTC')::date;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_events'; deleted := v_count; return next;
end;
$$;

comment on function sms_monitor._apply_sms_message_retention(timestamptz, integer) is
  'Internal: deletes messages untouched for p_days days and message log rows recorded before then.';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
--! EndIncluded functions/_apply_sms_message_retention.sql
-- Provider webhooks have no bearer token: the HTTP server switches to the writer once a request's
-- provider signature holds (server/webhooks). Tokens still cannot name the writer role.
grant sms_monitor_writer to sms_monitor_authenticator;
comment on role sms_monitor_authenticator is
  'sms-monitor: the HTTP server''s role (PostgREST authenticator): may only SET ROLE to admin, reader or self for a '
  'token, and to writer for a provider webhook whose signature holds.';

-- Breakdowns read messages by the time they entered the pipeline: sent, or final without a send.
create index if not exists sms_messages_window_idx on sms_monitor.sms_messages ((coalesce(sent_at, final_at)));
--! Included functions/_message_window.sql
-- The window [from_at, to_at) of a message read: the last p_minutes (1 to 44640, 31 days) before
-- p_now, or [p_start, p_end) (p_end defaults to p_now; at most 31 days). 22023 naming the field.
create or replace function sms_monitor._message_window(
  p_minutes integer, p_start timestamptz, p_end timestamptz, p_now timestamptz,
  out from_at timestamptz, out to_at timestamptz
)
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  if p_start is not null then
    to_at := coalesce(p_end, p_now);
    from_at := p_start;
    if not isfinite(from_at) or not isfinite(to_at) or to_at <= from_at then
      raise exception 'start: must be a finite time before end (got % to %)', from_at, to_at using errcode = '22023';
    end if;
    if to_at - from_at > interval '31 days' then
      raise exception 'start: the window may span at most 31 days' using errcode = '22023';
    end if;
  elsif p_end is not null then
    raise exception 'end: needs start' using errcode = '22023';
  else
    if p_minutes is null or p_minutes < 1 or p_minutes > 44640 then
      raise exception 'minutes: must be between 1 and 44640 (31 days) (got %)', coalesce(p_minutes::text, 'NULL')
        using errcode = '22023';
    end if;
    to_at := p_now;
    from_at := p_now - make_interval(mins => p_minutes);
  end if;
end;
$$;

comment on function sms_monitor._message_window(integer, timestamptz, timestamptz, timestamptz) is
  'Internal: the [from_at, to_at) window of a message read from minutes or start/end; 22023 when out of bounds.';
revoke all on function sms_monitor._message_window(integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor._message_window(integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_window.sql
--! Included functions/api_message_breakdown.sql
-- GET /api/sms/metrics/breakdown: where messages fail, per value of one attribute. The messages
-- counted are those that entered the pipeline in the window [start, end): sent then, or reaching a
-- final status then without a sent time. Per key (NULL: the attribute is not known):
--   sent: with a sent time; delivered / failed (undelivered + failed): by the winning final status;
--   terminal = delivered + failed; delivery_rate_percent = delivered / terminal (NULL when none);
--   failure_share_percent = the key's failed / all failed in the window;
--   terminal_share_percent = the key's terminal / all terminal (for by=error_code: each code's share);
--   latency_p50_ms, latency_p95_ms: exact percentiles (linear interpolation, percentile_cont) of
--     delivered minus sent over the key's delivered messages with a sent time (NULL when none).
-- Sorted worst first: lowest delivery rate (keys without terminal messages last), then most
-- failures, then the key. Read from sms_messages, whose attributes are complete whenever they
-- arrived (a carrier named by the receipt counts for the send). Row security applies: a self
-- token sees its own messages.
create or replace function sms_monitor.api_message_breakdown(
  p_by text,
  p_minutes integer default 60,
  p_start timestamptz default null,
  p_end timestamptz default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_by is null or p_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    raise exception 'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got %)',
      coalesce(quote_literal(p_by), 'NULL') using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with m as (
    select case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class else s.provider end as key,
           s.sent_at is not null as is_sent,
           s.final_status = 'delivered' as is_delivered,
           s.final_status in ('undelivered', 'failed') as is_failed,
           case when s.final_status = 'delivered' and s.sent_at is not null
                then greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) end as latency_ms
      from sms_monitor.sms_messages s
     where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
  ), k as (
    select m.key, count(*) filter (where m.is_sent) as sent, count(*) filter (where m.is_delivered) as delivered,
           count(*) filter (where m.is_failed) as failed,
           percentile_cont(0.5) within group (order by m.latency_ms) as p50,
           percentile_cont(0.95) within group (order by m.latency_ms) as p95
      from m
     group by m.key
  ), t as (
    select k.*, k.delivered + k.failed as terminal,
           sum(k.failed) over () as all_failed, sum(k.delivered + k.failed) over () as all_terminal
      from k
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', t.key,
           'sent', t.sent,
           'delivered', t.delivered,
           'failed', t.failed,
           'terminal', t.terminal,
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.terminal, 0), 2),
           'failure_share_percent', round(100 * t.failed::numeric / nullif(t.all_failed, 0), 2),
           'terminal_share_percent', round(100 * t.terminal::numeric / nullif(t.all_terminal, 0), 2),
           'latency_p50_ms', round(t.p50::numeric),
           'latency_p95_ms', round(t.p95::numeric))
         order by t.delivered::numeric / nullif(t.terminal, 0) asc nulls last, t.failed desc, t.key collate "C" asc nulls last),
         '[]'::jsonb)
    into v_data
    from t;
  return jsonb_build_object(
    'success', true,
    'by', p_by,
    'start', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'end', to_char(v_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /breakdown: {success, by, start, end, data: [{key, sent, delivered, failed, terminal, delivery_rate_percent, '
  'failure_share_percent, terminal_share_percent, latency_p50_ms, latency_p95_ms}]} per value of p_by (carrier, country, sender, sender_type, error_code, '
  'message_class, provider) for messages entering the pipeline in the last p_minutes (1-44640) or [p_start, p_end), '
  'worst delivery rate first. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_breakdown.sql
--! Included functions/api_message_latency.sql
-- GET /api/sms/metrics/latency: how long delivery takes, overall or per value of one attribute.
-- Over the messages sent in the window [start, end) that are delivered: delivered minus sent (at
-- least 0), exact percentiles p50, p95 and p99 (percentile_cont, linear interpolation) in whole
-- ms, read from sms_messages (not from histograms: exact, and as costly as the window is large).
-- Rows: one (key NULL) without p_by; with p_by one per key, slowest p95 first. Row security
-- applies: a self token sees its own messages.
create or replace function sms_monitor.api_message_latency(
  p_by text default null,
  p_minutes integer default 60,
  p_start timestamptz default null,
  p_end timestamptz default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_by is not null and p_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    raise exception 'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got %)',
      quote_literal(p_by) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with m as (
    select case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class when 'provider' then s.provider end as key,
           greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) as ms
      from sms_monitor.sms_messages s
     where s.sent_at >= v_from and s.sent_at < v_to
       and s.final_status = 'delivered'
  ), k as (
    select m.key, count(*) as delivered,
           percentile_cont(0.5) within group (order by m.ms) as p50,
           percentile_cont(0.95) within group (order by m.ms) as p95,
           percentile_cont(0.99) within group (order by m.ms) as p99
      from m
     group by m.key
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', k.key, 'delivered', k.delivered,
           'p50_ms', round(k.p50::numeric), 'p95_ms', round(k.p95::numeric), 'p99_ms', round(k.p99::numeric))
         order by k.p95 desc, k.key collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k;
  return jsonb_build_object(
    'success', true,
    'by', p_by,
    'start', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'end', to_char(v_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: exact percentiles of '
  'delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall '
  '(p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. '
  'Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_latency.sql
--! Included functions/api_message_receipts.sql
-- GET /api/sms/metrics/receipts: receipt delays, apart from failures. Messages sent between
-- p_minutes and p_after_minutes before p_now (sent long enough ago that a receipt is due) that
-- still have no final status, per carrier and country: sent (all sent in that range), waiting
-- (without a final status), waiting_percent, and the oldest waiting send. Most waiting first; rows
-- with nothing waiting are left out. Row security applies: a self token sees its own messages.
create or replace function sms_monitor.api_message_receipts(
  p_after_minutes integer default 10,
  p_minutes integer default 1440,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_after_minutes is null or p_after_minutes < 1 or p_after_minutes > 10080 then
    raise exception 'after_minutes: must be between 1 and 10080 (7 days) (got %)', coalesce(p_after_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_minutes is null or p_minutes <= p_after_minutes or p_minutes > 44640 then
    raise exception 'minutes: must be more than after_minutes (%) and at most 44640 (got %)', p_after_minutes,
      coalesce(p_minutes::text, 'NULL') using errcode = '22023';
  end if;
  select w.from_at into v_from from sms_monitor._message_window(p_minutes, null, null, p_now) w;
  v_to := p_now - make_interval(mins => p_after_minutes);

  with k as (
    select s.carrier, s.country, count(*) as sent, count(*) filter (where s.final_status is null) as waiting,
           min(s.sent_at) filter (where s.final_status is null) as oldest
      from sms_monitor.sms_messages s
     where s.sent_at >= v_from and s.sent_at < v_to
     group by s.carrier, s.country
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'carrier', k.carrier, 'country', k.country, 'sent', k.sent, 'waiting', k.waiting,
           'waiting_percent', round(100 * k.waiting::numeric / k.sent, 2),
           'oldest_waiting_sent_at', to_char(k.oldest at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
         order by k.waiting desc, k.carrier collate "C" asc nulls last, k.country collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k
   where k.waiting > 0;
  return jsonb_build_object(
    'success', true,
    'after_minutes', p_after_minutes,
    'start', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'end', to_char(v_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_receipts(integer, integer, timestamptz) is
  'GET /receipts: {success, after_minutes, start, end, data: [{carrier, country, sent, waiting, waiting_percent, '
  'oldest_waiting_sent_at}]}: messages sent between p_minutes (default 1440) and p_after_minutes (default 10, 1-10080) '
  'ago still without a final status, per carrier and country, most waiting first. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_receipts(integer, integer, timestamptz) from public;
grant execute on function sms_monitor.api_message_receipts(integer, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_receipts.sql
--! Included functions/api_message_series.sql
-- GET /api/sms/metrics/series: the incident view's minute-grain series. Buckets of p_step minutes
-- (1, 5, 15 or 60, aligned to the UTC clock) covering the last p_minutes up to and including the
-- bucket that holds p_now; a message counts in the bucket of the time it entered the pipeline
-- (sent, or final without a send), as in the breakdown. Per bucket: sent, delivered, failed
-- (undelivered + failed), delivery_rate_percent (delivered / terminal, NULL without terminal) and
-- p95_ms (exact, of delivered minus sent). Without p_by every bucket is listed (zeros when quiet);
-- with p_by one row per bucket and key that has messages. Row security: self sees its own.
create or replace function sms_monitor.api_message_series(
  p_minutes integer default 180,
  p_step integer default 1,
  p_by text default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step interval;
  v_to timestamptz;
  v_from timestamptz;
  v_data jsonb;
begin
  if p_step is null or p_step not in (1, 5, 15, 60) then
    raise exception 'step: must be 1, 5, 15 or 60 minutes (got %)', coalesce(p_step::text, 'NULL') using errcode = '22023';
  end if;
  if p_minutes is null or p_minutes < p_step or p_minutes > 10080 or p_minutes % p_step <> 0 then
    raise exception 'minutes: must be a multiple of step (%) from % to 10080 (got %)', p_step, p_step,
      coalesce(p_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if p_by is not null and p_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    raise exception 'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got %)',
      quote_literal(p_by) using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_step := make_interval(mins => p_step);
  v_to := date_bin(v_step, p_now, timestamptz '2000-01-01 00:00:00+00') + v_step;
  v_from := v_to - make_interval(mins => p_minutes);

  with m as (
    select date_bin(v_step, coalesce(s.sent_at, s.final_at), timestamptz '2000-01-01 00:00:00+00') as bucket,
           case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class when 'provider' then s.provider end as key,
           s.sent_at is not null as is_sent, s.final_status = 'delivered' as is_delivered,
           s.final_status in ('undelivered', 'failed') as is_failed,
           case when s.final_status = 'delivered' and s.sent_at is not null
                then greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) end as latency_ms
      from sms_monitor.sms_messages s
     where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
  ), k as (
    select m.bucket, m.key, count(*) filter (where m.is_sent) as sent, count(*) filter (where m.is_delivered) as delivered,
           count(*) filter (where m.is_failed) as failed,
           percentile_cont(0.95) within group (order by m.latency_ms) as p95
      from m
     group by m.bucket, m.key
  ), rows as (
    select b.bucket, k.key, coalesce(k.sent, 0) as sent, coalesce(k.delivered, 0) as delivered,
           coalesce(k.failed, 0) as failed, k.p95
      from generate_series(v_from, v_to - v_step, v_step) b(bucket)
      left join k on k.bucket = b.bucket
     where p_by is null
    union all
    select k.bucket, k.key, k.sent, k.delivered, k.failed, k.p95 from k where p_by is not null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'at', to_char(r.bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'key', r.key, 'sent', r.sent, 'delivered', r.delivered, 'failed', r.failed,
           'delivery_rate_percent', round(100 * r.delivered::numeric / nullif(r.delivered + r.failed, 0), 2),
           'p95_ms', round(r.p95::numeric))
         order by r.bucket, r.key collate "C" nulls last), '[]'::jsonb)
    into v_data
    from rows r;
  return jsonb_build_object(
    'success', true, 'step_minutes', p_step, 'by', p_by,
    'start', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'end', to_char(v_to at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_series(integer, integer, text, timestamptz) is
  'GET /series: {success, step_minutes, by, start, end, data: [{at, key, sent, delivered, failed, delivery_rate_percent, '
  'p95_ms}]}: buckets of p_step (1, 5, 15, 60) minutes over the last p_minutes (a multiple of step, up to 10080) up to '
  'the bucket holding p_now; every bucket without p_by, non-empty (bucket, key) rows with it. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_series(integer, integer, text, timestamptz) from public;
grant execute on function sms_monitor.api_message_series(integer, integer, text, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_series.sql
