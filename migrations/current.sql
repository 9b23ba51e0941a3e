-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

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
