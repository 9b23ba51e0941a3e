-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- ==== issue 10: input and powers that cannot silence alerting; exactly-once batches ====
-- Bounds: one value <= 1e12 (_metric_problem), a bucket's running sum <= 1e15 (the writers refuse
-- the write that would pass it with 22023; this constraint is the safety net), and every reader
-- sums in numeric (sms_metrics_daily, get_user_sms_metrics, api_today_metrics, api_metrics_summary):
-- no accepted write can make a reader fail. NOT VALID: rows written before are not re-checked.
alter table sms_monitor.sms_metrics drop constraint if exists sms_metrics_value_bound;
alter table sms_monitor.sms_metrics add constraint sms_metrics_value_bound check (metric_value <= 1e15) not valid;

-- Exactly-once batches: record_sms_events(p_events, p_batch_id) records each id once, with its result.
create table if not exists sms_monitor.sms_ingest_batches (
  batch_id uuid primary key,
  recorded integer not null,
  created_at timestamptz not null default now()
);
create index if not exists sms_ingest_batches_created_idx on sms_monitor.sms_ingest_batches (created_at);
comment on table sms_monitor.sms_ingest_batches is
  'Batch ids record_sms_events has recorded (with how many events), so a retried batch is written once; '
  'apply_sms_retention() deletes ids older than 7 days.';
alter table sms_monitor.sms_ingest_batches enable row level security;
revoke all on sms_monitor.sms_ingest_batches from public;
grant select on sms_monitor.sms_ingest_batches to sms_monitor_reader;
drop policy if exists sms_ingest_batches_read on sms_monitor.sms_ingest_batches;
create policy sms_ingest_batches_read on sms_monitor.sms_ingest_batches
  for select to sms_monitor_reader using (true);

--!include functions/_max_clock_skew.sql
--!include functions/_raise_22023.sql
--!include functions/_reader_time_problem.sql
--!include functions/_reader_date_problem.sql
--!include functions/_bucket_time_problem.sql
--!include functions/_metric_problem.sql
--!include functions/_is_timestamptz.sql
--!include functions/_looks_like_iso_time_with_offset.sql
--!include functions/_record_metric.sql
--!include functions/record_sms_metric.sql
--!include functions/record_sms_event.sql
drop function if exists sms_monitor.record_sms_events(jsonb);
--!include functions/record_sms_events.sql

-- Readers in numeric: the daily view's counters change type, so it is rebuilt (and refreshed
-- again if it was populated); get_sms_daily_metrics returns its rows and is rebuilt with it.
select set_config('sms_monitor.issue10_daily_populated',
  coalesce((select c.relispopulated::text from pg_catalog.pg_class c
             where c.oid = to_regclass('sms_monitor.sms_metrics_daily')), 'false'), true);
drop function if exists sms_monitor.get_sms_daily_metrics(date, date);
drop materialized view if exists sms_monitor.sms_metrics_daily;
--!include views/sms_metrics_daily.sql
--!include functions/get_sms_daily_metrics.sql
do $$
begin
  if current_setting('sms_monitor.issue10_daily_populated', true) = 'true' then
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
end;
$$;
drop function if exists sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz);
--!include functions/get_user_sms_metrics.sql
--!include functions/api_today_metrics.sql
--!include functions/api_metrics_summary.sql

-- Per-rule isolation: a rule whose evaluation fails reports 'error'; its last error is kept.
alter table sms_monitor.sms_alert_rule_state add column if not exists last_error text;
comment on column sms_monitor.sms_alert_rule_state.last_error is
  'When the last evaluation of the rule failed (last_action = ''error''): "SQLSTATE: message"; NULL otherwise.';
-- The incident's PagerDuty dedup_key, fixed when it opens (a renamed rule keeps its incidents' keys).
alter table sms_monitor.sms_alert_history add column if not exists dedup_key text;
update sms_monitor.sms_alert_history h
   set dedup_key = left('sms-monitor/' || h.alert_type || '/' || h.id::text, 255)
 where h.dedup_key is null;
alter table sms_monitor.sms_alert_history alter column dedup_key set not null;
comment on column sms_monitor.sms_alert_history.dedup_key is
  'PagerDuty dedup_key of the incident (sms-monitor/<alert_type at open>/<id>), fixed at open, used by every event.';
--!include functions/_alert_history_dedup_key.sql
create or replace trigger sms_alert_history_dedup_key before insert or update on sms_monitor.sms_alert_history
  for each row execute function sms_monitor._alert_history_dedup_key();
-- An incident is never resolved before it began or before it was acknowledged (NOT VALID: rows
-- written before are not re-checked).
alter table sms_monitor.sms_alert_history drop constraint if exists sms_alert_history_resolved_order_check;
alter table sms_monitor.sms_alert_history add constraint sms_alert_history_resolved_order_check
  check (resolved_at >= triggered_at and resolved_at >= acknowledged_at) not valid;

--!include functions/_alert_enqueue.sql
drop function if exists sms_monitor._alert_rule_values(timestamptz);
--!include functions/_alert_rule_values.sql
--!include functions/_alert_evaluate.sql
--!include functions/check_sms_alerts.sql
--!include functions/preview_sms_alerts.sql
--!include views/sms_alert_status.sql
--!include functions/_alert_operator_problem.sql
--!include functions/_alert_resolve.sql
--!include functions/_alert_acknowledge.sql
--!include functions/resolve_sms_alert.sql
--!include functions/acknowledge_sms_alert.sql
--!include functions/_alert_thresholds_validate.sql
--!include functions/silence_sms_alerts.sql
-- Retention at the server's clock for everyone; the p_now form is internal (owner only).
drop function if exists sms_monitor.apply_sms_retention(timestamptz);
--!include functions/_apply_sms_retention.sql
--!include functions/apply_sms_retention.sql
-- Reader arguments: times and dates given, finite and within 2000-01-01 .. 2199-12-31 (22023, not 22008).
--!include functions/api_alerts.sql
--!include functions/api_daily_metrics.sql
--!include functions/api_user_metrics.sql
--!include functions/list_sms_alert_silences.sql
--!include functions/lift_sms_alert_silence.sql
