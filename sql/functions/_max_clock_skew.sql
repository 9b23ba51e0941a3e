-- The clock-skew allowance (a documented constant, docs/guarantees.md): how far ahead of the
-- server's clock a recorded event, a metric bucket, an evaluation time (check_sms_alerts) or an
-- operator's time (resolve/acknowledge) may lie. Further ahead is refused with 22023.
create or replace function sms_monitor._max_clock_skew()
returns interval
language sql
immutable
parallel safe
as $$
  select interval '5 minutes';
$$;

comment on function sms_monitor._max_clock_skew() is
  'Internal constant: 5 minutes, how far ahead of now() a recorded or operator-given time may lie.';
revoke all on function sms_monitor._max_clock_skew() from public;
