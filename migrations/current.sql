-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- sms_metrics_daily joins the day's user count (a lookup per day in a table of a few hundred rows
-- was planned as a scan of the whole table per day)
--!include views/sms_metrics_daily.sql
