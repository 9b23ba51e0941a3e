-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- sms_metrics_daily reads its log tail in one scan again, its users looked up as the planner
-- chooses (a hash of the users when they fit in work_mem): the materialized tail sorted it twice
-- (its size is misestimated), twice the cost of the day's row with a 7,000-row tail
--!include views/sms_metrics_daily.sql
