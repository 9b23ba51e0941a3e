-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == ingest ==
--!include functions/_message_events_shape.sql
--!include functions/record_sms_message_events.sql
