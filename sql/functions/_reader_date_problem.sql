-- The date form of _reader_time_problem: given, finite, inside 2000-01-01 .. 2199-12-31.
create or replace function sms_monitor._reader_date_problem(p_field text, p_value date)
returns text
language sql
stable
parallel safe
as $$
  select case
    when p_value is null then p_field || ': is required (YYYY-MM-DD)'
    when not isfinite(p_value) then p_field || ': must be a finite date'
    when p_value < '2000-01-01'::date or p_value > '2199-12-31'::date then
      p_field || ': must lie between 2000-01-01 and 2199-12-31 (got ' || p_value::text || ')'
  end;
$$;

comment on function sms_monitor._reader_date_problem(text, date) is
  'Internal: "<field>: <problem>" when a date argument is NULL, infinite or outside 2000-01-01 .. 2199-12-31; else NULL.';
revoke all on function sms_monitor._reader_date_problem(text, date) from public;
grant execute on function sms_monitor._reader_date_problem(text, date)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self, sms_monitor_notifier;
