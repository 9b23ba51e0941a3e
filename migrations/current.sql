-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- Who writes through the HTTP server is the token's subject, not the server's login.
--!include functions/_audit_subject.sql
--!include functions/silence_sms_alerts.sql
--!include functions/lift_sms_alert_silence.sql

-- Replies of POSTs sent with an Idempotency-Key, per token subject, kept 24 hours.
create table sms_monitor.sms_http_idempotency_keys (
  subject text not null,
  key text not null check (length(key) between 1 and 200),
  request_hash text not null,
  status integer not null check (status between 200 and 299),
  body text not null check (length(body) <= 65536),
  created_at timestamptz not null default now(),
  primary key (subject, key)
);
create index sms_http_idempotency_keys_created_at on sms_monitor.sms_http_idempotency_keys (created_at);
comment on table sms_monitor.sms_http_idempotency_keys is
  'HTTP POST replies by (token subject, Idempotency-Key) for 24 h: a retried POST gets the first reply and acts once.';
revoke all on table sms_monitor.sms_http_idempotency_keys from public;
-- Only the two security definer functions below (as the owner) read or write it.
alter table sms_monitor.sms_http_idempotency_keys enable row level security;
--!include functions/_idempotency_claim.sql
--!include functions/_idempotency_store.sql
