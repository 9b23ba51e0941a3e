-- The retention cut of the message buckets (sms_message_minute_stats, sms_message_hour_stats): no
-- bucket row exists for a minute before it. Retention (_apply_sms_message_retention) advances it
-- to the whole hour containing now - metric_retention_days and deletes both grains before it;
-- the fold (_fold_message_events) and the rebuild (_rebuild_message_minute_stats) write no bucket
-- row before it, so a late event of a message whose minute lies before the cut changes
-- sms_messages and no bucket. Kept in the 'sms_messages' row of sms_rollup_watermarks, which each
-- fold locks with its claim: a fold and a retention run wait for each other. -infinity until the
-- first retention run.
create or replace function sms_monitor._message_bucket_cut()
returns timestamptz
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select w.bucket_cut from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_messages'),
                  '-infinity'::timestamptz)
$$;

comment on function sms_monitor._message_bucket_cut() is
  'Internal: the minute before which no message bucket exists (retention''s cut; the fold writes no bucket before it).';
revoke all on function sms_monitor._message_bucket_cut() from public;
