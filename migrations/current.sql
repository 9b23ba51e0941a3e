-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- ---------------------------------------------------------------------------------------------
-- Rules that know SMS: per-dimension rules (group_by), rule parameters, message-based metrics.
-- ---------------------------------------------------------------------------------------------
alter table sms_monitor.sms_alert_thresholds
  add column if not exists group_by text,
  add column if not exists params jsonb not null default '{}'::jsonb;
alter table sms_monitor.sms_alert_thresholds
  drop constraint if exists sms_alert_thresholds_group_by_check,
  add constraint sms_alert_thresholds_group_by_check check (group_by in
    ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider')),
  drop constraint if exists sms_alert_thresholds_params_check,
  add constraint sms_alert_thresholds_params_check check (jsonb_typeof(params) = 'object' and length(params::text) <= 2000);
comment on column sms_monitor.sms_alert_thresholds.group_by is
  'NULL: one value system-wide. Else the message attribute the rule is evaluated per value of (message metrics '
  'only): each value has its own sample, incident and lifecycle.';
comment on column sms_monitor.sms_alert_thresholds.params is
  'The metric''s parameters (see sms_alert_metrics.params): error_codes for error_code_share, after_minutes for '
  'receipt_delay_rate, slo_percent and windows for delivery_slo_burn.';

alter table sms_monitor.sms_alert_metrics
  add column if not exists params text not null default '',
  add column if not exists source text not null default 'counters';
alter table sms_monitor.sms_alert_metrics
  drop constraint if exists sms_alert_metrics_source_check,
  add constraint sms_alert_metrics_source_check check (source in ('counters', 'messages'));
comment on column sms_monitor.sms_alert_metrics.source is
  'counters: computed from the pushed counters (system-wide only); messages: from sms_messages (group_by allowed).';
insert into sms_monitor.sms_alert_metrics (metric, label, unit, formula, sample, params, source) values
  ('message_delivery_rate', 'Delivery rate', 'percent',
   '100 * delivered / (delivered + undelivered + failed) over the messages sent in [now - window, now) (or reaching '
   'a final status then without a sent time), by each message''s winning final status',
   'terminal messages (delivered + undelivered + failed)', '', 'messages'),
  ('error_code_share', 'Error-code share', 'percent',
   '100 * terminal messages whose error_code is one of params.error_codes / terminal messages, same messages as '
   'message_delivery_rate',
   'terminal messages', '{"error_codes": ["30007"]} (1 to 50 codes)', 'messages'),
  ('receipt_delay_rate', 'Receipt-delay rate', 'percent',
   '100 * messages sent in [now - after_minutes - window, now - after_minutes) without a final status at now / '
   'messages sent then',
   'messages sent in that span', '{"after_minutes": 10} (0 to 10080)', 'messages'),
  ('delivery_latency_p95', 'Delivery latency p95', 'seconds',
   'exact 95th percentile (linear interpolation) of delivered_at - sent_at over the delivered messages sent in '
   '[now - window, now)',
   'delivered messages with a sent time', '', 'messages'),
  ('delivery_slo_burn', 'Delivery SLO burn rate', 'ratio',
   'per window pair (long, short, factor): burn = (undelivered + failed) / terminal / (1 - slo_percent / 100) in '
   'each window [now - minutes, now); value = the highest min(burn long, burn short) / factor over the pairs whose '
   'short window has >= min_sample terminal messages: >= 1 means both windows of a pair burn at its factor',
   'terminal messages in the longest window', '{"slo_percent": 98, "windows": [[60, 5, 14.4], [360, 30, 6]]}', 'messages')
on conflict (metric) do update
  set label = excluded.label, unit = excluded.unit, formula = excluded.formula, sample = excluded.sample,
      params = excluded.params, source = excluded.source;

alter table sms_monitor.sms_alert_history
  add column if not exists group_by text,
  add column if not exists group_value text;
comment on column sms_monitor.sms_alert_history.group_value is
  'For a per-dimension rule: the value of group_by the incident is about (NULL: system-wide).';
drop index if exists sms_monitor.sms_alert_history_one_open_per_rule;
create unique index if not exists sms_alert_history_one_open_per_value
  on sms_monitor.sms_alert_history (alert_type, coalesce(group_value, '')) where resolved_at is null;

-- Per-value state of per-dimension rules (the rule's own row in sms_alert_rule_state stays its lock
-- and its last evaluation as a whole).
create table if not exists sms_monitor.sms_alert_group_state (
  alert_type text not null,
  group_value text not null,
  pending_since timestamptz,
  last_evaluated_at timestamptz,
  last_action text check (last_action = any (enum_range(null::sms_monitor.alert_action)::text[])),
  last_value numeric,
  last_sample_size bigint,
  primary key (alert_type, group_value)
);
comment on table sms_monitor.sms_alert_group_state is
  'One row per (per-dimension rule, value) that was evaluated: its pending timer and what its last evaluation did.';
alter table sms_monitor.sms_alert_group_state enable row level security;
grant select on sms_monitor.sms_alert_group_state to sms_monitor_reader;
drop policy if exists sms_alert_group_state_read on sms_monitor.sms_alert_group_state;
create policy sms_alert_group_state_read on sms_monitor.sms_alert_group_state for select to sms_monitor_reader using (true);

create index if not exists sms_messages_final_at_idx on sms_monitor.sms_messages (final_at);

insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample,
   pending_minutes, cooldown_minutes, severity, notification_channels, group_by, params, description)
values
  ('carrier_delivery_rate_critical', 'message_delivery_rate', '<', 85, null, 15, 50, 0, 60, 'critical', '{pagerduty}',
   'carrier', '{}',
   'Per carrier: delivery rate (delivered / terminal messages) below 85 % over the last 15 minutes, with at least 50 '
   'terminal messages for that carrier.'),
  ('sender_filtering_warning', 'error_code_share', '>', 2, null, 60, 100, 0, 120, 'warning', '{slack}',
   'sender', '{"error_codes": ["30007"]}',
   'Per sender: more than 2 % of terminal messages failed with 30007 (carrier filtering) over the last hour, with at '
   'least 100 terminal messages.'),
  ('receipt_delay_warning', 'receipt_delay_rate', '>', 5, null, 60, 50, 0, 60, 'warning', '{slack}',
   'carrier', '{"after_minutes": 10}',
   'Per carrier: more than 5 % of the messages sent 10 to 70 minutes ago still have no final status, with at least '
   '50 sent.'),
  ('delivery_latency_warning', 'delivery_latency_p95', '>', 60, null, 15, 50, 0, 60, 'warning', '{slack}',
   null, '{}',
   'p95 of sent-to-delivered time above 60 s over the last 15 minutes, with at least 50 delivered messages.'),
  ('delivery_slo_burn_critical', 'delivery_slo_burn', '>=', 1, null, 360, 20, 0, 60, 'critical', '{pagerduty}',
   null, '{"slo_percent": 98, "windows": [[60, 5, 14.4], [360, 30, 6]]}',
   'Delivery success SLO 98 % over 30 days: pages when both the 1 h and the 5 min windows burn the error budget at '
   '14.4x or more, or both the 6 h and the 30 min windows at 6x or more (each pair needs 20 terminal messages in its '
   'short window).')
on conflict (alert_type) do nothing;

drop function if exists sms_monitor.preview_sms_alerts(timestamptz);
drop function if exists sms_monitor.check_sms_alerts(timestamptz);
drop function if exists sms_monitor._alert_evaluate(timestamptz, boolean);
drop function if exists sms_monitor._alert_rule_values(timestamptz, text);
--!include functions/_alert_format_value.sql
--!include functions/_alert_dedup_key.sql
--!include functions/_alert_history_dedup_key.sql
--!include functions/_alert_slo_burn.sql
--!include functions/_alert_message_values.sql
--!include functions/_alert_rule_values.sql
--!include functions/_alert_evaluate_value.sql
--!include functions/_alert_evaluate.sql
--!include functions/check_sms_alerts.sql
--!include functions/preview_sms_alerts.sql
--!include functions/_alert_rule_params_problem.sql
--!include functions/_alert_thresholds_validate.sql
--!include functions/api_health.sql
--!include views/sms_alert_status.sql
