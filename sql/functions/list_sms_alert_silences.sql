create or replace function sms_monitor.list_sms_alert_silences(
  p_include_ended boolean default false,
  p_now timestamptz default now()
)
returns setof sms_monitor.sms_alert_silences
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  return query
  select s.* from sms_monitor.sms_alert_silences s
   where coalesce(p_include_ended, false)
      or (s.ends_at > p_now and (s.lifted_at is null or s.lifted_at > p_now))
   order by s.starts_at, s.id;
end;
$$;

comment on function sms_monitor.list_sms_alert_silences(boolean, timestamptz) is
  'Silences that are active or upcoming at p_now (all of them with p_include_ended), by start time. NULL or infinite p_now: 22023.';
revoke all on function sms_monitor.list_sms_alert_silences(boolean, timestamptz) from public;
grant execute on function sms_monitor.list_sms_alert_silences(boolean, timestamptz)
  to sms_monitor_reader, sms_monitor_admin;
