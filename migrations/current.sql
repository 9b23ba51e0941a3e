-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

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
--!include functions/_notify_channel.sql
--!include functions/_alert_dedup_key.sql
--!include functions/_notify_sms_notifications.sql
--!include functions/release_sms_notifications.sql
--!include functions/retry_sms_notifications.sql
--!include functions/_alert_history_dedup_key.sql
--!include functions/_alert_enqueue.sql
-- Channel lists read from the enum.
--!include functions/claim_sms_notifications.sql
--!include functions/sms_notifier_heartbeat.sql
--!include functions/_alert_thresholds_validate.sql
--!include functions/api_prometheus_metrics.sql
-- The evaluation loop emits each rule's row in one place; check_sms_alerts names the action enum.
--!include functions/_alert_evaluate.sql
--!include functions/check_sms_alerts.sql

-- The API's one time format and one incident shape; one definition of health in every endpoint.
--!include functions/_iso_utc.sql
--!include functions/_duration_text.sql
--!include functions/_incident_json.sql
--!include functions/api_health.sql
--!include functions/api_today_metrics.sql
--!include functions/api_metrics_summary.sql
--!include functions/api_alerts.sql
--!include functions/api_alert_detail.sql
--!include functions/api_user_metrics.sql
--!include functions/api_alert_rules.sql
--!include functions/api_resolve_alert.sql

-- Who writes through the HTTP server is the token's subject, not the server's login.
--!include functions/_audit_subject.sql
--!include functions/silence_sms_alerts.sql
--!include functions/lift_sms_alert_silence.sql

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
--!include functions/_idempotency_claim.sql
--!include functions/_idempotency_store.sql
