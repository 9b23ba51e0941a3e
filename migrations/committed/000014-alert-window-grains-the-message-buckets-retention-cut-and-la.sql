--! Previous: sha1:81fc5ec19ee1c6ab837a51b254e406d38d85ebde
--! Hash: sha1:e18bd2c78b63e99905aef169729b6ae7f8eaa9c4
--! Message: alert-window grains, the message buckets' retention cut and latency histograms as integer arrays

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

--! Included functions/_minute_bits.sql
-- The bits of sms_metric_active_minutes for one rollup row: bit p_minute (0 .. 59) for a minute
-- row, all 60 bits for an hour row (metric_minute NULL), which counts in a window whenever its hour
-- overlaps it. No SET clause: the planner inlines it into the rollup's and the rebuild's queries.
create or replace function sms_monitor._minute_bits(p_minute integer)
returns bigint
language sql
immutable
parallel safe
as $$
  select coalesce(1::bigint << p_minute, 1152921504606846975);
$$;

comment on function sms_monitor._minute_bits(integer) is
  'Internal: the active-minute bit of minute p_minute (0 .. 59), or all 60 bits for NULL (an hour row).';
revoke all on function sms_monitor._minute_bits(integer) from public;
--! EndIncluded functions/_minute_bits.sql
--! Included functions/_rebuild_window_grains.sql
-- Rebuilds the alert-window grains for the reporting days p_from .. p_to from sms_metric_rollups:
-- sms_metric_rollups_system (per hour the sum of all its rows, per minute the sum of its minute
-- rows, all users together, by metric type) and sms_metric_active_minutes (per user and hour the
-- minutes with a row, and those with a daily_limit_hit_count above zero; an hour row sets all 60).
-- Callers: _rebuild_system_rollups (migration backfill, benchmark seeds) and rollup_sms_metrics when
-- sms_metrics_window_grains says a run left the grains behind. It holds the rollup's lock, so no
-- rollup run changes the minute rollups while they are summed. Returns the sms_metric_rollups_system rows written.
create or replace function sms_monitor._rebuild_window_grains(p_from date, p_to date)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  if p_from is null or p_to is null then
    raise exception 'from and to: both days are needed' using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'));
  delete from sms_monitor.sms_metric_rollups_system s where s.metric_date between p_from and p_to;
  delete from sms_monitor.sms_metric_active_minutes a where a.metric_date between p_from and p_to;
  insert into sms_monitor.sms_metric_rollups_system (metric_date, metric_hour, metric_minute, metric_type, metric_value)
  select r.metric_date, r.metric_hour, r.metric_minute, r.metric_type, sum(r.metric_value)
    from sms_monitor.sms_metric_rollups r
   where r.metric_date between p_from and p_to and r.metric_hour is not null
   group by grouping sets ((r.metric_date, r.metric_hour, r.metric_minute, r.metric_type),
                           (r.metric_date, r.metric_hour, r.metric_type))
  -- the first set's hour rows (minute NULL) are the second set's business
  having grouping(r.metric_minute) = 1 or r.metric_minute is not null
   order by 1, 2, 3, 4;
  get diagnostics v_count = row_count;
  insert into sms_monitor.sms_metric_active_minutes (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
  select r.metric_date, r.metric_hour, r.user_id, bit_or(sms_monitor._minute_bits(r.metric_minute)),
         coalesce(bit_or(sms_monitor._minute_bits(r.metric_minute))
                    filter (where r.metric_type = 'daily_limit_hit_count' and r.metric_value > 0), 0)
    from sms_monitor.sms_metric_rollups r
   where r.metric_date between p_from and p_to and r.metric_hour is not null
     and r.user_id <> sms_monitor._system_wide_user()
   group by r.metric_date, r.metric_hour, r.user_id
   order by 1, 2, 3;
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_window_grains(date, date) is
  'Internal: rebuilds sms_metric_rollups_system and sms_metric_active_minutes for the days p_from .. p_to from '
  'sms_metric_rollups (backfill, seeds, a rollup run that left them behind); returns the system rows written.';
revoke all on function sms_monitor._rebuild_window_grains(date, date) from public;
--! EndIncluded functions/_rebuild_window_grains.sql
--! Included functions/_rebuild_system_rollups.sql
-- Rebuilds the system-wide day rollups (sms_metric_rollups_system_daily: one row per day and metric
-- type for all users together; sms_metric_active_users_daily: which users had any row that day) for
-- the reporting days p_from .. p_to from the per-user day grain (sms_metric_rollups_daily), and the
-- alert-window grains of those days from the minute rollups (_rebuild_window_grains), the way
-- rollup_sms_metrics, the sms_metrics insert trigger and retention keep them. The migration's
-- backfill and the benchmark seeders (which write rollup rows directly) call it; the log tail past
-- the watermark stays out, as in every rollup table (readers add it). It holds the rollup's lock,
-- so no rollup run changes the per-user days while they are summed. Returns the day rows written.
create or replace function sms_monitor._rebuild_system_rollups(p_from date, p_to date)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  if p_from is null or p_to is null then
    raise exception 'from and to: both days are needed' using errcode = '22023';
  end if;
  -- the rollup's own lock (_rollup_claim_range): no run adds to the day grain while it is summed
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'));
  delete from sms_monitor.sms_metric_rollups_system_daily s where s.metric_date between p_from and p_to;
  delete from sms_monitor.sms_metric_active_users_daily a where a.metric_date between p_from and p_to;
  insert into sms_monitor.sms_metric_rollups_system_daily (metric_date, metric_type, metric_value, sample_count)
  select d.metric_date, d.metric_type, sum(d.metric_value), sum(d.sample_count)
    from sms_monitor.sms_metric_rollups_daily d
   where d.metric_date between p_from and p_to
   group by d.metric_date, d.metric_type
   order by d.metric_date, d.metric_type;
  get diagnostics v_count = row_count;
  insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
  select distinct d.metric_date, d.user_id
    from sms_monitor.sms_metric_rollups_daily d
   where d.metric_date between p_from and p_to
     and d.user_id <> sms_monitor._system_wide_user()
   order by d.metric_date, d.user_id;
  perform sms_monitor._rebuild_window_grains(p_from, p_to);
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_system_rollups(date, date) is
  'Internal: rebuilds sms_metric_rollups_system_daily and sms_metric_active_users_daily for the days p_from .. p_to '
  'from sms_metric_rollups_daily, and the alert-window grains (migration backfill, benchmark seeds); returns the day rows written.';
revoke all on function sms_monitor._rebuild_system_rollups(date, date) from public;
--! EndIncluded functions/_rebuild_system_rollups.sql
--! Included functions/rollup_sms_metrics.sql
-- The incremental rollup (every 2 s by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grains (sms_metric_rollups_daily per user, sms_metric_rollups_system_daily
-- for all users, sms_metric_active_users_daily) and the alert-window grains (sms_metric_rollups_system per
-- hour and minute, sms_metric_active_minutes) in the same transaction.
-- The window grains have a watermark of their own (sms_metrics_window_grains): a run with an earlier
-- body of this function (compiled before a migration committed) rolls events up without them, so
-- when it is behind the rollup's watermark, the days of the log rows in between are summed again
-- from the minute rollups (_rebuild_window_grains) before this run's range is added.
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
  v_written record;
  v_grains bigint;
  v_day date;
begin
  if to_regclass(format('sms_monitor.sms_metric_events_%s',
                        to_char((now() at time zone 'UTC')::date + 1, 'YYYYMMDD'))) is null then
    -- (a day with rows in the default partition is left there: see _ensure_sms_event_partitions)
    perform sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date, 3);
  end if;
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_metrics', 'sms_monitor.sms_metric_events',
                                         'sms_monitor.sms_metric_events_id_seq');
  select g.last_id into v_grains from sms_monitor.sms_metrics_window_grains g for update;
  if v_grains is null then
    raise exception 'rollup sms_metrics: no row in sms_metrics_window_grains' using errcode = '55000';
  end if;
  if v_grains < v_range.from_id then
    -- the ids (v_grains, from_id] are in the minute rollups but not in the window grains
    for v_day in
      select distinct e.metric_date from sms_monitor.sms_metric_events e
       where e.id > v_grains and e.id <= v_range.from_id and e.metric_hour is not null
       order by 1
    loop
      perform sms_monitor._rebuild_window_grains(v_day, v_day);
    end loop;
  end if;
  if v_grains is distinct from v_range.to_id then
    update sms_monitor.sms_metrics_window_grains set last_id = v_range.to_id;
  end if;
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  -- one pass over the range: its minute buckets (m), from which every grain is added, keys in a
  -- fixed order (retention's compaction takes the same rows' locks in the same order), and the
  -- tables in a fixed order too: the select list reads each insert's result in turn
  with m as materialized (
    select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute,
           sum(e.metric_value) as metric_value, count(*) as sample_count,
           coalesce(sms_monitor._jsonb_merge_agg(e.metadata order by e.id) filter (where e.metadata is not null),
                    '{}'::jsonb) as metadata
      from sms_monitor.sms_metric_events e
     where e.id > v_range.from_id and e.id <= v_range.to_id
     group by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
  ), minutes as (
    insert into sms_monitor.sms_metric_rollups as r
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
    select m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute, m.metric_value, m.sample_count, m.metadata
      from m
     order by m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute
    on conflict on constraint sms_metric_rollups_key do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count,
          metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata)
    returning 1
  ), days as (
    insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
    select m.user_id, m.metric_type, m.metric_date, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.user_id, m.metric_type, m.metric_date
     order by m.user_id, m.metric_type, m.metric_date
    on conflict on constraint sms_metric_rollups_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), system_days as (
    -- the system-wide day grain and the day's users (what sms_metrics_daily reads)
    insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
    select m.metric_date, m.metric_type, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.metric_date, m.metric_type
     order by m.metric_date, m.metric_type
    on conflict on constraint sms_metric_rollups_system_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), users as (
    insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
    select distinct m.metric_date, m.user_id
      from m
     where m.user_id <> sms_monitor._system_wide_user()
     order by m.metric_date, m.user_id
    on conflict on constraint sms_metric_active_users_daily_pkey do nothing
    returning 1
  ), system_hours as (
    -- the window grains: per hour all its rows, per minute its minute rows, all users together
    insert into sms_monitor.sms_metric_rollups_system as r (metric_date, metric_hour, metric_minute, metric_type, metric_value)
    select m.metric_date, m.metric_hour, m.metric_minute, m.metric_type, sum(m.metric_value)
      from m
     where m.metric_hour is not null
     group by grouping sets ((m.metric_date, m.metric_hour, m.metric_minute, m.metric_type),
                             (m.metric_date, m.metric_hour, m.metric_type))
    having grouping(m.metric_minute) = 1 or m.metric_minute is not null
     order by 1, 2, 3, 4
    on conflict on constraint sms_metric_rollups_system_key do update
      set metric_value = r.metric_value + excluded.metric_value
    returning 1
  ), minutes_active as (
    -- per user and hour the minutes with a row (an unchanged mask is not written again)
    insert into sms_monitor.sms_metric_active_minutes as a (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
    select m.metric_date, m.metric_hour, m.user_id, bit_or(sms_monitor._minute_bits(m.metric_minute)),
           coalesce(bit_or(sms_monitor._minute_bits(m.metric_minute))
                      filter (where m.metric_type = 'daily_limit_hit_count' and m.metric_value > 0), 0)
      from m
     where m.metric_hour is not null and m.user_id <> sms_monitor._system_wide_user()
     group by m.metric_date, m.metric_hour, m.user_id
     order by 1, 2, 3
    on conflict on constraint sms_metric_active_minutes_pkey do update
      set active_minutes = a.active_minutes | excluded.active_minutes,
          limit_minutes = a.limit_minutes | excluded.limit_minutes
      where (a.active_minutes | excluded.active_minutes) <> a.active_minutes
         or (a.limit_minutes | excluded.limit_minutes) <> a.limit_minutes
    returning 1
  )
  select (select coalesce(sum(m.sample_count), 0)::bigint from m) as events, (select count(*) from minutes) as minutes,
         (select count(*) from days) as days, (select count(*) from system_days) as system_days,
         (select count(*) from users) as users, (select count(*) from system_hours) as system_hours,
         (select count(*) from minutes_active) as minutes_active
    into v_written;
  return v_written.events;
end;
$$;

comment on function sms_monitor.rollup_sms_metrics() is
  'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction '
  'with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';
revoke all on function sms_monitor.rollup_sms_metrics() from public;
grant execute on function sms_monitor.rollup_sms_metrics() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/rollup_sms_metrics.sql
--! Included functions/_apply_sms_retention.sql
-- Internal (owner only): retention at any p_now, for tests. Everyone else runs apply_sms_retention(),
-- which uses the server's now(): a caller who could choose the cut-off could delete everything.
-- The daily retention job (pg_cron 'sms-monitor-retention'). Deletes, per sms_monitor.settings:
--   first the rollup (rollup_sms_metrics), so every committed event is in the rollups; then
--   sms_metrics buckets (rollup rows, target 'sms_monitor.sms_metrics', which counts them; the
--     per-user and system-wide day rows, the day's users and the alert-window grains of those days go with them) whose reporting day
--     is more than metric_retention_days (default 400) before the reporting day of p_now, and minute rollups
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
--   messages untouched for metric_retention_days, their older log rows and the message buckets
--     before then (_apply_sms_message_retention: targets sms_messages, sms_message_events,
--     sms_message_minute_stats, sms_message_hour_stats);
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
  delete from sms_monitor.sms_metric_rollups_system_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  delete from sms_monitor.sms_metric_active_users_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  delete from sms_monitor.sms_metric_rollups_system r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  delete from sms_monitor.sms_metric_active_minutes r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  target := 'sms_monitor.sms_metrics'; deleted := v_count; return next;

  -- minutes past _minute_rollup_days() become their hour (keys in the rollup's order); in the window
  -- grains their system-wide minute rows go (the hour rows hold them already) and the user's hour
  -- has all 60 minutes active, as an hour row counts whenever its hour overlaps a window
  with moved as (
    delete from sms_monitor.sms_metric_rollups r
     where r.metric_minute is not null
       and r.metric_date < sms_monitor.reporting_today(p_now) - sms_monitor._minute_rollup_days()
    returning r.*
  ), system_minutes as (
    delete from sms_monitor.sms_metric_rollups_system s
     where s.metric_minute is not null and s.metric_date in (select distinct m.metric_date from moved m)
  ), whole_hours as (
    update sms_monitor.sms_metric_active_minutes a
       set active_minutes = sms_monitor._minute_bits(null),
           limit_minutes = case when a.limit_minutes <> 0 then sms_monitor._minute_bits(null) else 0 end
      from (select distinct m.metric_date, m.metric_hour, m.user_id from moved m) k
     where a.metric_date = k.metric_date and a.metric_hour = k.metric_hour and a.user_id = k.user_id
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
-- sample_count add to the bucket's hour (or day) row and to its day in sms_metric_rollups_daily,
-- sms_metric_rollups_system_daily and sms_metric_active_users_daily, and an hour bucket to the
-- alert-window grains (sms_metric_rollups_system, sms_metric_active_minutes).
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
  insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
  values (new.metric_date, new.metric_type, coalesce(new.metric_value, 0), coalesce(new.sample_count, 0))
  on conflict on constraint sms_metric_rollups_system_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  if new.user_id is not null and new.user_id <> sms_monitor._system_wide_user() then
    insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
    values (new.metric_date, new.user_id)
    on conflict on constraint sms_metric_active_users_daily_pkey do nothing;
  end if;
  if new.metric_hour is not null then
    -- an hour bucket: the alert-window grains (its hour's sum, all 60 minutes of the user active)
    insert into sms_monitor.sms_metric_rollups_system as r (metric_date, metric_hour, metric_minute, metric_type, metric_value)
    values (new.metric_date, new.metric_hour, null, new.metric_type, coalesce(new.metric_value, 0))
    on conflict on constraint sms_metric_rollups_system_key do update
      set metric_value = r.metric_value + excluded.metric_value;
    if new.user_id is not null and new.user_id <> sms_monitor._system_wide_user() then
      insert into sms_monitor.sms_metric_active_minutes as a (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
      values (new.metric_date, new.metric_hour, new.user_id, sms_monitor._minute_bits(null),
              case when new.metric_type = 'daily_limit_hit_count' and new.metric_value > 0 then sms_monitor._minute_bits(null) else 0 end)
      on conflict on constraint sms_metric_active_minutes_pkey do update
        set active_minutes = excluded.active_minutes,
            limit_minutes = a.limit_minutes | excluded.limit_minutes;
    end if;
  end if;
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
--! Included functions/_alert_window_stats.sql
-- The sums an alert window needs, from the alert-window grains plus the log rows past their
-- watermark (sms_metrics_window_grains), in one snapshot: live and counted once.
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
-- Rows read: the sums are the window's whole days (sms_metric_rollups_system_daily), the hours of
-- its partial days (sms_metric_rollups_system's hour rows: an hour row holds every value of its
-- hour), less the minutes of its first and last hour that lie outside it (the minute rows); the
-- users are those of the whole days (sms_metric_active_users_daily, and sms_metric_rollups_daily
-- for the daily limit) and those whose minute masks of the partial days' hours
-- (sms_metric_active_minutes), ANDed with the window's minutes of that hour, are not zero.
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
-- the window bounds decide the plan (which days, hours and minutes): plan with the real values
set plan_cache_mode = force_custom_plan
set max_parallel_workers_per_gather = 0
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
  -- the partial days' hours: the first day's from v_from_hour on (up to v_to_hour when it is also
  -- the last day), the last day's up to v_to_hour
  v_from_part boolean := v_from_date not between v_first_day and v_last_day;
  v_to_part boolean := v_to_date > v_last_day and v_to_date > v_from_date;
  v_from_hour smallint := extract(hour from v_from)::smallint;
  v_to_hour smallint := extract(hour from v_to)::smallint;
  v_from_minute smallint := extract(minute from v_from)::smallint;
  v_to_minute smallint := extract(minute from v_to)::smallint;
  -- the window's minutes of its first hour (v_from_minute .. 59) and of its last (0 .. v_to_minute)
  v_all bigint := sms_monitor._minute_bits(null);
  v_from_mask bigint := sms_monitor._minute_bits(null) # ((1::bigint << v_from_minute) - 1);
  v_to_mask bigint := (1::bigint << (v_to_minute + 1)) - 1;
  -- the log tail's rows are placed as integers (hour * 60 + minute), not as a timestamp per row
  v_from_mod integer := v_from_hour * 60 + v_from_minute;
  v_to_mod integer := v_to_hour * 60 + v_to_minute;
  v_nobody uuid := sms_monitor._system_wide_user();
  v_types text[] := array['sent_count', 'delivered_count', 'llm_success_count', 'template_fallback_count',
                          'llm_cost_usd', 'opt_out_count'];
  v_grains bigint;
  v_rolled bigint;
begin
  -- the log ids the grains hold (the rollup's watermark, or behind it until the next rollup run has
  -- summed again what a run with an earlier body of the rollup left out) and those the day tables
  -- hold; a STABLE function: this and the query below read one snapshot
  select g.last_id, sms_monitor._rollup_watermark('sms_metrics') into v_grains, v_rolled
    from sms_monitor.sms_metrics_window_grains g;
  return query
  with tail as materialized (
    -- the log rows past the watermark of the table that holds their place in the window
    select e.metric_type, e.metric_value, e.user_id
      from sms_monitor.sms_metric_events e
     where e.id > least(v_grains, v_rolled)
       and (e.id > v_rolled or e.metric_date not between v_first_day and v_last_day)
       and (e.id > v_grains or e.metric_date between v_first_day and v_last_day)
       and e.metric_date between v_from_date and v_to_date
       and case
             when e.metric_hour is null then e.metric_date between v_first_day and v_last_day
             else (e.metric_date > v_from_date or e.metric_hour * 60 + coalesce(e.metric_minute, 59) >= v_from_mod)
                  and (e.metric_date < v_to_date or e.metric_hour * 60 + coalesce(e.metric_minute, 0) <= v_to_mod)
           end
  ), sums as (
    select d.metric_type, d.metric_value
      from sms_monitor.sms_metric_rollups_system_daily d
     where d.metric_date between v_first_day and v_last_day and d.metric_type = any (v_types)
    union all
    select h.metric_type, h.metric_value
      from sms_monitor.sms_metric_rollups_system h
     where v_from_part and h.metric_date = v_from_date and h.metric_hour >= v_from_hour
       and (v_from_date < v_to_date or h.metric_hour <= v_to_hour)
       and h.metric_minute is null and h.metric_type = any (v_types)
    union all
    select h.metric_type, h.metric_value
      from sms_monitor.sms_metric_rollups_system h
     where v_to_part and h.metric_date = v_to_date and h.metric_hour <= v_to_hour
       and h.metric_minute is null and h.metric_type = any (v_types)
    union all
    -- the first hour's minutes before the window, the last hour's after it
    select m.metric_type, -m.metric_value
      from sms_monitor.sms_metric_rollups_system m
     where v_from_part and m.metric_date = v_from_date and m.metric_hour = v_from_hour
       and m.metric_minute < v_from_minute and m.metric_type = any (v_types)
    union all
    select m.metric_type, -m.metric_value
      from sms_monitor.sms_metric_rollups_system m
     where v_to_date > v_last_day and m.metric_date = v_to_date and m.metric_hour = v_to_hour
       and m.metric_minute > v_to_minute and m.metric_type = any (v_types)
    union all
    select t.metric_type, t.metric_value from tail t
  ), users as (
    select a.user_id, false as hit_limit
      from sms_monitor.sms_metric_active_users_daily a
     where a.metric_date between v_first_day and v_last_day
    union all
    select d.user_id, true
      from sms_monitor.sms_metric_rollups_daily d
     where d.metric_date between v_first_day and v_last_day
       and d.metric_type = 'daily_limit_hit_count' and d.metric_value > 0 and d.user_id <> v_nobody
    union all
    select a.user_id, (a.limit_minutes & w.mask) <> 0
      from sms_monitor.sms_metric_active_minutes a
     cross join lateral (
       select case when a.metric_hour = v_from_hour then v_from_mask else v_all end
              & case when v_from_date = v_to_date and a.metric_hour = v_to_hour then v_to_mask else v_all end as mask
     ) w
     where v_from_part and a.metric_date = v_from_date and a.metric_hour >= v_from_hour
       and (v_from_date < v_to_date or a.metric_hour <= v_to_hour)
       and (a.active_minutes & w.mask) <> 0
    union all
    select a.user_id, (a.limit_minutes & w.mask) <> 0
      from sms_monitor.sms_metric_active_minutes a
     cross join lateral (
       select case when a.metric_hour = v_to_hour then v_to_mask else v_all end as mask
     ) w
     where v_to_part and a.metric_date = v_to_date and a.metric_hour <= v_to_hour
       and (a.active_minutes & w.mask) <> 0
    union all
    select t.user_id, t.metric_type = 'daily_limit_hit_count' and t.metric_value > 0
      from tail t
     where t.user_id <> v_nobody
  ), u as (
    -- per user first (a hash of a few thousand users, not a sort for count(distinct))
    select x.user_id, bool_or(x.hit_limit) as hit_limit from users x group by x.user_id
  )
  select v_from, v_to + interval '1 minute',
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'sent_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'delivered_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'llm_success_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'template_fallback_count'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'llm_cost_usd'), 0),
         coalesce(sum(s.metric_value) filter (where s.metric_type = 'opt_out_count'), 0),
         (select count(*) from u),
         (select count(*) from u where u.hit_limit)
    from sums s;
end;
$$;

comment on function sms_monitor._alert_window_stats(timestamptz, integer) is
  'Internal: sums, active users and users who hit the daily limit over the minutes from p_now - p_window_minutes '
  'to p_now (reporting timezone, live); hour-only values when their hour overlaps, daily ones when their whole day is inside.';
revoke all on function sms_monitor._alert_window_stats(timestamptz, integer) from public;
--! EndIncluded functions/_alert_window_stats.sql

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
--! Included functions/_message_bucket_cut.sql
-- The retention cut of the message buckets (sms_message_minute_stats, sms_message_hour_stats): no
-- bucket row exists for a minute before it. Retention (_apply_sms_message_retention) advances it
-- to the whole hour containing now - metric_retention_days and deletes both grains before it;
-- the fold (_fold_message_events) and the rebuild (_rebuild_message_minute_stats) write no bucket
-- row before it, so a late event of a message whose minute lies before the cut changes
-- sms_messages and no bucket. Kept in the 'sms_messages' row of sms_rollup_watermarks, which each
-- fold locks with its claim: a fold and a retention run wait for each other. -infinity until the
-- first retention run.
create or replace function sms_monitor._message_bucket_cut()
returns timestamptz
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select w.bucket_cut from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_messages'),
                  '-infinity'::timestamptz)
$$;

comment on function sms_monitor._message_bucket_cut() is
  'Internal: the minute before which no message bucket exists (retention''s cut; the fold writes no bucket before it).';
revoke all on function sms_monitor._message_bucket_cut() from public;
--! EndIncluded functions/_message_bucket_cut.sql
--! Included functions/_apply_sms_message_retention.sql
-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- messages nothing has arrived for in p_days days (sms_messages.updated_at), and message log rows
-- that arrived before then, and the message buckets (sms_message_minute_stats,
-- sms_message_hour_stats) before the whole hour that contains then (_message_bucket_cut, advanced
-- first: it locks the fold's watermark row, so a running fold finishes first and the next one
-- waits, then writes no bucket before the cut): both grains are cut at the same hour, so every
-- hour bucket kept is still the sum of its minute buckets. Their counters live on in the rollups
-- until those age out too.
create or replace function sms_monitor._apply_sms_message_retention(p_now timestamptz, p_days integer)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_bucket_cut timestamptz;
begin
  -- the cut never moves back (a longer retention setting does not bring deleted buckets back)
  update sms_monitor.sms_rollup_watermarks w
     set bucket_cut = greatest(w.bucket_cut,
                               date_bin('1 hour', p_now - make_interval(days => p_days), timestamptz '2000-01-01 00:00:00+00'))
   where w.rollup_name = 'sms_messages';
  v_bucket_cut := sms_monitor._message_bucket_cut();
  delete from sms_monitor.sms_messages m where m.updated_at < p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_messages'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_events e
   where e.recorded_on < ((p_now - make_interval(days => p_days)) at time zone 'UTC')::date;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_events'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_minute_stats t where t.minute < v_bucket_cut;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_minute_stats'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_hour_stats t where t.minute < v_bucket_cut;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_hour_stats'; deleted := v_count; return next;
end;
$$;

comment on function sms_monitor._apply_sms_message_retention(timestamptz, integer) is
  'Internal: deletes messages untouched for p_days days, message log rows recorded before then, and the minute '
  'and hour buckets before the whole hour containing then (advancing _message_bucket_cut).';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
--! EndIncluded functions/_apply_sms_message_retention.sql
--! Included functions/_fold_message_events.sql
-- The message fold (rollup_sms_messages): applies the logged message events with ids in
-- (p_from_id, p_to_id] to sms_messages and the counters, in a few set-based statements; returns
-- how many events it folded. Only the fold writes sms_messages, serialized by its claim's advisory
-- lock (_rollup_claim_range), so writers only append to the log and never update a shared row.
-- First the range's messages get their sms_messages row (in message_id order). Then, from each
-- message's state before (o) and after (f) the range:
--   - each (message, status) counts once: a repeat (or another spelling of the status, such as
--     read for delivered) may fill attributes still unknown and an earlier time: a status's time
--     is the earliest reported;
--   - attributes: the first value given for each stays (a carrier from a receipt, a sender from the
--     send: whichever event brings it; inside a range, the event logged first);
--   - counters, each from the state before and after, so order does not matter: sent_count +1 when
--     the message first has a sent time; the winning final status (highest final_rank) +1 on its
--     counter, and a final status that loses to a later-arriving higher one gives its 1 back (-1);
--     one avg_delivery_time_ms sample (delivered minus sent, at least 0) once it is delivered and
--     has a sent time, whichever came first, from the times known then (a later repeat with an
--     earlier time corrects sms_messages, not the sample taken); sms_cost_usd + the first price.
--     Each counter lands in the minute of the time it was counted at (final_at for the final
--     status, which is where a take-back goes), appended to sms_metric_events.
-- The minute buckets (sms_message_minute_stats) change by deltas in the same statement: each changed
-- message's rows before (_message_contributions of the old row) are subtracted and its rows after
-- added, keys upserted in a fixed order, and their sums per hour likewise to sms_message_hour_stats;
-- buckets left without messages are deleted. Minutes before the retention cut (_message_bucket_cut)
-- get no delta: retention deleted their buckets (a late receipt of a message sent before the cut
-- would leave a negative or partial row there); sms_messages is updated all the same. The cut is
-- read after the claim, which holds the row retention advances it in.
create or replace function sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_cut timestamptz := sms_monitor._message_bucket_cut();
begin
  insert into sms_monitor.sms_messages as s (message_id)
  select i.id
    from (select distinct l.message_id as id from sms_monitor.sms_message_events l
           where l.id > p_from_id and l.id <= p_to_id) i
   order by i.id collate "C"
  on conflict on constraint sms_messages_pkey do update set updated_at = now();

  with e as (
    select l.id as n, l.message_id, l.status, l.occurred_at as t_at, l.user_id, coalesce(l.attributes, '{}'::jsonb) as v
      from sms_monitor.sms_message_events l
     where l.id > p_from_id and l.id <= p_to_id
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
    returning s as m
  ), moved as (
    select -1 as sign, c.*
      from sms_monitor.sms_messages o
      join f on f.message_id = o.message_id
     cross join lateral sms_monitor._message_contributions(o) c
     where c.minute >= v_cut
    union all
    select 1, c.* from updated u cross join lateral sms_monitor._message_contributions(u.m) c
     where c.minute >= v_cut
  ), pre as (
    -- summed per bucket key and latency bucket / error code first, so the histograms and count maps
    -- of the minutes (delta) and of the hours (hourly) are built from these few sums rather than
    -- from one per moved row
    select d.minute, d.dimension, d.value, d.carrier_country, sms_monitor._latency_bucket(d.latency_ms) as bucket, d.error_code,
           sum(d.sign) as messages, sum(d.sign * d.sent) as sent,
           sum(d.sign * d.delivered) as delivered, sum(d.sign * d.undelivered) as undelivered,
           sum(d.sign * d.failed) as failed, sum(d.sign * d.canceled) as canceled, sum(d.sign * d.waiting) as waiting
      from moved d
     group by 1, 2, 3, 4, 5, 6
  ), delta as (
    select d.minute, d.dimension, d.value, d.carrier_country, sum(d.messages)::bigint as messages, sum(d.sent)::bigint as sent,
           sum(d.delivered)::bigint as delivered, sum(d.undelivered)::bigint as undelivered,
           sum(d.failed)::bigint as failed, sum(d.canceled)::bigint as canceled, sum(d.waiting)::bigint as waiting,
           sms_monitor._latency_histogram_of(case when d.bucket is not null and d.messages <> 0
                                                  then array[d.bucket, d.messages::integer] end) as latency,
           sms_monitor._count_map_sum(case when d.error_code is not null and d.messages <> 0
                                           then jsonb_build_object(d.error_code, d.messages) end) as error_codes
      from pre d
     group by d.minute, d.dimension, d.value, d.carrier_country
  ), bucketed as (
    insert into sms_monitor.sms_message_minute_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select d.* from delta d
     where d.messages <> 0 or d.sent <> 0 or d.delivered <> 0 or d.undelivered <> 0 or d.failed <> 0
        or d.canceled <> 0 or d.waiting <> 0 or cardinality(d.latency) > 0 or d.error_codes <> '{}'
     order by d.dimension, d.minute, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_minute_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._latency_histogram_add(t.latency, excluded.latency),
           error_codes = sms_monitor._count_map_add(t.error_codes, excluded.error_codes)
    returning 1
  ), hourly as (
    insert into sms_monitor.sms_message_hour_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select date_bin('1 hour', d.minute, timestamptz '2000-01-01 00:00:00+00'), d.dimension, d.value, d.carrier_country, sum(d.messages),
           sum(d.sent), sum(d.delivered), sum(d.undelivered), sum(d.failed), sum(d.canceled), sum(d.waiting),
           sms_monitor._latency_histogram_of(case when d.bucket is not null and d.messages <> 0
                                                  then array[d.bucket, d.messages::integer] end),
           sms_monitor._count_map_sum(case when d.error_code is not null and d.messages <> 0
                                           then jsonb_build_object(d.error_code, d.messages) end)
      from pre d
     group by 1, d.dimension, d.value, d.carrier_country
     order by d.dimension, 1, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_hour_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._latency_histogram_add(t.latency, excluded.latency),
           error_codes = sms_monitor._count_map_add(t.error_codes, excluded.error_codes)
    returning 1
  )
  select count(*) into v_count from e;
  -- a bucket every message has left (its attribute arrived, or its time changed minute) goes
  delete from sms_monitor.sms_message_minute_stats t where t.messages = 0;
  delete from sms_monitor.sms_message_hour_stats t where t.messages = 0;
  return v_count;
end;
$$;

comment on function sms_monitor._fold_message_events(bigint, bigint, text) is
  'Internal: folds the logged message events (p_from_id, p_to_id] into sms_messages and appends the counter changes '
  'they cause; the caller holds the fold''s claim (rollup_sms_messages).';
revoke all on function sms_monitor._fold_message_events(bigint, bigint, text) from public;
--! EndIncluded functions/_fold_message_events.sql
--! Included functions/_rebuild_message_minute_stats.sql
-- Rebuilds the minute buckets (sms_message_minute_stats) of [p_from, p_to) from sms_messages: the
-- minutes' rows are deleted and grouped again (_message_minute_rows), and the hours the range
-- touches summed again from their minutes (sms_message_hour_stats). The upgrade backfills with
-- it and the read benchmark's seeder builds its buckets with it; the fold keeps them up to date by
-- deltas. The bounds must be whole minutes (22023). Minutes before the retention cut
-- (_message_bucket_cut) are left out, as the fold leaves them. Returns the rows written. Run it
-- where no fold runs concurrently over the same minutes (it takes the fold's lock: rollup_sms_messages).
create or replace function sms_monitor._rebuild_message_minute_stats(p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_from timestamptz;
  v_h_from timestamptz;
  v_h_to timestamptz;
begin
  if p_from is null or p_to is null or p_to < p_from
     or date_bin('1 minute', p_from, timestamptz '2000-01-01 00:00:00+00') <> p_from
     or date_bin('1 minute', p_to, timestamptz '2000-01-01 00:00:00+00') <> p_to then
    raise exception 'rebuild: the range must be whole minutes, from before to (got % to %)', p_from, p_to
      using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_messages'));
  v_from := greatest(p_from, sms_monitor._message_bucket_cut());
  if v_from >= p_to then
    return 0;
  end if;
  delete from sms_monitor.sms_message_minute_stats t where t.minute >= v_from and t.minute < p_to;
  insert into sms_monitor.sms_message_minute_stats
    (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
  select r.* from sms_monitor._message_minute_rows(v_from, p_to, true, null) r
   order by r.dimension, r.minute, r.value collate "C", r.carrier_country collate "C";
  get diagnostics v_count = row_count;
  -- the hours the range touches, summed again from all their minutes
  v_h_from := date_bin('1 hour', v_from, timestamptz '2000-01-01 00:00:00+00');
  v_h_to := date_bin('1 hour', p_to - interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
  delete from sms_monitor.sms_message_hour_stats t where t.minute >= v_h_from and t.minute < v_h_to;
  insert into sms_monitor.sms_message_hour_stats
    (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
  select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00'), t.dimension, t.value, t.carrier_country, sum(t.messages),
         sum(t.sent), sum(t.delivered), sum(t.undelivered), sum(t.failed), sum(t.canceled), sum(t.waiting),
         sms_monitor._latency_histogram_sum(t.latency), sms_monitor._count_map_sum(t.error_codes)
    from sms_monitor.sms_message_minute_stats t
   where t.minute >= v_h_from and t.minute < v_h_to
   group by 1, t.dimension, t.value, t.carrier_country
   order by t.dimension, 1, t.value collate "C", t.carrier_country collate "C";
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_message_minute_stats(timestamptz, timestamptz) is
  'Internal: recomputes the minute buckets of [p_from, p_to) (whole minutes) from sms_messages; returns the minute rows written.';
revoke all on function sms_monitor._rebuild_message_minute_stats(timestamptz, timestamptz) from public;
--! EndIncluded functions/_rebuild_message_minute_stats.sql
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
--! Included functions/_latency_histogram.sql
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
--! EndIncluded functions/_latency_histogram.sql
--! Included functions/_histogram_percentile.sql
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
--! EndIncluded functions/_histogram_percentile.sql
--! Included functions/_message_minute_rows.sql
-- The minute buckets of the messages entering the pipeline in [p_from, p_to) (coalesce(sent_at,
-- final_at)), computed from sms_messages: the rows of sms_message_minute_stats for that range, of
-- every kind when p_every_kind, else of the kind p_dimension alone (NULL: every message). Used to
-- build the buckets (_rebuild_message_minute_stats), for the partial minutes at a read window's
-- edges (_message_stats) and to check the buckets against a recomputation. Row security of
-- sms_messages applies to the caller. No SET clause, every function name qualified: the planner
-- inlines it into the caller's query (a message read plans once instead of once per call of this).
create or replace function sms_monitor._message_minute_rows(
  p_from timestamptz, p_to timestamptz, p_every_kind boolean, p_dimension sms_monitor.message_dimension
)
returns table (minute timestamptz, dimension sms_monitor.message_dimension, value text, carrier_country text, messages bigint,
               sent bigint, delivered bigint, undelivered bigint, failed bigint, canceled bigint, waiting bigint,
               latency integer[], error_codes jsonb)
language sql
stable
security invoker
as $$
  select c.minute, c.dimension, c.value, c.carrier_country, pg_catalog.count(*), pg_catalog.sum(c.sent),
         pg_catalog.sum(c.delivered), pg_catalog.sum(c.undelivered), pg_catalog.sum(c.failed),
         pg_catalog.sum(c.canceled), pg_catalog.sum(c.waiting), sms_monitor._latency_histogram(c.latency_ms),
         sms_monitor._count_map(c.error_code)
    from sms_monitor.sms_messages s
   cross join lateral sms_monitor._message_contributions(s) c
   where coalesce(s.sent_at, s.final_at) >= p_from and coalesce(s.sent_at, s.final_at) < p_to
     and (p_every_kind or (p_dimension is null and c.dimension is null) or c.dimension = p_dimension)
   group by c.minute, c.dimension, c.value, c.carrier_country
$$;

comment on function sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension) is
  'Internal: the sms_message_minute_stats rows of the messages entering in [p_from, p_to), from sms_messages '
  '(every kind, or p_dimension''s alone).';
revoke all on function sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension) from public;
grant execute on function sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_minute_rows.sql
--! Included functions/_message_stats.sql
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
begin
  if v_lo < p_from then
    v_lo := v_lo + interval '1 minute';
  end if;
  if v_hi <= v_lo or not has_table_privilege('sms_monitor.sms_message_minute_stats', 'select') then
    v_lo := p_to;
    v_hi := p_to;
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
--! EndIncluded functions/_message_stats.sql
