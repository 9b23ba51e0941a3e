-- Merge metadata of repeated recordings into one bucket, keeping it bounded: keys merge (later
-- values win); once the merged object would pass 16 KiB, the bucket keeps what it had and is
-- marked "_metadata_truncated" so nobody mistakes it for complete. No SET clause, so it inlines
-- into the upsert (see _metric_problem).
create or replace function sms_monitor._merge_metadata(p_old jsonb, p_new jsonb)
returns jsonb
language sql
immutable
parallel safe
as $$
  select case
    when p_new is null or p_new = '{}'::jsonb then p_old
    when p_old = '{}'::jsonb then p_new
    when octet_length((p_old || p_new)::text) <= 16384 then p_old || p_new
    else p_old || '{"_metadata_truncated": true}'::jsonb
  end;
$$;

comment on function sms_monitor._merge_metadata(jsonb, jsonb) is
  'Internal: merges bucket metadata, bounded to 16 KiB (then marks the bucket _metadata_truncated).';
revoke all on function sms_monitor._merge_metadata(jsonb, jsonb) from public;
