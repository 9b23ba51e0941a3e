--! Previous: sha1:40e0639d3be367b7139b60ed9dba6fb6d65599af
--! Hash: sha1:5f98c3e8cf383a13ea470cec8190bdb513c7e26d
--! Message: System-wide day rollups and per-minute message buckets

-- System-wide day rollups and per-minute message buckets: dashboard day figures read 12 rows a
-- day instead of one per user and type, and message reads (breakdowns, latency, series, receipts,
-- message rules) merge per-minute and per-hour buckets instead of scanning every message.

-- == system-wide day rollups (dashboard reads at 100M events) ==
-- One row per (day, metric type) for all users together, and one per (day, user) that had any
-- value that day: maintained in the rollup's transaction (rollup_sms_metrics), by the sms_metrics
-- insert trigger and by retention, so the dashboard's day figures read 12 rows a day instead of
-- one per user and type. Local tables under Citus too (keyed by day, not by user).
create table if not exists sms_monitor.sms_metric_rollups_system_daily (
  metric_date date not null,
  metric_type text not null,
  metric_value numeric not null,
  sample_count bigint not null,
  constraint sms_metric_rollups_system_daily_pkey primary key (metric_date, metric_type)
);
comment on table sms_monitor.sms_metric_rollups_system_daily is
  'Rolled-up days per metric type for all users together (the sums of sms_metric_rollups_daily per day and type), '
  'written in the same transactions (rollup_sms_metrics, retention, owner imports). sms_metrics_daily reads it.';
alter table sms_monitor.sms_metric_rollups_system_daily enable row level security;
revoke all on sms_monitor.sms_metric_rollups_system_daily from public;
grant select on sms_monitor.sms_metric_rollups_system_daily to sms_monitor_reader;
drop policy if exists sms_metric_rollups_system_daily_reader_all on sms_monitor.sms_metric_rollups_system_daily;
create policy sms_metric_rollups_system_daily_reader_all on sms_monitor.sms_metric_rollups_system_daily
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_metric_active_users_daily (
  metric_date date not null,
  user_id uuid not null,
  constraint sms_metric_active_users_daily_pkey primary key (metric_date, user_id)
);
comment on table sms_monitor.sms_metric_active_users_daily is
  'The users (not the system-wide nil UUID) with any rolled-up value per reporting day: a row per (day, user), '
  'added with the rollup (ON CONFLICT DO NOTHING), deleted with the day by retention. sms_metrics_daily counts it.';
alter table sms_monitor.sms_metric_active_users_daily enable row level security;
revoke all on sms_monitor.sms_metric_active_users_daily from public;
grant select on sms_monitor.sms_metric_active_users_daily to sms_monitor_reader;
drop policy if exists sms_metric_active_users_daily_reader_all on sms_monitor.sms_metric_active_users_daily;
create policy sms_metric_active_users_daily_reader_all on sms_monitor.sms_metric_active_users_daily
  for select to sms_monitor_reader using (true);

--! Included functions/_rebuild_system_rollups.sql
-- Rebuilds the system-wide day rollups (sms_metric_rollups_system_daily: one row per day and metric
-- type for all users together; sms_metric_active_users_daily: which users had any row that day) for
-- the reporting days p_from .. p_to from the per-user day grain (sms_metric_rollups_daily), the way
-- rollup_sms_metrics, the sms_metrics insert trigger and retention keep them. The migration's
-- backfill and the benchmark seeders (which write rollup rows directly) call it; the log tail past
-- the watermark stays out, as in every rollup table (readers add it). Returns the day rows written.
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
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_system_rollups(date, date) is
  'Internal: rebuilds sms_metric_rollups_system_daily and sms_metric_active_users_daily for the days p_from .. p_to '
  'from sms_metric_rollups_daily (migration backfill, benchmark seeds); returns the day rows written.';
revoke all on function sms_monitor._rebuild_system_rollups(date, date) from public;
--! EndIncluded functions/_rebuild_system_rollups.sql
--! Included functions/rollup_sms_metrics.sql
-- The incremental rollup (every 2 s by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grains (sms_metric_rollups_daily per user, sms_metric_rollups_system_daily
-- for all users, sms_metric_active_users_daily) in the same transaction.
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
  -- the system-wide day grain and the day's users, from the same range (what sms_metrics_daily reads)
  insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
  select e.metric_date, e.metric_type, sum(e.metric_value), count(*)
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
   group by e.metric_date, e.metric_type
   order by e.metric_date, e.metric_type
  on conflict on constraint sms_metric_rollups_system_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
  select distinct e.metric_date, e.user_id
    from sms_monitor.sms_metric_events e
   where e.id > v_range.from_id and e.id <= v_range.to_id
     and e.user_id <> sms_monitor._system_wide_user()
   order by e.metric_date, e.user_id
  on conflict on constraint sms_metric_active_users_daily_pkey do nothing;
  return v_count;
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
  delete from sms_monitor.sms_metric_rollups_system_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  delete from sms_monitor.sms_metric_active_users_daily r
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
-- sms_metric_rollups_system_daily and sms_metric_active_users_daily.
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
-- at record time), live: the system-wide day rollups (sms_metric_rollups_system_daily, a row per day
-- and metric type) plus the log rows past the rollup's watermark, in one snapshot, so a value counts
-- from its commit on, once. A filter on metric_date reaches both tables' date ranges. Active users:
-- users (not the system-wide nil UUID) with any value that day: the rolled-up ones
-- (sms_metric_active_users_daily) plus those the tail adds.
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
           -- the day's users in the rollups, plus those only in the tail so far
           coalesce((select count(*) from sms_monitor.sms_metric_active_users_daily a
                      where a.metric_date = m.metric_date), 0)
           + (select count(distinct e.user_id)
                from sms_monitor.sms_metric_events e
               where e.id > sms_monitor._rollup_watermark('sms_metrics')
                 and e.metric_date = m.metric_date
                 and e.user_id <> sms_monitor._system_wide_user()
                 and not exists (select from sms_monitor.sms_metric_active_users_daily a
                                  where a.metric_date = e.metric_date and a.user_id = e.user_id)) as active_users
      from (
        select d.metric_date, d.metric_type, d.metric_value, d.sample_count
          from sms_monitor.sms_metric_rollups_system_daily d
        union all
        select e.metric_date, e.metric_type, e.metric_value, 1
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
--! Included functions/api_today_metrics.sql
-- GET /api/sms/metrics/today as a function: today's figures plus health. The figures are
-- sms_metrics_daily's row for today: live (the system-wide day rollup plus the not-yet-rolled-up
-- log, a dozen rows and the tail), so an event counts from its commit on. "source" names the
-- reading the caller asked for: "live" with p_live => true, "sms_metrics_daily" otherwise; both are
-- the same live figures (the dashboard page asks for live, so its tiles and its top-users table
-- show the same moment).
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
-- sms_metrics_daily with a long log tail is costed past jit_above_cost: compiling would take
-- about 0.5 s, the read itself tens of milliseconds
set jit = off
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
  v_live := coalesce(p_live, false);
  select * into v_d from sms_monitor.sms_metrics_daily d where d.metric_date = v_today;
  -- No row in the view (nothing recorded today): zeros and unknowns.
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
  'overall_healthy, driving_rule, reason, as_of)}. From sms_metrics_daily (live); source says whether p_live was asked.';
revoke all on function sms_monitor.api_today_metrics(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_today_metrics(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_today_metrics.sql
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
-- sms_metrics_daily with a long log tail is costed past jit_above_cost: compiling would take
-- about 0.5 s, the read itself tens of milliseconds
set jit = off
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
--! Included functions/_alert_cost_baseline.sql
-- The cost-spike baseline: mean daily LLM cost per active user over the 30 reporting days before
-- p_today, from sms_metrics_daily (30 rows, not 30 days of raw buckets): sum(llm_cost_usd) /
-- sum(active_users), i.e. cost per active user-day (a true mean, not an average of daily ratios).
-- days = how many of those days had traffic. NULLs when the view has never been refreshed.
create or replace function sms_monitor._alert_cost_baseline(p_today date)
returns table (cost_per_user_day numeric, days integer)
language plpgsql
stable
rows 1
security invoker
set search_path = pg_catalog, pg_temp
-- sms_metrics_daily with a long log tail is costed past jit_above_cost: compiling would take
-- about 0.5 s, the read itself tens of milliseconds
set jit = off
as $$
begin
  if not (select c.relispopulated from pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    return query select null::numeric, 0;
    return;
  end if;
  return query
  select sum(d.llm_cost_usd) / nullif(sum(d.active_users), 0),
         (count(*) filter (where d.active_users > 0))::integer
    from sms_monitor.sms_metrics_daily d
   where d.metric_date between p_today - 30 and p_today - 1;
end;
$$;

comment on function sms_monitor._alert_cost_baseline(date) is
  'Internal: sum(llm_cost_usd) / sum(active_users) over the 30 reporting days before p_today (sms_metrics_daily), '
  'and how many of them had active users.';
revoke all on function sms_monitor._alert_cost_baseline(date) from public;
--! EndIncluded functions/_alert_cost_baseline.sql
-- backfill: every day the per-user day grain holds (a database with data keeps its totals)
select sms_monitor._rebuild_system_rollups(min(d.metric_date), max(d.metric_date))
  from sms_monitor.sms_metric_rollups_daily d
having count(*) > 0;
-- == end of system-wide day rollups ==
-- ---------------------------------------------------------------------------------------------
-- Message reads from minute buckets (sms_message_minute_stats): the fold keeps per-minute,
-- per-dimension counts and latency histograms by deltas; the message readers and the message
-- rules merge them. Existing messages are backfilled below.
create table if not exists sms_monitor.sms_message_minute_stats (
  minute timestamptz not null,
  dimension sms_monitor.message_dimension,
  value text,
  carrier_country text,
  messages bigint not null,
  sent bigint not null,
  delivered bigint not null,
  undelivered bigint not null,
  failed bigint not null,
  canceled bigint not null,
  waiting bigint not null,
  latency jsonb not null,
  error_codes jsonb not null,
  constraint sms_message_minute_stats_key unique nulls not distinct (dimension, minute, value, carrier_country)
);
create index if not exists sms_message_minute_stats_empty_idx on sms_monitor.sms_message_minute_stats (minute)
  where messages = 0;
comment on table sms_monitor.sms_message_minute_stats is
  'Per minute (of coalesce(sent_at, final_at)) and per value of one message_dimension (dimension NULL: every '
  'message, value NULL; carrier rows also per carrier_country, the message''s country, for the receipts read), '
  'the counts of sms_messages: messages, sent, delivered, undelivered, failed, canceled (winning '
  'final status), waiting (sent, no final status), latency {histogram bucket: delivered with a sent time} and '
  'error_codes {code: terminal}. Kept by the fold (_fold_message_events) by deltas; merged by _message_stats.';
-- the same counts per hour (minute: the hour's start), the sums of the hour's minute rows, so long
-- windows merge 60 times fewer rows
create table if not exists sms_monitor.sms_message_hour_stats (
  minute timestamptz not null,
  dimension sms_monitor.message_dimension,
  value text,
  carrier_country text,
  messages bigint not null,
  sent bigint not null,
  delivered bigint not null,
  undelivered bigint not null,
  failed bigint not null,
  canceled bigint not null,
  waiting bigint not null,
  latency jsonb not null,
  error_codes jsonb not null,
  constraint sms_message_hour_stats_key unique nulls not distinct (dimension, minute, value, carrier_country)
);
create index if not exists sms_message_hour_stats_empty_idx on sms_monitor.sms_message_hour_stats (minute)
  where messages = 0;
comment on table sms_monitor.sms_message_hour_stats is
  'sms_message_minute_stats summed per hour (minute: the hour''s start); kept by the fold with the same deltas.';
alter table sms_monitor.sms_message_hour_stats enable row level security;
revoke all on sms_monitor.sms_message_hour_stats from public;
grant select on sms_monitor.sms_message_hour_stats to sms_monitor_reader;
drop policy if exists sms_message_hour_stats_reader_all on sms_monitor.sms_message_hour_stats;
create policy sms_message_hour_stats_reader_all on sms_monitor.sms_message_hour_stats
  for select to sms_monitor_reader using (true);
alter table sms_monitor.sms_message_minute_stats enable row level security;
revoke all on sms_monitor.sms_message_minute_stats from public;
grant select on sms_monitor.sms_message_minute_stats to sms_monitor_reader;
drop policy if exists sms_message_minute_stats_reader_all on sms_monitor.sms_message_minute_stats;
create policy sms_message_minute_stats_reader_all on sms_monitor.sms_message_minute_stats
  for select to sms_monitor_reader using (true);

-- the messages still waiting for a final status (few): the receipts read's oldest waiting send
create index if not exists sms_messages_waiting_idx on sms_monitor.sms_messages (sent_at) where final_status is null;

--! Included functions/_message_value.sql
-- The value of one message attribute (a message_dimension) of a sms_messages row: the one mapping
-- from a dimension to its column, used by the message readers and the minute buckets. No SET
-- clause, every name qualified: the planner inlines it.
create or replace function sms_monitor._message_value(p_message sms_monitor.sms_messages,
                                                     p_dimension sms_monitor.message_dimension)
returns text
language sql
immutable
parallel safe
as $$
  select case p_dimension
           when 'carrier' then (p_message).carrier when 'country' then (p_message).country
           when 'sender' then (p_message).sender when 'sender_type' then (p_message).sender_type
           when 'error_code' then (p_message).error_code when 'message_class' then (p_message).message_class
           when 'provider' then (p_message).provider end
$$;

comment on function sms_monitor._message_value(sms_monitor.sms_messages, sms_monitor.message_dimension) is
  'Internal: the message''s value of p_dimension (carrier, country, ...), NULL when unknown or p_dimension is NULL.';
revoke all on function sms_monitor._message_value(sms_monitor.sms_messages, sms_monitor.message_dimension) from public;
grant execute on function sms_monitor._message_value(sms_monitor.sms_messages, sms_monitor.message_dimension)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_value.sql
--! Included functions/_message_contributions.sql
-- What one message adds to the minute buckets (sms_message_minute_stats): nothing while it has no
-- time entering the pipeline, else one row per bucket kind (dimension NULL: every message, then one
-- per message_dimension with the message's value of it) in the minute of coalesce(sent_at,
-- final_at), the time the message readers window on; the carrier row also names the message's
-- country (carrier_country: receipts are read per carrier and country). Per row: sent (has a sent time), its winning
-- final status as delivered / undelivered / failed / canceled, waiting (sent, no final status),
-- latency_ms (delivered minus sent, at least 0, when delivered with a sent time) and error_code
-- (when terminal: delivered, undelivered or failed). The fold adds a message's rows after a change
-- and subtracts those from before it; _message_minute_rows groups them from scratch. No SET
-- clause, every name qualified: the planner inlines it.
create or replace function sms_monitor._message_contributions(p_message sms_monitor.sms_messages)
returns table (minute timestamptz, dimension sms_monitor.message_dimension, value text, carrier_country text, sent integer,
               delivered integer, undelivered integer, failed integer, canceled integer, waiting integer,
               latency_ms double precision, error_code text)
language sql
stable
parallel safe
as $$
  select pg_catalog.date_bin('1 minute', coalesce((p_message).sent_at, (p_message).final_at),
                             timestamptz '2000-01-01 00:00:00+00'),
         k.d, sms_monitor._message_value(p_message, k.d), case when k.d = 'carrier' then (p_message).country end,
         ((p_message).sent_at is not null)::integer,
         ((p_message).final_status is not distinct from 'delivered')::integer, ((p_message).final_status is not distinct from 'undelivered')::integer,
         ((p_message).final_status is not distinct from 'failed')::integer, ((p_message).final_status is not distinct from 'canceled')::integer,
         ((p_message).sent_at is not null and (p_message).final_status is null)::integer,
         case when (p_message).final_status = 'delivered' and (p_message).sent_at is not null
              then greatest(0, extract(epoch from (p_message).delivered_at - (p_message).sent_at) * 1000)::double precision
         end,
         case when (p_message).final_status in ('delivered', 'undelivered', 'failed') then (p_message).error_code end
    from pg_catalog.unnest(array[null::sms_monitor.message_dimension]
                           || pg_catalog.enum_range(null::sms_monitor.message_dimension)) as k(d)
   where coalesce((p_message).sent_at, (p_message).final_at) is not null
$$;

comment on function sms_monitor._message_contributions(sms_monitor.sms_messages) is
  'Internal: the rows one message adds to sms_message_minute_stats (one per kind: all, then each dimension).';
revoke all on function sms_monitor._message_contributions(sms_monitor.sms_messages) from public;
grant execute on function sms_monitor._message_contributions(sms_monitor.sms_messages)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_contributions.sql
--! Included functions/_count_map.sql
-- Count maps {key: count} as the minute buckets hold them (latency histograms by bucket, terminal
-- messages by error code), merged by adding counts per key:
--   _count_map(text): aggregate, the count of each non-NULL value;
--   _count_map_sum(jsonb): aggregate, the per-key sums of count maps (NULLs skipped; keys summing
--     to 0 left out, so subtracting a map takes it back; a single map is returned as it is: no
--     map holds a 0);
--   _count_map_add(a, b): a plus b, as _count_map_sum.
-- The states are arrays (array_append, built in); the final functions count in one set-based query.
create or replace function sms_monitor._count_map_final(p_values text[])
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(jsonb_object_agg(s.k, s.n), '{}'::jsonb)
    from (select x as k, count(*) as n from unnest(p_values) as u(x) where x is not null group by x) s
$$;

create or replace function sms_monitor._count_map_sum_final(p_maps jsonb[])
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  -- one map (a bucket read alone): itself, its counts are not 0
  select case when cardinality(p_maps) = 1 then coalesce(p_maps[1], '{}'::jsonb)
              else (select coalesce(jsonb_object_agg(s.k, s.n) filter (where s.n <> 0), '{}'::jsonb)
                      from (select e.key as k, sum(e.value::bigint) as n
                              from unnest(p_maps) as u(m) cross join lateral jsonb_each_text(u.m) as e
                             group by e.key) s) end
$$;

create or replace aggregate sms_monitor._count_map(text) (
  sfunc = pg_catalog.array_append, stype = text[], finalfunc = sms_monitor._count_map_final, initcond = '{}'
);

create or replace aggregate sms_monitor._count_map_sum(jsonb) (
  sfunc = pg_catalog.array_append, stype = jsonb[], finalfunc = sms_monitor._count_map_sum_final, initcond = '{}'
);

create or replace function sms_monitor._count_map_add(p_a jsonb, p_b jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select sms_monitor._count_map_sum_final(array[p_a, p_b])
$$;

comment on function sms_monitor._count_map_final(text[]) is 'Internal: the final function of _count_map.';
comment on function sms_monitor._count_map_sum_final(jsonb[]) is 'Internal: the final function of _count_map_sum.';
comment on aggregate sms_monitor._count_map(text) is 'Internal: {value: count} of the non-NULL values.';
comment on aggregate sms_monitor._count_map_sum(jsonb) is 'Internal: the per-key sums of count maps, zero sums left out.';
comment on function sms_monitor._count_map_add(jsonb, jsonb) is 'Internal: two count maps added per key, zero sums left out.';
revoke all on function sms_monitor._count_map_final(text[]) from public;
revoke all on function sms_monitor._count_map_sum_final(jsonb[]) from public;
revoke all on function sms_monitor._count_map(text) from public;
revoke all on function sms_monitor._count_map_sum(jsonb) from public;
revoke all on function sms_monitor._count_map_add(jsonb, jsonb) from public;
grant execute on function sms_monitor._count_map_final(text[]), sms_monitor._count_map_sum_final(jsonb[]),
  sms_monitor._count_map(text), sms_monitor._count_map_sum(jsonb), sms_monitor._count_map_add(jsonb, jsonb)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_count_map.sql
--! Included functions/_message_minute_rows.sql
-- The minute buckets of the messages entering the pipeline in [p_from, p_to) (coalesce(sent_at,
-- final_at)), computed from sms_messages: the rows of sms_message_minute_stats for that range, of
-- every kind when p_every_kind, else of the kind p_dimension alone (NULL: every message). Used to
-- build the buckets (_rebuild_message_minute_stats), for the partial minutes at a read window's
-- edges (_message_stats) and to check the buckets against a recomputation. Row security of
-- sms_messages applies to the caller.
create or replace function sms_monitor._message_minute_rows(
  p_from timestamptz, p_to timestamptz, p_every_kind boolean, p_dimension sms_monitor.message_dimension
)
returns table (minute timestamptz, dimension sms_monitor.message_dimension, value text, carrier_country text, messages bigint,
               sent bigint, delivered bigint, undelivered bigint, failed bigint, canceled bigint, waiting bigint,
               latency jsonb, error_codes jsonb)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
  select c.minute, c.dimension, c.value, c.carrier_country, count(*), sum(c.sent), sum(c.delivered), sum(c.undelivered), sum(c.failed),
         sum(c.canceled), sum(c.waiting), sms_monitor._latency_histogram(c.latency_ms), sms_monitor._count_map(c.error_code)
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
--! Included functions/_rebuild_message_minute_stats.sql
-- Rebuilds the minute buckets (sms_message_minute_stats) of [p_from, p_to) from sms_messages: the
-- minutes' rows are deleted and grouped again (_message_minute_rows), and the hours the range
-- touches summed again from their minutes (sms_message_hour_stats). The upgrade backfills with
-- it and the read benchmark's seeder builds its buckets with it; the fold keeps them up to date by
-- deltas. The bounds must be whole minutes (22023). Returns the rows written. Run it where no
-- fold runs concurrently over the same minutes (it takes the fold's lock: rollup_sms_messages).
create or replace function sms_monitor._rebuild_message_minute_stats(p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
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
  delete from sms_monitor.sms_message_minute_stats t where t.minute >= p_from and t.minute < p_to;
  insert into sms_monitor.sms_message_minute_stats
    (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
  select r.* from sms_monitor._message_minute_rows(p_from, p_to, true, null) r
   order by r.dimension, r.minute, r.value collate "C", r.carrier_country collate "C";
  get diagnostics v_count = row_count;
  -- the hours the range touches, summed again from all their minutes
  v_h_from := date_bin('1 hour', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_h_to := date_bin('1 hour', p_to - interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
  delete from sms_monitor.sms_message_hour_stats t where t.minute >= v_h_from and t.minute < v_h_to;
  insert into sms_monitor.sms_message_hour_stats
    (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
  select date_bin('1 hour', t.minute, timestamptz '2000-01-01 00:00:00+00'), t.dimension, t.value, t.carrier_country, sum(t.messages),
         sum(t.sent), sum(t.delivered), sum(t.undelivered), sum(t.failed), sum(t.canceled), sum(t.waiting),
         sms_monitor._count_map_sum(t.latency), sms_monitor._count_map_sum(t.error_codes)
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
--! Included functions/_message_stats.sql
-- The message counts of the window [p_from, p_to) for the message readers, per value of
-- p_dimension (NULL: every message, value NULL) and, with p_step, per bucket of p_step aligned to
-- the UTC clock (at; NULL without p_step): merged from the minute buckets
-- (sms_message_minute_stats; sms_message_hour_stats for its whole hours unless p_step is under an
-- hour) for the window's whole minutes and computed from sms_messages
-- (_message_minute_rows) for the partial minutes at its edges, so the window stays exact to the
-- instant. A caller that may not read the buckets (a self token: they count every user's
-- messages) gets the whole window from sms_messages, under its row security. Only values with
-- messages are returned. Columns as in sms_message_minute_stats; latency and error_codes are merged
-- only when asked for (p_latency, p_error_codes; else {}), as merging them costs most. With
-- p_carrier_country (p_dimension carrier) the rows are per carrier and country (carrier_country).
create or replace function sms_monitor._message_stats(
  p_dimension sms_monitor.message_dimension, p_from timestamptz, p_to timestamptz, p_step interval default null,
  p_latency boolean default true, p_error_codes boolean default false, p_carrier_country boolean default false
)
returns table (at timestamptz, value text, messages bigint, sent bigint, delivered bigint, undelivered bigint,
               failed bigint, canceled bigint, waiting bigint, latency jsonb, error_codes jsonb, carrier_country text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  v_lo timestamptz := date_bin('1 minute', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_hi timestamptz := date_bin('1 minute', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_h_lo timestamptz;
  v_h_hi timestamptz;
begin
  if v_lo < p_from then
    v_lo := v_lo + interval '1 minute';
  end if;
  if v_hi <= v_lo or not has_table_privilege('sms_monitor.sms_message_minute_stats', 'select') then
    v_lo := p_to;
    v_hi := p_to;
  end if;
  -- whole hours inside [v_lo, v_hi) from the hour buckets (not for steps below an hour)
  v_h_lo := date_bin('1 hour', v_lo, timestamptz '2000-01-01 00:00:00+00');
  if v_h_lo < v_lo then
    v_h_lo := v_h_lo + interval '1 hour';
  end if;
  v_h_hi := date_bin('1 hour', v_hi, timestamptz '2000-01-01 00:00:00+00');
  if v_h_hi <= v_h_lo or (p_step is not null and p_step < interval '1 hour') then
    v_h_lo := v_hi;
    v_h_hi := v_hi;
  end if;
  -- the buckets' part only where it reads something: a caller without the privilege may not name the table
  return query execute format($q$
  with parts as (
    %3$s
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country
      from sms_monitor._message_minute_rows($2, $3, false, $1) r
    union all
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country
      from sms_monitor._message_minute_rows($4, $5, false, $1) r
  )
  select case when $6::interval is not null then date_bin($6, p.minute, timestamptz '2000-01-01 00:00:00+00') end,
         p.value, sum(p.messages)::bigint, sum(p.sent)::bigint, sum(p.delivered)::bigint, sum(p.undelivered)::bigint,
         sum(p.failed)::bigint, sum(p.canceled)::bigint, sum(p.waiting)::bigint,
         %1$s, %2$s, %4$s
    from parts p
   group by 1, p.value, 12
  having sum(p.messages) > 0$q$,
    case when p_latency then 'sms_monitor._count_map_sum(p.latency)' else '''{}''::jsonb' end,
    case when p_error_codes then 'sms_monitor._count_map_sum(p.error_codes)' else '''{}''::jsonb' end,
    case when v_lo < v_hi then format($b$
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country
      from sms_monitor.sms_message_minute_stats t
     where %1$s and ((t.minute >= $3 and t.minute < $7) or (t.minute >= $8 and t.minute < $4))
    union all
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country
      from sms_monitor.sms_message_hour_stats t
     where %1$s and t.minute >= $7 and t.minute < $8
    union all$b$, case when p_dimension is null then 't.dimension is null'
                       else format('t.dimension = %L', p_dimension) end) else '' end,
    case when p_carrier_country then 'p.carrier_country' else 'null::text' end)
  using p_dimension, p_from, v_lo, v_hi, p_to, p_step, v_h_lo, v_h_hi;
end;
$$;

comment on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) is
  'Internal: the message counts of [p_from, p_to) per value of p_dimension (and p_step bucket): minute buckets for '
  'whole minutes, sms_messages for the edges (or for all of it when the caller may not read the buckets).';
revoke all on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) from public;
grant execute on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_stats.sql
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
-- buckets left without messages are deleted.
create or replace function sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
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
    union all
    select 1, c.* from updated u cross join lateral sms_monitor._message_contributions(u.m) c
  ), delta as (
    select d.minute, d.dimension, d.value, d.carrier_country, sum(d.sign) as messages, sum(d.sign * d.sent) as sent,
           sum(d.sign * d.delivered) as delivered, sum(d.sign * d.undelivered) as undelivered,
           sum(d.sign * d.failed) as failed, sum(d.sign * d.canceled) as canceled, sum(d.sign * d.waiting) as waiting,
           sms_monitor._count_map_sum(case when d.latency_ms is not null
                                           then jsonb_build_object(sms_monitor._latency_bucket(d.latency_ms), d.sign) end) as latency,
           sms_monitor._count_map_sum(case when d.error_code is not null
                                           then jsonb_build_object(d.error_code, d.sign) end) as error_codes
      from moved d
     group by d.minute, d.dimension, d.value, d.carrier_country
  ), bucketed as (
    insert into sms_monitor.sms_message_minute_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select d.* from delta d
     where d.messages <> 0 or d.sent <> 0 or d.delivered <> 0 or d.undelivered <> 0 or d.failed <> 0
        or d.canceled <> 0 or d.waiting <> 0 or d.latency <> '{}' or d.error_codes <> '{}'
     order by d.dimension, d.minute, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_minute_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._count_map_add(t.latency, excluded.latency),
           error_codes = sms_monitor._count_map_add(t.error_codes, excluded.error_codes)
    returning 1
  ), hourly as (
    insert into sms_monitor.sms_message_hour_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select date_bin('1 hour', d.minute, timestamptz '2000-01-01 00:00:00+00'), d.dimension, d.value, d.carrier_country, sum(d.messages),
           sum(d.sent), sum(d.delivered), sum(d.undelivered), sum(d.failed), sum(d.canceled), sum(d.waiting),
           sms_monitor._count_map_sum(d.latency), sms_monitor._count_map_sum(d.error_codes)
      from delta d
     group by 1, d.dimension, d.value, d.carrier_country
     order by d.dimension, 1, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_hour_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._count_map_add(t.latency, excluded.latency),
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
--! Included functions/_apply_sms_message_retention.sql
-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- messages nothing has arrived for in p_days days (sms_messages.updated_at), and message log rows
-- that arrived before then, and the message buckets (sms_message_minute_stats,
-- sms_message_hour_stats) of minutes and whole hours before then. Their counters live on in the rollups until those age out too.
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
  delete from sms_monitor.sms_message_minute_stats t where t.minute < p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_minute_stats'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_hour_stats t where t.minute + interval '1 hour' <= p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_hour_stats'; deleted := v_count; return next;
end;
$$;

comment on function sms_monitor._apply_sms_message_retention(timestamptz, integer) is
  'Internal: deletes messages untouched for p_days days, message log rows recorded and message minute buckets '
  'older than then.';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
--! EndIncluded functions/_apply_sms_message_retention.sql
--! Included functions/api_message_breakdown.sql
-- GET /api/sms/metrics/breakdown: where messages fail, per value of one attribute. The messages
-- counted are those that entered the pipeline in the window [start, end): sent then, or reaching a
-- final status then without a sent time. Per key (NULL: the attribute is not known):
--   sent: with a sent time; delivered / failed (undelivered + failed): by the winning final status;
--   terminal = delivered + failed; delivery_rate_percent = delivered / terminal (NULL when none);
--   failure_share_percent = the key's failed / all failed in the window;
--   terminal_share_percent = the key's terminal / all terminal (for by=error_code: each code's share);
--   latency_p50_ms, latency_p95_ms: percentiles of delivered minus sent over the key's delivered
--     messages with a sent time (NULL when none), from their latency histogram
--     (_histogram_percentile: percentile_disc rank, relative error <= 1.48 %).
-- Sorted worst first: lowest delivery rate (keys without terminal messages last), then most
-- failures, then the key. Read from the minute buckets (_message_stats, exact to the instant), whose
-- attributes are complete whenever they arrived (a carrier named by the receipt counts for the
-- send). A self token sees its own messages (read from sms_messages under row security).
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
  if sms_monitor._message_by_problem(p_by, false) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, false) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with k as (
    select m.value as key, m.sent, m.delivered, m.undelivered + m.failed as failed, m.latency as h
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to) m
  ), t as (
    select k.*, sms_monitor._histogram_percentile(k.h, 0.5) as p50, sms_monitor._histogram_percentile(k.h, 0.95) as p95,
           k.delivered + k.failed as terminal,
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
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
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
-- least 0), percentiles p50, p95 and p99 in whole ms from the messages' latency histogram
-- (_latency_histogram, _histogram_percentile: percentile_disc rank, relative error <= 1.48 %),
-- merged from the minute buckets (_message_stats; sent in the window: a delivered message with a
-- sent time enters the pipeline when sent).
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
  if sms_monitor._message_by_problem(p_by, true) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, true) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with k0 as (
    select m.value as key, (select sum(e.value::bigint) from jsonb_each_text(m.latency) e)::bigint as delivered, m.latency as h
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to) m
     where m.latency <> '{}'
  ), k as (
    select k0.key, k0.delivered, sms_monitor._histogram_percentile(k0.h, 0.5) as p50,
           sms_monitor._histogram_percentile(k0.h, 0.95) as p95, sms_monitor._histogram_percentile(k0.h, 0.99) as p99
      from k0
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
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: percentiles (log histogram, <= 1.48 % off) of '
  'delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall '
  '(p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. '
  'Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_latency.sql
--! Included functions/api_message_series.sql
-- GET /api/sms/metrics/series: the incident view's minute-grain series. Buckets of p_step minutes
-- (1, 5, 15 or 60, aligned to the UTC clock) covering the last p_minutes up to and including the
-- bucket that holds p_now; a message counts in the bucket of the time it entered the pipeline
-- (sent, or final without a send), as in the breakdown. Per bucket: sent, delivered, failed
-- (undelivered + failed), delivery_rate_percent (delivered / terminal, NULL without terminal) and
-- p95_ms (of delivered minus sent, from the latency histogram: _histogram_percentile). Without
-- p_by every bucket is listed (zeros when quiet);
-- with p_by one row per bucket and key that has messages. Read from the minute buckets
-- (_message_stats). Row security: self sees its own.
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
  if sms_monitor._message_by_problem(p_by, true) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, true) using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_step := make_interval(mins => p_step);
  v_to := date_bin(v_step, p_now, timestamptz '2000-01-01 00:00:00+00') + v_step;
  v_from := v_to - make_interval(mins => p_minutes);

  with k as (
    select m.at as bucket, m.value as key, m.sent, m.delivered, m.undelivered + m.failed as failed,
           sms_monitor._histogram_percentile(m.latency, 0.95) as p95
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to, v_step) m
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
           'at', sms_monitor._iso_utc(r.bucket),
           'key', r.key, 'sent', r.sent, 'delivered', r.delivered, 'failed', r.failed,
           'delivery_rate_percent', round(100 * r.delivered::numeric / nullif(r.delivered + r.failed, 0), 2),
           'p95_ms', round(r.p95::numeric))
         order by r.bucket, r.key collate "C" nulls last), '[]'::jsonb)
    into v_data
    from rows r;
  return jsonb_build_object(
    'success', true, 'step_minutes', p_step, 'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
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
--! Included functions/api_message_receipts.sql
-- GET /api/sms/metrics/receipts: receipt delays, apart from failures. Messages sent between
-- p_minutes and p_after_minutes before p_now (sent long enough ago that a receipt is due) that
-- still have no final status, per carrier and country: sent (all sent in that range), waiting
-- (without a final status), waiting_percent, and the oldest waiting send. Most waiting first; rows
-- with nothing waiting are left out. Counts from the message buckets (_message_stats), the oldest
-- waiting send from sms_messages. Row security applies: a self token sees its own messages.
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

  -- sent and waiting per carrier and country from the carrier buckets (split by country); the
  -- oldest waiting send from the few messages still waiting (sms_messages_waiting_idx)
  with w as (
    select s.carrier, s.country, min(s.sent_at) as oldest
      from sms_monitor.sms_messages s
     where s.final_status is null and s.sent_at >= v_from and s.sent_at < v_to
     group by s.carrier, s.country
  ), k as (
    select m.value as carrier, m.carrier_country as country, m.sent, m.waiting, w.oldest
      from sms_monitor._message_stats('carrier', v_from, v_to, null, false, false, true) m
      join w on w.carrier is not distinct from m.value and w.country is not distinct from m.carrier_country
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'carrier', k.carrier, 'country', k.country, 'sent', k.sent, 'waiting', k.waiting,
           'waiting_percent', round(100 * k.waiting::numeric / k.sent, 2),
           'oldest_waiting_sent_at', sms_monitor._iso_utc(k.oldest))
         order by k.waiting desc, k.carrier collate "C" asc nulls last, k.country collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k
   where k.waiting > 0;
  return jsonb_build_object(
    'success', true,
    'after_minutes', p_after_minutes,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
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
--! Included functions/_alert_message_values.sql
-- The values of the enabled rules over message metrics (sms_alert_metrics.source = 'messages'), read
-- from the minute buckets (_message_stats), one row per rule (group_value NULL) or, for a rule with group_by, one row per
-- value of that attribute (messages whose attribute is unknown count for no value). Windows are
-- exact: [p_now - window_minutes, p_now), the same messages as api_message_breakdown(minutes) at
-- p_now: sent in the window, or reaching a final status in it without a sent time. Terminal =
-- winning final status delivered, undelivered or failed; bad = undelivered or failed. Every rate
-- is a ratio of sums over messages, never a mean of ratios:
--   message_delivery_rate = 100 * delivered / terminal                       sample: terminal
--   error_code_share      = 100 * terminal with error_code in params.error_codes / terminal
--                                                                           sample: terminal
--   receipt_delay_rate    = 100 * sent in [p_now - after - window, p_now - after) with no final
--                           status at p_now (final_at NULL or >= p_now) / sent in that span
--                           (after = params.after_minutes)                   sample: those sent
--   delivery_latency_p95  = p95 of delivered_at - sent_at in seconds (whole ms) from the latency histogram
--                           (_histogram_percentile: percentile_disc rank, <= 1.48 % off)
--                           over delivered messages with a sent time          sample: those
--   delivery_slo_burn     = see _alert_slo_burn                              (system-wide only)
-- A value with nothing to divide by is not returned (no data).
create or replace function sms_monitor._alert_message_values(p_now timestamptz, p_alert_type text default null)
returns table (alert_type text, group_value text, metric_value numeric, sample_size bigint, detail text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
set plan_cache_mode = force_custom_plan
as $$
declare
  r record;
  v_from timestamptz;
  v_to timestamptz;
  v_codes text[];
  v_span text;
begin
  for r in
    select t.alert_type, t.metric, t.window_minutes, t.group_by, t.params, t.min_sample
      from sms_monitor.sms_alert_thresholds t
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric and m.source = 'messages'
     where t.is_enabled and (p_alert_type is null or t.alert_type = p_alert_type)
     order by t.alert_type
  loop
    if r.metric = 'delivery_slo_burn' then
      return query select r.alert_type, null::text, b.value, b.sample, b.detail
                     from sms_monitor._alert_slo_burn(p_now, r.params, r.min_sample) b;
      continue;
    end if;
    if r.metric = 'receipt_delay_rate' then
      v_to := p_now - make_interval(mins => coalesce((r.params ->> 'after_minutes')::integer, 0));
    else
      v_to := p_now;
    end if;
    v_from := v_to - make_interval(mins => r.window_minutes);
    v_span := format('messages from %s to %s UTC', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                     to_char(v_to at time zone 'UTC', 'HH24:MI:SS'));
    v_codes := array(select jsonb_array_elements_text(coalesce(r.params -> 'error_codes', '[]'::jsonb)));

    if r.metric = 'receipt_delay_rate' then
      -- waiting at p_now: no final status now (the buckets' waiting), or one reached at or after p_now
      return query
      with late as (
        select sms_monitor._message_value(s, r.group_by::sms_monitor.message_dimension) as key, count(*) as n
          from sms_monitor.sms_messages s
         where s.final_at >= p_now and s.sent_at >= v_from and s.sent_at < v_to
         group by 1
      ), k as (
        select m.value as key, m.sent, m.waiting + coalesce((select l.n from late l where l.key is not distinct from m.value), 0) as waiting
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false) m
         where m.sent > 0 and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, 100 * k.waiting::numeric / k.sent, k.sent,
             format('%s of %s sent still without a final status; %s', k.waiting, k.sent, v_span)
        from k;
      continue;
    end if;

    if r.metric = 'delivery_latency_p95' then
      return query
      with k as (
        select m.value as key, (select sum(e.value::bigint) from jsonb_each_text(m.latency) e)::bigint as timed,
               round(sms_monitor._histogram_percentile(m.latency, 0.95)::numeric / 1000, 3) as p95
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to) m
         where m.latency <> '{}' and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, k.p95, k.timed, format('p95 %s s over %s delivered; %s', round(k.p95, 3), k.timed, v_span)
        from k;
      continue;
    end if;

    -- message_delivery_rate, error_code_share: counts of terminal messages
    return query
    with k as (
      select m.value as key, m.delivered + m.undelivered + m.failed as terminal, m.delivered,
             m.undelivered + m.failed as bad,
             coalesce((select sum(e.value::bigint) from jsonb_each_text(m.error_codes) e where e.key = any (v_codes)), 0)::bigint as coded
        from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false, true) m
       where m.delivered + m.undelivered + m.failed > 0 and (r.group_by is null or m.value is not null)
    )
    select r.alert_type, k.key,
           case r.metric
             when 'message_delivery_rate' then 100 * k.delivered::numeric / k.terminal
             else 100 * k.coded::numeric / k.terminal
           end,
           k.terminal,
           case r.metric
             when 'message_delivery_rate' then format('%s delivered of %s terminal (%s undelivered or failed); %s',
               k.delivered, k.terminal, k.bad, v_span)
             else format('%s of %s terminal with error code %s; %s', k.coded, k.terminal, array_to_string(v_codes, ', '), v_span)
           end
      from k;
  end loop;
end;
$$;

comment on function sms_monitor._alert_message_values(timestamptz, text) is
  'Internal: every enabled message-metric rule''s (or p_alert_type''s) value, sample and detail at p_now, per value '
  'of its group_by (group_value NULL: system-wide), from the message minute buckets over [p_now - window, p_now).';
revoke all on function sms_monitor._alert_message_values(timestamptz, text) from public;
--! EndIncluded functions/_alert_message_values.sql
--! Included functions/_alert_slo_burn.sql
-- Multiwindow, multi-burn-rate alerting on the delivery-success SLO (as in the SRE workbook). The
-- error budget is 1 - slo_percent / 100; a window's burn rate is (bad / terminal) / budget over the
-- messages of [p_now - minutes, p_now) (sent then, or final then without a sent time; bad =
-- undelivered or failed, terminal = delivered + bad). p_params.windows lists pairs
-- [long minutes, short minutes, factor]; a pair is breached when both its windows burn at >= factor.
-- value = the highest min(burn long, burn short) / factor over the pairs whose short window has at
-- least p_min_sample terminal messages (>= 1: some pair is breached); NULL when no pair qualifies.
-- sample = terminal messages in the longest window.
create or replace function sms_monitor._alert_slo_burn(p_now timestamptz, p_params jsonb, p_min_sample integer)
returns table (value numeric, sample bigint, detail text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
as $$
  with cfg as (
    select 1 - (p_params ->> 'slo_percent')::numeric / 100 as budget
  ), pairs as (
    select (p ->> 0)::integer as long_min, (p ->> 1)::integer as short_min, (p ->> 2)::numeric as factor, n
      from jsonb_array_elements(p_params -> 'windows') with ordinality as x(p, n)
  ), w as (
    select distinct x.mins from pairs cross join lateral (values (pairs.long_min), (pairs.short_min)) x(mins)
  ), c as (
    -- the minute buckets of each distinct window (_message_stats, every message)
    select w.mins, coalesce(x.terminal, 0) as terminal, coalesce(x.bad, 0) as bad
      from w left join lateral (
        select m.delivered + m.undelivered + m.failed as terminal, m.undelivered + m.failed as bad
          from sms_monitor._message_stats(null, p_now - make_interval(mins => w.mins), p_now, null, false) m
      ) x on true
  ), b as (
    select p.n, p.long_min, p.short_min, p.factor, l.terminal as l_terminal, s.terminal as s_terminal,
           l.bad::numeric / nullif(l.terminal, 0) / cfg.budget as l_burn,
           s.bad::numeric / nullif(s.terminal, 0) / cfg.budget as s_burn
      from pairs p cross join cfg
      join c l on l.mins = p.long_min
      join c s on s.mins = p.short_min
  )
  select max(least(b.l_burn, b.s_burn) / b.factor) filter (where b.s_terminal >= p_min_sample and b.l_terminal > 0),
         (select c.terminal from c order by c.mins desc limit 1),
         string_agg(format('%s min burn %sx and %s min burn %sx (pages at %sx; %s and %s terminal)',
                      b.long_min, coalesce(round(b.l_burn, 2)::text, '-'), b.short_min, coalesce(round(b.s_burn, 2)::text, '-'),
                      b.factor, b.l_terminal, b.s_terminal), '; ' order by b.n)
         || format('; SLO %s %% up to %s UTC', (p_params ->> 'slo_percent'),
                   to_char(p_now at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'))
    from b;
$$;

comment on function sms_monitor._alert_slo_burn(timestamptz, jsonb, integer) is
  'Internal: the delivery SLO burn-rate value of a delivery_slo_burn rule at p_now: the highest min(burn long, burn '
  'short) / factor over params.windows pairs [long, short, factor] whose short window has >= p_min_sample terminal '
  'messages (>= 1: breached), the terminal messages of the longest window, and a detail line per pair.';
revoke all on function sms_monitor._alert_slo_burn(timestamptz, jsonb, integer) from public;
--! EndIncluded functions/_alert_slo_burn.sql

-- backfill: the buckets of the messages already folded
select sms_monitor._rebuild_message_minute_stats(
         date_bin('1 minute', min(coalesce(s.sent_at, s.final_at)), timestamptz '2000-01-01 00:00:00+00'),
         date_bin('1 minute', max(coalesce(s.sent_at, s.final_at)), timestamptz '2000-01-01 00:00:00+00')
           + interval '1 minute')
  from sms_monitor.sms_messages s
having count(coalesce(s.sent_at, s.final_at)) > 0;
-- end of message reads from minute buckets

-- comments that still described the materialized views refreshed every 5 minutes
--! Included functions/api_metrics_summary.sql
-- GET /api/sms/metrics/summary as a function: today, the last 7 reporting days, open alerts and
-- health. The week is 7 days including today; unresolved_count counts every open incident (not
-- the length of the limited list). health is the alert engine's, the same object as
-- api_today_metrics' data.health (api_health at the same p_now): {status
-- critical|degraded|healthy|unknown, overall_healthy (NULL when unknown), driving_rule, reason,
-- as_of}. Figures are JSON numbers (avg_daily_cost_usd too, rounded to 4 places); incidents are
-- _incident_json's (times ISO 8601 UTC with Z).
-- The week reads the six previous days from sms_metrics_daily (rollups plus the not yet rolled-up
-- tail, so live; a day with no values has no row) and today as api_today_metrics(p_now, p_live) does.
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
-- Today's figures come from api_today_metrics (sms_metrics_daily: rollups plus the live tail).
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
  -- a database installed by an earlier release may still schedule sms-monitor-refresh-daily; the rollup job does its work
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
