-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == review fixes ==
-- sms_metrics_daily finds the tail's new users in its one scan of the tail (was: a scan per day)
--!include views/sms_metrics_daily.sql
-- message rules merge error-code counts only for error_code_share
--!include functions/_alert_message_values.sql
-- message bucket retention cuts minutes and hours at the same whole hour
--!include functions/_apply_sms_message_retention.sql
-- comments and dead checks that still spoke of a view that could be unrefreshed
--!include functions/_alert_cost_baseline.sql
--!include functions/api_metrics_summary.sql
--!include functions/_apply_sms_retention.sql
-- The system-wide day rows again, now under the rollup's lock: while the previous migration ran,
-- a rollup that was already waiting kept its earlier function body, which added to the per-user
-- days only; summing them again here counts those runs too (the rollups run with the current
-- bodies from here on).
--!include functions/_rebuild_system_rollups.sql
select sms_monitor._rebuild_system_rollups(min(d.metric_date), max(d.metric_date))
  from sms_monitor.sms_metric_rollups_daily d
having count(*) > 0;
-- message reads use hour buckets only for steps of whole hours
--!include functions/_message_stats.sql
-- == end of review fixes ==
