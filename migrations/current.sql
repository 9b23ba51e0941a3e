-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == today == dashboard reads under write load (api_today_metrics, api_health, alert windows)
--!include functions/_alert_window_stats.sql
