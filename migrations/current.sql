-- The rollup and the message fold back to their speed, the daily view's tail read once, and the
-- system-wide day rows summed again under the rollup's lock.

-- == the rollup and the message fold ==
-- rollup_sms_metrics reads the claimed range once (its minute buckets feed every grain) instead of
-- once per grain; the message fold sums its bucket deltas per latency bucket and error code before
-- building the count maps, instead of building a map per moved row; a message's contributions are
-- computed once per message, not once per bucket kind.
--!include functions/_message_contributions.sql
--!include functions/rollup_sms_metrics.sql
--!include functions/_fold_message_events.sql

-- == readers and retention ==
-- sms_metrics_daily finds the tail's new users in its one scan of the tail (was: a scan per day)
--!include views/sms_metrics_daily.sql
-- message rules merge error-code counts only for error_code_share
--!include functions/_alert_message_values.sql
-- message reads use hour buckets only for steps of whole hours
--!include functions/_message_stats.sql
-- message bucket retention cuts minutes and hours at the same whole hour
--!include functions/_apply_sms_message_retention.sql
-- comments and dead checks that still spoke of a view that could be unrefreshed
--!include functions/_alert_cost_baseline.sql
--!include functions/api_metrics_summary.sql
--!include functions/_apply_sms_retention.sql

-- == the system-wide day rows, summed again ==
-- Under the rollup's lock: while the previous migration ran, a rollup that was already waiting
-- kept its earlier function body, which added to the per-user days only; summing them again here
-- counts those runs too (the rollups run with the current bodies from here on).
--!include functions/_rebuild_system_rollups.sql
select sms_monitor._rebuild_system_rollups(min(d.metric_date), max(d.metric_date))
  from sms_monitor.sms_metric_rollups_daily d
having count(*) > 0;
