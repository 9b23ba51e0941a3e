-- The bits of sms_metric_active_minutes for one rollup row: bit p_minute (0 .. 59) for a minute
-- row, all 60 bits for an hour row (metric_minute NULL), which counts in a window whenever its hour
-- overlaps it. No SET clause: the planner inlines it into the rollup's and the rebuild's queries.
create or replace function sms_monitor._minute_bits(p_minute integer)
returns bigint
language sql
immutable
parallel safe
as $$
  select coalesce(1::bigint << p_minute, 1152921504606846975);
$$;

comment on function sms_monitor._minute_bits(integer) is
  'Internal: the active-minute bit of minute p_minute (0 .. 59), or all 60 bits for NULL (an hour row).';
revoke all on function sms_monitor._minute_bits(integer) from public;
