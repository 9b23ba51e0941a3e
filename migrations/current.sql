-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == hooks ==
-- Message event ingest: the status lookup inlined into record_sms_message_events.
--!include functions/_sms_message_status_of.sql
--!include functions/_sms_message_status.sql
--!include functions/record_sms_message_events.sql
