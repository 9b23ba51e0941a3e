-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

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

--!include functions/_rollup_watermark.sql
--!include functions/_event_log_retention.sql
--!include functions/_minute_rollup_days.sql
--!include functions/_ensure_sms_event_partitions.sql
--!include functions/_rollup_claim_range.sql
--!include functions/rollup_sms_metrics.sql
--!include functions/run_sms_rollups.sql
--!include views/sms_metrics.sql
--!include views/sms_metrics_daily.sql
--!include views/sms_metrics_user_daily.sql
--!include functions/_record_metric.sql
--!include functions/record_sms_metric.sql
--!include functions/record_sms_event.sql
--!include functions/record_sms_events.sql
--!include functions/refresh_sms_metrics_daily.sql
--!include functions/_alert_window_stats.sql
--!include functions/_daily_metrics_series.sql
--!include functions/get_sms_daily_metrics.sql
--!include functions/_user_days_from_view.sql
--!include functions/api_top_users.sql
--!include functions/_apply_sms_retention.sql
--!include functions/apply_sms_retention.sql
--!include functions/install_sms_monitor_schedule.sql
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

--!include functions/_sms_message_status.sql
--!include functions/_message_event_unknown_field.sql
--!include functions/_message_event_problem.sql
--!include functions/_apply_message_batch.sql
--!include functions/record_sms_message_events.sql
--!include functions/record_sms_message_event.sql
--!include functions/_apply_sms_message_retention.sql
-- Provider webhooks have no bearer token: the HTTP server switches to the writer once a request's
-- provider signature holds (server/webhooks). Tokens still cannot name the writer role.
grant sms_monitor_writer to sms_monitor_authenticator;
comment on role sms_monitor_authenticator is
  'sms-monitor: the HTTP server''s role (PostgREST authenticator): may only SET ROLE to admin, reader or self for a '
  'token, and to writer for a provider webhook whose signature holds.';

-- Breakdowns read messages by the time they entered the pipeline: sent, or final without a send.
create index if not exists sms_messages_window_idx on sms_monitor.sms_messages ((coalesce(sent_at, final_at)));
--!include functions/_message_window.sql
--!include functions/api_message_breakdown.sql
--!include functions/api_message_latency.sql
--!include functions/api_message_receipts.sql
--!include functions/api_message_series.sql
