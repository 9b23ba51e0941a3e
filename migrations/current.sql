-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == hooks ==
-- Message event ingest: the status lookup inlined into record_sms_message_events.
--!include functions/_sms_message_status_of.sql
--!include functions/_sms_message_status.sql
--!include functions/record_sms_message_events.sql

-- == reads == message reads: the latency percentiles of every output row in the one query that
-- merges the buckets (_message_stats returns timed, p50, p95, p99 instead of the merged histogram),
-- partial hours of a window read as the hour bucket minus its other minutes where that reads fewer
drop function if exists sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean);
--!include functions/_latency_bucket.sql
--!include functions/_histogram_percentile.sql
--!include functions/_message_stats.sql
--!include functions/api_message_breakdown.sql
--!include functions/api_message_latency.sql
--!include functions/api_message_series.sql
--!include functions/_alert_message_values.sql

-- == today == dashboard reads under write load (api_today_metrics, api_health, alert windows)
--!include functions/_alert_window_stats.sql
