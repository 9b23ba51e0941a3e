-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- Ingest: the event-time shape check is one regular expression; the batch
-- insert parses and converts each event's time once.
--!include functions/_looks_like_iso_time_with_offset.sql
--!include functions/record_sms_events.sql
