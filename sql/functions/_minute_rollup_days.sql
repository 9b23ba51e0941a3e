-- How many reporting days keep minute-grain rollups; older minutes are compacted into their hour
-- by apply_sms_retention() (alert windows longer than this are exact to the hour at their far end).
create or replace function sms_monitor._minute_rollup_days()
returns integer
language sql
immutable
parallel safe
as $$
  select 8;
$$;

comment on function sms_monitor._minute_rollup_days() is
  'Internal constant: 8 reporting days of minute-grain rollups; older minutes are compacted into hours by retention.';
revoke all on function sms_monitor._minute_rollup_days() from public;
