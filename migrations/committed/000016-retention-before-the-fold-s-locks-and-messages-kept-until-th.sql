--! Previous: sha1:6cb0bd7a1b96e0f7166b0e0a2d78a6ce66f2644b
--! Hash: sha1:a54a5470ef3309ff928420b6a28e4a9bbedb5e0b
--! Message: retention before the fold's locks and messages kept until the buckets' cut

-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == retention ==
--! Included functions/_apply_sms_message_retention.sql
-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- the message buckets (sms_message_minute_stats, sms_message_hour_stats) before the whole hour
-- that contains now - p_days (_message_bucket_cut, advanced first: it locks the fold's watermark
-- row, so a running fold finishes first and the next one waits, then writes no bucket before the
-- cut): both grains are cut at the same hour, so every hour bucket kept is still the sum of its
-- minute buckets. Messages nothing has arrived for since the clock-skew bound before the cut
-- (sms_messages.updated_at): every event of such a message lies before the cut, so none of its
-- bucket counts is kept, and a late event for it (a new row) counts in no kept minute twice.
-- Message log rows that arrived before now - p_days. The counters live on in the rollups until
-- those age out too.
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
  delete from sms_monitor.sms_messages m where m.updated_at < v_bucket_cut - sms_monitor._max_clock_skew();
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
  'Internal: deletes the minute and hour buckets before the whole hour containing now - p_days (advancing '
  '_message_bucket_cut), messages untouched since the clock-skew bound before that cut, and message log rows '
  'recorded before now - p_days.';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
--! EndIncluded functions/_apply_sms_message_retention.sql
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

  -- The message fold's watermark row first, before any lock on the event log: a fold holds that
  -- row while it writes its counters to sms_metric_events, and retention moves the message
  -- buckets' cut on it (_apply_sms_message_retention). Taken last, after the partitions were
  -- dropped or created (ACCESS EXCLUSIVE on the log), it closed a cycle with a fold between its
  -- claim and its insert; taken first, a running fold finishes and the next waits for retention.
  perform from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_messages' for update;

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
