create or replace function sms_monitor.reporting_today(p_now timestamptz default now())
returns date
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select (p_now at time zone sms_monitor._reporting_timezone())::date;
$$;

comment on function sms_monitor.reporting_today(timestamptz) is
  'The reporting day (in settings.reporting_timezone) that contains p_now, default now().';
revoke all on function sms_monitor.reporting_today(timestamptz) from public;
grant execute on function sms_monitor.reporting_today(timestamptz)
  to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
