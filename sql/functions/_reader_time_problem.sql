-- What is wrong with a time a reader or operator passes (dashboards' p_now, a silence's end, ...),
-- or NULL: it must be given, finite and inside 2000-01-01 .. 2199-12-31 (UTC), a range every date
-- computation downstream (a year of days back, a silence's length) can carry without 22008.
create or replace function sms_monitor._reader_time_problem(p_field text, p_value timestamptz)
returns text
language sql
stable
parallel safe
as $$
  select case
    when p_value is null then p_field || ': must be a finite time'
    when not isfinite(p_value) then p_field || ': must be a finite time'
    when p_value < '2000-01-01 00:00:00+00'::timestamptz or p_value >= '2200-01-01 00:00:00+00'::timestamptz then
      p_field || ': must lie between 2000-01-01 and 2199-12-31 (got ' || to_char(p_value at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS BC') || ' UTC)'
  end;
$$;

comment on function sms_monitor._reader_time_problem(text, timestamptz) is
  'Internal: "<field>: <problem>" when a time argument is NULL, infinite or outside 2000-01-01 .. 2199-12-31; else NULL.';
revoke all on function sms_monitor._reader_time_problem(text, timestamptz) from public;
grant execute on function sms_monitor._reader_time_problem(text, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self, sms_monitor_notifier;
