-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == retention ==
--!include functions/_apply_sms_message_retention.sql
--!include functions/_apply_sms_retention.sql
