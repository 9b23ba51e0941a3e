-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

--!include functions/run_sms_rollups.sql
--!include functions/install_sms_monitor_schedule.sql
--!include functions/check_sms_alerts.sql
--!include functions/record_sms_message_events.sql
--!include functions/rollup_sms_messages.sql
--!include functions/rollup_sms_metrics.sql
--!include functions/_alert_window_stats.sql
--!include functions/_message_stats.sql

-- The user's days are read from the day grain: the self-only role reads its own rows of it, as it
-- reads its own rows of the minute and hour grain.
grant select on sms_monitor.sms_metric_rollups_daily to sms_monitor_self;
drop policy if exists sms_metric_rollups_daily_self_own on sms_monitor.sms_metric_rollups_daily;
create policy sms_metric_rollups_daily_self_own on sms_monitor.sms_metric_rollups_daily
  for select to sms_monitor_self using (user_id = sms_monitor._caller_user_id());
--!include functions/get_user_sms_metrics.sql
