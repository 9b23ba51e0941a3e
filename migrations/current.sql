-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- the counter rules' window sums its log tail per user and type (one list of the types it sums)
--!include functions/_alert_window_stats.sql
