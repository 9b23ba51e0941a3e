-- The last log id rollup p_rollup has rolled up: readers add the log rows past it. A STABLE function,
-- not a subquery, so the planner evaluates it while estimating (an unknown parameter is estimated as
-- a third of the table, which would scan a day's partition instead of its id index's last entries).
create or replace function sms_monitor._rollup_watermark(p_rollup text)
returns bigint
language sql
stable
parallel safe
as $$
  select w.last_id from sms_monitor.sms_rollup_watermarks w where w.rollup_name = p_rollup;
$$;

comment on function sms_monitor._rollup_watermark(text) is
  'Internal: the last log id the named rollup has rolled up (sms_rollup_watermarks.last_id).';
revoke all on function sms_monitor._rollup_watermark(text) from public;
grant execute on function sms_monitor._rollup_watermark(text) to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
