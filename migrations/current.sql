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
