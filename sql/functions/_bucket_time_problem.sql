-- What is wrong with the time of a bucket a writer is about to add into, or NULL. A bucket must lie
-- where a reader looks for it: not older than settings.metric_retention_days before the reporting
-- day of now() (retention would delete it at once), and not after now() + _max_clock_skew() (5
-- minutes): a bucket in the future is a value no window has seen yet, written to surface later.
-- p_field names what the caller passed (metric_date, metric_hour); the check uses the date first,
-- so an absurd year never reaches date arithmetic (no 22008).
create or replace function sms_monitor._bucket_time_problem(
  p_date_field text,
  p_hour_field text,
  p_date date,
  p_hour integer
)
returns text
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tz text;
  v_days integer;
  v_today date;
  v_latest timestamptz := now() + sms_monitor._max_clock_skew();
  v_latest_day date;
begin
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  v_today := (now() at time zone v_tz)::date;
  v_latest_day := (v_latest at time zone v_tz)::date;
  if p_date is null then
    return p_date_field || ': is required';
  end if;
  if not isfinite(p_date) then
    return p_date_field || ': must be a finite date';
  end if;
  if p_date < v_today - v_days then
    return format('%s: %s is older than the %s days retention keeps (earliest: %s)',
      p_date_field, p_date::text, v_days, v_today - v_days);
  end if;
  if p_date > v_latest_day then
    return format('%s: %s is in the future (today is %s in %s; allowed clock skew: %s)',
      p_date_field, p_date::text, v_today, v_tz, sms_monitor._max_clock_skew());
  end if;
  if p_hour is not null and p_hour between 0 and 23
     and ((p_date + make_interval(hours => p_hour)) at time zone v_tz) > v_latest then
    return format('%s: %s hour %s has not begun yet (now: %s in %s; allowed clock skew: %s)',
      p_hour_field, p_date, p_hour, to_char(now() at time zone v_tz, 'YYYY-MM-DD HH24:MI'), v_tz,
      sms_monitor._max_clock_skew());
  end if;
  return null;
end;
$$;

comment on function sms_monitor._bucket_time_problem(text, text, date, integer) is
  'Internal: "<field>: <problem>" when a bucket (date, hour) is older than retention keeps or later than '
  'now() + 5 minutes (reporting timezone); else NULL.';
revoke all on function sms_monitor._bucket_time_problem(text, text, date, integer) from public;
