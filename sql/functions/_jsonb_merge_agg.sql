create or replace aggregate sms_monitor._jsonb_merge_agg(jsonb) (
  sfunc = sms_monitor._merge_metadata,
  stype = jsonb,
  initcond = '{}'
);

comment on aggregate sms_monitor._jsonb_merge_agg(jsonb) is
  'Internal: merges the metadata of several events into one bucket, bounded like _merge_metadata.';
revoke all on function sms_monitor._jsonb_merge_agg(jsonb) from public;
