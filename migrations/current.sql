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
-- ==== issue 11: delivery that loses no page ====
-- Temporary failures (429, 5xx, timeouts) retry until retry_until (24 h after queueing) and do not
-- use up max_attempts (retries counts them; max_attempts bounds leases that ran out, i.e. crashes).
alter table sms_monitor.sms_alert_notifications
  add column if not exists retries integer not null default 0,
  add column if not exists retry_until timestamptz not null default (now() + interval '24 hours');
alter table sms_monitor.sms_alert_notifications
  drop constraint if exists sms_alert_notifications_retries_check;
alter table sms_monitor.sms_alert_notifications
  add constraint sms_alert_notifications_retries_check check (retries >= 0);
-- superseded: the incident resolved before its trigger reached the channel (nobody is paged for it).
alter table sms_monitor.sms_alert_notifications drop constraint if exists sms_alert_notifications_status_check;
alter table sms_monitor.sms_alert_notifications add constraint sms_alert_notifications_status_check
  check (status in ('pending', 'sent', 'failed', 'dead', 'superseded'));
comment on column sms_monitor.sms_alert_notifications.retries is
  'Temporary failures (429, 5xx, timeout, network) so far; they do not count against max_attempts.';
comment on column sms_monitor.sms_alert_notifications.retry_until is
  'A row still failing temporarily after this time is dead (default: 24 h after it was queued).';
-- The wake-up after a provider recovers looks for a channel's rows waiting after a retry.
create index if not exists sms_alert_notifications_retrying_idx
  on sms_monitor.sms_alert_notifications (channel, next_attempt_at) where status = 'pending' and retries > 0;
-- The claim looks for pending resolves whose trigger never got through (superseded instead).
create index if not exists sms_alert_notifications_pending_resolve_idx
  on sms_monitor.sms_alert_notifications (alert_id, channel) where status = 'pending' and event = 'resolve';

-- Which channels the running notifiers serve: rows of a channel nobody serves wait, and
-- sms_alert_status says "N waiting: <channel> not configured".
create table if not exists sms_monitor.sms_notifier_heartbeats (
  worker text primary key constraint sms_notifier_heartbeats_worker_check check (length(worker) between 1 and 200),
  channels text[] not null
    constraint sms_notifier_heartbeats_channels_check check (channels <@ array['slack', 'pagerduty', 'email', 'log']),
  started_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table sms_monitor.sms_notifier_heartbeats is
  'One row per running notifier (sms_notifier_heartbeat()): the channels it is configured for, live until expires_at.';
alter table sms_monitor.sms_notifier_heartbeats enable row level security;
revoke all on sms_monitor.sms_notifier_heartbeats from public;
grant select on sms_monitor.sms_notifier_heartbeats to sms_monitor_reader, sms_monitor_notifier;
drop policy if exists sms_notifier_heartbeats_read on sms_monitor.sms_notifier_heartbeats;
create policy sms_notifier_heartbeats_read on sms_monitor.sms_notifier_heartbeats
  for select to sms_monitor_reader, sms_monitor_notifier using (true);

-- New signatures (no overloads in the public schema).
drop function if exists sms_monitor.claim_sms_notifications(text, integer, integer);
drop function if exists sms_monitor.next_sms_notification_due();
--!include functions/_alert_supersede_unreached.sql
--!include functions/claim_sms_notifications.sql
--!include functions/complete_sms_notification.sql
--!include functions/renew_sms_notification_leases.sql
--!include functions/next_sms_notification_due.sql
--!include functions/sms_notifier_heartbeat.sql
--!include functions/_alert_enqueue.sql
--!include views/sms_alert_status.sql

-- ==== issue 9: CLI (notifications retry) ====
--!include functions/retry_sms_notifications.sql
-- ==== issue 8: HTTP API, dashboard page, simulator ====
-- The HTTP server (sms-monitor serve) connects as a LOGIN role that is a member of this one and,
-- per request, runs `set local role` to the role the bearer token names, PostgREST-style.
-- NOINHERIT: the authenticator itself has none of their rights until it switches.
do $$
begin
  if not exists (select from pg_roles where rolname = 'sms_monitor_authenticator') then
    create role sms_monitor_authenticator nologin noinherit;
  end if;
end;
$$;
alter role sms_monitor_authenticator noinherit;
comment on role sms_monitor_authenticator is
  'sms-monitor: the HTTP server''s role (PostgREST authenticator): may only SET ROLE to admin, reader or self.';
grant sms_monitor_admin, sms_monitor_reader, sms_monitor_self to sms_monitor_authenticator;
--!include views/sms_metrics_user_daily.sql
--!include functions/refresh_sms_metrics_daily.sql
--!include functions/_daily_metrics_series.sql
--!include functions/api_daily_metrics.sql
--!include functions/_user_days_from_view.sql
-- api_top_users gained p_live: no overloads (PostgREST cannot choose between them).
drop function if exists sms_monitor.api_top_users(integer, text, integer, timestamptz);
--!include functions/api_top_users.sql
--!include functions/api_health.sql
--!include functions/api_alert_detail.sql
--!include functions/api_alert_rules.sql
--!include functions/api_prometheus_metrics.sql
