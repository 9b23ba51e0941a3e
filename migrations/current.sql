--! Message: alert engine, outbox and notifier support, dashboard functions
-- Work in progress for the next committed migration. Tests apply it on top of the committed
-- migrations (sms-monitor migrate --include-current); `scripts/migration-commit.sh` turns it into
-- migrations/committed/000002-*.sql. Each section is owned by one piece of work: edit only yours.

-- == foundation follow-ups (issue 2) ==
-- Recording got faster (docs/benchmarks.md): helpers lose their SET clause so the planner inlines
-- them, record_sms_metric becomes PL/pgSQL (cached plans), batch casts move to a slow path taken
-- only on bad input, and fillfactor 80 keeps bucket increments HOT updates.
--!include functions/_metric_problem.sql
--!include functions/_merge_metadata.sql
--!include functions/_is_uuid.sql
--!include functions/_looks_like_iso_time_with_offset.sql
--!include functions/record_sms_events.sql
--!include functions/_record_metric.sql
--!include functions/record_sms_metric.sql
--!include functions/_jsonb_merge_agg.sql
--!include functions/get_sms_daily_metrics.sql
alter table sms_monitor.sms_metrics set (fillfactor = 80);
-- Unused since 000001 (every check raises its own 22023).
drop function if exists sms_monitor._raise_invalid(text, text);
-- Populated from the start, so get_sms_daily_metrics answers (empty) before pg_cron's first
-- refresh instead of raising 55000 "has not been populated".
do $$
begin
  if not (select c.relispopulated from pg_class c where c.oid = 'sms_monitor.sms_metrics_daily'::regclass) then
    refresh materialized view sms_monitor.sms_metrics_daily;
  end if;
end;
$$;
-- (end of foundation section)

-- == alert engine: rules, incidents, silences, outbox, schedules (issue 3) ==

-- The notifier daemon's role: claims and completes outbox rows, may run the checks.
do $$
begin
  if not exists (select from pg_roles where rolname = 'sms_monitor_notifier') then
    create role sms_monitor_notifier nologin;
  end if;
end;
$$;
comment on role sms_monitor_notifier is
  'sms-monitor: the notifier daemon: claims/completes outbox rows and may run check_sms_alerts().';
grant usage on schema sms_monitor to sms_monitor_notifier;

-- Retention settings (used by apply_sms_retention, the daily pg_cron job).
alter table sms_monitor.settings
  add column if not exists metric_retention_days integer not null default 400
    constraint settings_metric_retention_days_check check (metric_retention_days between 32 and 36500),
  add column if not exists notification_retention_days integer not null default 30
    constraint settings_notification_retention_days_check check (notification_retention_days between 1 and 36500),
  add column if not exists job_run_retention_days integer not null default 14
    constraint settings_job_run_retention_days_check check (job_run_retention_days between 1 and 36500);
comment on column sms_monitor.settings.metric_retention_days is
  'sms_metrics buckets older than this many reporting days are deleted by apply_sms_retention() (>= 32: '
  'the cost-spike baseline needs the previous 30 days).';
comment on column sms_monitor.settings.notification_retention_days is
  'Sent outbox rows (sms_alert_notifications) older than this many days are deleted by apply_sms_retention().';
comment on column sms_monitor.settings.job_run_retention_days is
  'pg_cron''s cron.job_run_details rows older than this many days are deleted by apply_sms_retention().';

-- The metrics an alert rule can watch, with their formulas (see docs/alerts.md).
create table if not exists sms_monitor.sms_alert_metrics (
  metric text primary key,
  label text not null,
  unit text not null,
  formula text not null,
  sample text not null
);
comment on table sms_monitor.sms_alert_metrics is
  'The metrics alert rules can watch: unit, formula over the rule''s window, and what the minimum sample counts.';
insert into sms_monitor.sms_alert_metrics (metric, label, unit, formula, sample) values
  ('delivery_rate', 'SMS delivery rate', 'percent',
   '100 * sum(delivered_count) / sum(sent_count) over the window',
   'sent_count in the window'),
  ('llm_failure_rate', 'LLM template fallback rate', 'percent',
   '100 * sum(template_fallback_count) / (sum(llm_success_count) + sum(template_fallback_count)) over the window',
   'llm_success_count + template_fallback_count in the window'),
  ('llm_cost_spike', 'LLM cost per active user vs the 30-day mean', 'ratio',
   '(sum(llm_cost_usd) / active users) in the window, divided by the baseline sum(llm_cost_usd) / sum(active_users) '
   'over the 30 reporting days before today (sms_metrics_daily: mean daily cost per active user); needs >= 7 '
   'baseline days with traffic and a non-zero baseline',
   'active users in the window'),
  ('opt_out_rate', 'Opt-out rate', 'percent',
   '100 * sum(opt_out_count) / active users in the window',
   'active users in the window'),
  ('daily_limit_hit_rate', 'Daily-limit hit rate', 'percent',
   '100 * (distinct users with daily_limit_hit_count > 0) / active users in the window',
   'active users in the window')
on conflict (metric) do update
  set label = excluded.label, unit = excluded.unit, formula = excluded.formula, sample = excluded.sample;
alter table sms_monitor.sms_alert_metrics enable row level security;
grant select on sms_monitor.sms_alert_metrics to sms_monitor_reader;
drop policy if exists sms_alert_metrics_read on sms_monitor.sms_alert_metrics;
create policy sms_alert_metrics_read on sms_monitor.sms_alert_metrics
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_alert_thresholds (
  alert_type text primary key
    constraint sms_alert_thresholds_alert_type_check check (alert_type ~ '^[a-z][a-z0-9_]{0,62}$'),
  metric text not null constraint sms_alert_thresholds_metric_fkey
    references sms_monitor.sms_alert_metrics (metric),
  comparison text not null
    constraint sms_alert_thresholds_comparison_check check (comparison in ('<', '<=', '>', '>=')),
  threshold_value numeric not null
    constraint sms_alert_thresholds_threshold_check check (threshold_value >= 0 and threshold_value < 'Infinity'),
  recovery_value numeric
    constraint sms_alert_thresholds_recovery_check check (
      recovery_value >= 0 and recovery_value < 'Infinity'
      and case when comparison in ('<', '<=') then recovery_value >= threshold_value
               else recovery_value <= threshold_value end),
  window_minutes integer not null default 60
    constraint sms_alert_thresholds_window_check check (window_minutes between 1 and 43200),
  min_sample integer not null default 20
    constraint sms_alert_thresholds_min_sample_check check (min_sample >= 1),
  pending_minutes integer not null default 0
    constraint sms_alert_thresholds_pending_check check (pending_minutes between 0 and 10080),
  cooldown_minutes integer not null default 60
    constraint sms_alert_thresholds_cooldown_check check (cooldown_minutes between 1 and 10080),
  severity text not null
    constraint sms_alert_thresholds_severity_check check (severity in ('critical', 'warning', 'info')),
  notification_channels text[] not null
    constraint sms_alert_thresholds_channels_check check (
      cardinality(notification_channels) >= 1
      and notification_channels <@ array['slack', 'pagerduty', 'email', 'log']
      and array_position(notification_channels, null) is null),
  is_enabled boolean not null default true,
  description text not null
    constraint sms_alert_thresholds_description_check check (btrim(description) <> ''),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table sms_monitor.sms_alert_thresholds is
  'One row per alert rule, tuned with plain SQL by sms_monitor_admin. A rule fires when '
  '"<metric over the last window_minutes> <comparison> threshold_value" holds on min_sample or more '
  '(for pending_minutes, if set); it resolves when the metric is no longer on the firing side of '
  'coalesce(recovery_value, threshold_value). See docs/alerts.md.';
comment on column sms_monitor.sms_alert_thresholds.metric is 'What the rule watches: a row of sms_alert_metrics.';
comment on column sms_monitor.sms_alert_thresholds.comparison is 'Fires when metric <comparison> threshold_value.';
comment on column sms_monitor.sms_alert_thresholds.recovery_value is
  'Hysteresis: an open incident resolves only once the metric is not <comparison> recovery_value '
  '(e.g. fire below 90, resolve at 92 or more). NULL = threshold_value.';
comment on column sms_monitor.sms_alert_thresholds.window_minutes is
  'The metric is computed over the hourly buckets overlapping the last window_minutes (rounded out to '
  'whole hours in the reporting timezone); a daily bucket (NULL hour) counts only when its whole day is covered.';
comment on column sms_monitor.sms_alert_thresholds.min_sample is
  'Below this many samples (see sms_alert_metrics.sample) the evaluation is no_data, never a breach.';
comment on column sms_monitor.sms_alert_thresholds.pending_minutes is
  'The condition must hold on every evaluation for this long before an incident opens (0 = at once).';
comment on column sms_monitor.sms_alert_thresholds.cooldown_minutes is
  'While an unacknowledged incident stays breached, a repeat notification goes out each time this long '
  'has passed since the last one.';
--!include functions/_alert_thresholds_validate.sql
create or replace trigger sms_alert_thresholds_validate before insert or update on sms_monitor.sms_alert_thresholds
  for each row execute function sms_monitor._alert_thresholds_validate();
--!include functions/_alert_thresholds_before_delete.sql
create or replace trigger sms_alert_thresholds_before_delete before delete on sms_monitor.sms_alert_thresholds
  for each row execute function sms_monitor._alert_thresholds_before_delete();
insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample,
   pending_minutes, cooldown_minutes, severity, notification_channels, description)
values
  ('delivery_rate_critical', 'delivery_rate', '<', 90, 92, 60, 20, 0, 60, 'critical', '{pagerduty}',
   'SMS delivery rate (delivered / sent) below 90 % over the last hour; resolves at 92 % or more. '
   'Check the SMS provider status and failed_count.'),
  ('llm_failure_critical', 'llm_failure_rate', '>', 50, null, 60, 20, 0, 30, 'critical', '{pagerduty}',
   'More than half of the message texts fell back to a template over the last hour: the LLM is failing.'),
  ('llm_cost_spike_warning', 'llm_cost_spike', '>', 2, null, 60, 20, 0, 120, 'warning', '{slack}',
   'LLM cost per active user over the last hour is more than twice the mean daily cost per active user '
   'of the previous 30 days.'),
  ('opt_out_rate_warning', 'opt_out_rate', '>', 10, null, 60, 20, 0, 240, 'warning', '{slack}',
   'More than 10 % of the active users opted out over the last hour.'),
  ('daily_limit_hit_warning', 'daily_limit_hit_rate', '>', 20, null, 60, 20, 0, 180, 'warning', '{slack}',
   'More than 20 % of the active users hit their daily SMS limit over the last hour (users, not events).')
on conflict (alert_type) do nothing;
alter table sms_monitor.sms_alert_thresholds enable row level security;
grant select on sms_monitor.sms_alert_thresholds to sms_monitor_reader;
grant insert, update, delete on sms_monitor.sms_alert_thresholds to sms_monitor_admin;
drop policy if exists sms_alert_thresholds_read on sms_monitor.sms_alert_thresholds;
create policy sms_alert_thresholds_read on sms_monitor.sms_alert_thresholds
  for select to sms_monitor_reader using (true);
drop policy if exists sms_alert_thresholds_admin_write on sms_monitor.sms_alert_thresholds;
create policy sms_alert_thresholds_admin_write on sms_monitor.sms_alert_thresholds
  for all to sms_monitor_admin using (true) with check (true);

-- One row per incident: open (resolved_at is null) until resolved automatically or by hand.
create table if not exists sms_monitor.sms_alert_history (
  id uuid primary key default gen_random_uuid(),
  alert_type text not null constraint sms_alert_history_alert_type_fkey
    references sms_monitor.sms_alert_thresholds (alert_type) on update cascade,
  severity text not null
    constraint sms_alert_history_severity_check check (severity in ('critical', 'warning', 'info')),
  metric text not null,
  comparison text not null,
  metric_value numeric,
  threshold_value numeric not null,
  recovery_value numeric,
  window_minutes integer not null,
  sample_size bigint,
  message text not null,
  triggered_at timestamptz not null,
  last_value numeric,
  last_evaluated_at timestamptz,
  resolved_at timestamptz,
  resolved_by text,
  resolution_value numeric,
  acknowledged_at timestamptz,
  acknowledged_by text,
  silenced boolean not null default false,
  last_notified_at timestamptz,
  repeat_count integer not null default 0,
  notification_sent boolean not null default false,
  notification_error text,
  notification_status jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint sms_alert_history_resolved_check check ((resolved_at is null) = (resolved_by is null))
);
create unique index if not exists sms_alert_history_one_open_per_rule
  on sms_monitor.sms_alert_history (alert_type) where resolved_at is null;
create index if not exists sms_alert_history_triggered_idx on sms_monitor.sms_alert_history (triggered_at desc);
comment on table sms_monitor.sms_alert_history is
  'One row per incident; at most one open (resolved_at is null) per rule. metric_value is the value that '
  'opened it, last_value the latest evaluated; silenced = held back by a silence and not announced yet; '
  'notification_sent / notification_error / notification_status come from the outbox rows.';
comment on column sms_monitor.sms_alert_history.notification_status is
  'Latest outbox status per "channel/event", e.g. {"pagerduty/trigger": "sent"}.';
comment on column sms_monitor.sms_alert_history.last_notified_at is
  'When the last trigger or repeat was queued (NULL = never announced, e.g. silenced): cooldowns count from it.';
alter table sms_monitor.sms_alert_history enable row level security;
grant select on sms_monitor.sms_alert_history to sms_monitor_reader, sms_monitor_notifier;
drop policy if exists sms_alert_history_read on sms_monitor.sms_alert_history;
create policy sms_alert_history_read on sms_monitor.sms_alert_history
  for select to sms_monitor_reader, sms_monitor_notifier using (true);

-- Per-rule evaluation state (pending timer, last result). Its row is also the rule's lock: every
-- evaluation and every resolve/acknowledge takes it FOR UPDATE first, so concurrent checks serialise
-- per rule and a breach opens one incident.
create table if not exists sms_monitor.sms_alert_rule_state (
  alert_type text primary key constraint sms_alert_rule_state_alert_type_fkey
    references sms_monitor.sms_alert_thresholds (alert_type) on update cascade on delete cascade,
  pending_since timestamptz,
  last_evaluated_at timestamptz,
  last_action text,
  last_value numeric,
  last_sample_size bigint
);
comment on table sms_monitor.sms_alert_rule_state is
  'Internal per-rule state: since when the condition is pending, and the last evaluation; its row is the rule''s lock.';
alter table sms_monitor.sms_alert_rule_state enable row level security;
grant select on sms_monitor.sms_alert_rule_state to sms_monitor_reader;
drop policy if exists sms_alert_rule_state_read on sms_monitor.sms_alert_rule_state;
create policy sms_alert_rule_state_read on sms_monitor.sms_alert_rule_state
  for select to sms_monitor_reader using (true);

create table if not exists sms_monitor.sms_alert_silences (
  id bigint generated always as identity primary key,
  alert_type text constraint sms_alert_silences_alert_type_fkey
    references sms_monitor.sms_alert_thresholds (alert_type) on update cascade on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null constraint sms_alert_silences_reason_check check (btrim(reason) <> ''),
  created_by text not null,
  created_at timestamptz not null default now(),
  lifted_at timestamptz,
  lifted_by text,
  constraint sms_alert_silences_period_check check (ends_at > starts_at)
);
create index if not exists sms_alert_silences_active_idx on sms_monitor.sms_alert_silences (ends_at) where lifted_at is null;
comment on table sms_monitor.sms_alert_silences is
  'Silences: alert_type NULL = every rule. Active at t when starts_at <= t < ends_at and not lifted before t. '
  'Incidents open during a silence are recorded (silenced) and announced when it ends, if still open.';
alter table sms_monitor.sms_alert_silences enable row level security;
grant select on sms_monitor.sms_alert_silences to sms_monitor_reader;
drop policy if exists sms_alert_silences_read on sms_monitor.sms_alert_silences;
create policy sms_alert_silences_read on sms_monitor.sms_alert_silences
  for select to sms_monitor_reader using (true);

-- The outbox (docs: OUTBOX-CONTRACT): one row per incident x channel x event occurrence.
create table if not exists sms_monitor.sms_alert_notifications (
  id bigint generated always as identity primary key,
  alert_id uuid not null constraint sms_alert_notifications_alert_id_fkey
    references sms_monitor.sms_alert_history (id),
  channel text not null
    constraint sms_alert_notifications_channel_check check (channel in ('slack', 'pagerduty', 'email', 'log')),
  event text not null
    constraint sms_alert_notifications_event_check check (event in ('trigger', 'repeat', 'acknowledge', 'resolve')),
  status text not null default 'pending'
    constraint sms_alert_notifications_status_check check (status in ('pending', 'sent', 'failed', 'dead')),
  attempts integer not null default 0 constraint sms_alert_notifications_attempts_check check (attempts >= 0),
  max_attempts integer not null default 10
    constraint sms_alert_notifications_max_attempts_check check (max_attempts >= 1),
  next_attempt_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  payload jsonb not null constraint sms_alert_notifications_payload_check check (jsonb_typeof(payload) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz
);
-- trigger, acknowledge and resolve happen once per incident and channel; repeats may recur.
create unique index if not exists sms_alert_notifications_once
  on sms_monitor.sms_alert_notifications (alert_id, channel, event) where event <> 'repeat';
create index if not exists sms_alert_notifications_due_idx
  on sms_monitor.sms_alert_notifications (next_attempt_at, id) where status = 'pending';
create index if not exists sms_alert_notifications_alert_idx on sms_monitor.sms_alert_notifications (alert_id);
-- In-order delivery per incident and channel: the claim looks for an earlier pending row.
create index if not exists sms_alert_notifications_pending_order_idx
  on sms_monitor.sms_alert_notifications (alert_id, channel, id) where status = 'pending';
create index if not exists sms_alert_notifications_sent_idx
  on sms_monitor.sms_alert_notifications (sent_at) where status = 'sent';
comment on table sms_monitor.sms_alert_notifications is
  'Outbox: one row per (incident, channel, event occurrence). Inserting NOTIFYs sms_monitor_notifications '
  'with the new ids; the notifier claims rows with claim_sms_notifications() and records outcomes with '
  'complete_sms_notification(). The table, not the NOTIFY, is the truth.';
alter table sms_monitor.sms_alert_notifications enable row level security;
grant select on sms_monitor.sms_alert_notifications to sms_monitor_reader, sms_monitor_notifier;
drop policy if exists sms_alert_notifications_read on sms_monitor.sms_alert_notifications;
create policy sms_alert_notifications_read on sms_monitor.sms_alert_notifications
  for select to sms_monitor_reader, sms_monitor_notifier using (true);

--!include functions/_notify_sms_notifications.sql
create or replace trigger sms_alert_notifications_notify after insert on sms_monitor.sms_alert_notifications
  referencing new table as new_rows
  for each statement execute function sms_monitor._notify_sms_notifications();
--!include functions/_alert_sync_notification_status.sql
--!include functions/claim_sms_notifications.sql
--!include functions/complete_sms_notification.sql
--!include functions/release_sms_notifications.sql
--!include functions/next_sms_notification_due.sql

-- Evaluation: metric values, incident lifecycle, manual resolve/acknowledge, silences.
--!include functions/_alert_compare.sql
--!include functions/_alert_format_value.sql
--!include functions/_alert_window_stats.sql
--!include functions/_alert_cost_baseline.sql
--!include functions/_alert_rule_values.sql
--!include functions/_alert_told_channels.sql
--!include functions/_alert_enqueue.sql
--!include functions/_alert_lock_rule.sql
--!include functions/check_sms_alerts.sql
--!include functions/resolve_sms_alert.sql
--!include functions/acknowledge_sms_alert.sql
--!include functions/silence_sms_alerts.sql
--!include functions/list_sms_alert_silences.sql
--!include functions/lift_sms_alert_silence.sql
--!include views/sms_alert_status.sql

-- Schedules: retention, and the pg_cron jobs, registered only where pg_cron is installed (it can
-- only live in cron.database_name); elsewhere a superuser who adds pg_cron later runs
-- select * from sms_monitor.install_sms_monitor_schedule();
--!include functions/apply_sms_retention.sql
-- `notifier --evaluate-every` runs the pg_cron jobs itself where pg_cron is missing.
grant execute on function sms_monitor.refresh_sms_metrics_daily() to sms_monitor_notifier;
grant execute on function sms_monitor.apply_sms_retention(timestamptz) to sms_monitor_notifier;
--!include functions/install_sms_monitor_schedule.sql
--!include functions/uninstall_sms_monitor_schedule.sql
do $$
begin
  if exists (select from pg_extension where extname = 'pg_cron') then
    perform sms_monitor.install_sms_monitor_schedule();
    raise notice 'sms-monitor: pg_cron jobs registered (sms-monitor-check-alerts, sms-monitor-refresh-daily, sms-monitor-retention)';
  else
    raise notice 'sms-monitor: pg_cron is not installed in database %: no jobs registered. Run check_sms_alerts() '
      'from another scheduler (notifier --evaluate-every), or add pg_cron and run '
      'select * from sms_monitor.install_sms_monitor_schedule();', current_database();
  end if;
end;
$$;

-- (end of alert engine section)

-- == dashboard functions (issue 5) ==
-- The original's six dashboard endpoints as functions returning their jsonb bodies (docs/client.md).
--!include functions/api_daily_metrics.sql
-- (p_now added to get_user_sms_metrics and api_user_metrics: drop the two-argument forms, no overloads)
drop function if exists sms_monitor.api_user_metrics(uuid, integer);
drop function if exists sms_monitor.get_user_sms_metrics(uuid, integer);
--!include functions/get_user_sms_metrics.sql
--!include functions/api_user_metrics.sql
-- (p_live added after the first version: drop the one-argument forms where an earlier run made them)
drop function if exists sms_monitor.api_metrics_summary(timestamptz);
drop function if exists sms_monitor.api_today_metrics(timestamptz);
--!include functions/api_today_metrics.sql
--!include functions/api_metrics_summary.sql
--!include functions/api_alerts.sql
--!include functions/api_resolve_alert.sql
-- (end of dashboard section)
