-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == dayroll: system-wide day rollups (dashboard reads at 100M events) ==
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

--!include functions/_rebuild_system_rollups.sql
--!include functions/rollup_sms_metrics.sql
--!include functions/_apply_sms_retention.sql
--!include views/sms_metrics.sql
--!include views/sms_metrics_daily.sql
--!include functions/api_today_metrics.sql
--!include functions/_daily_metrics_series.sql
--!include functions/_alert_cost_baseline.sql
-- backfill: every day the per-user day grain holds (a database with data keeps its totals)
select sms_monitor._rebuild_system_rollups(min(d.metric_date), max(d.metric_date))
  from sms_monitor.sms_metric_rollups_daily d
having count(*) > 0;
-- == end dayroll ==
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

--!include functions/_message_value.sql
--!include functions/_message_contributions.sql
--!include functions/_count_map.sql
--!include functions/_message_minute_rows.sql
--!include functions/_rebuild_message_minute_stats.sql
--!include functions/_message_stats.sql
--!include functions/_fold_message_events.sql
--!include functions/_apply_sms_message_retention.sql
--!include functions/api_message_breakdown.sql
--!include functions/api_message_latency.sql
--!include functions/api_message_series.sql
--!include functions/api_message_receipts.sql
--!include functions/_alert_message_values.sql
--!include functions/_alert_slo_burn.sql

-- backfill: the buckets of the messages already folded
select sms_monitor._rebuild_message_minute_stats(
         date_bin('1 minute', min(coalesce(s.sent_at, s.final_at)), timestamptz '2000-01-01 00:00:00+00'),
         date_bin('1 minute', max(coalesce(s.sent_at, s.final_at)), timestamptz '2000-01-01 00:00:00+00')
           + interval '1 minute')
  from sms_monitor.sms_messages s
having count(coalesce(s.sent_at, s.final_at)) > 0;
-- end of message reads from minute buckets
