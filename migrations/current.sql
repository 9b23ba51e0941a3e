-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- == hist ==
-- The message buckets' retention cut, kept where the fold reads it: the fold and the rebuild write
-- no bucket row for a minute before it (a late event of a message whose minute retention has cut
-- made negative or partial rows at the edge). NULL (-infinity) until the next retention run sets
-- it; that run also deletes any edge row left before it.
alter table sms_monitor.sms_rollup_watermarks add column if not exists bucket_cut timestamptz;
comment on column sms_monitor.sms_rollup_watermarks.bucket_cut is
  'sms_messages row only: the retention cut of the message buckets (_message_bucket_cut); NULL for the other rollups.';
--!include functions/_message_bucket_cut.sql
--!include functions/_apply_sms_message_retention.sql
--!include functions/_fold_message_events.sql
--!include functions/_rebuild_message_minute_stats.sql
