create or replace function sms_monitor._reporting_timezone()
returns text
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((select s.reporting_timezone from sms_monitor.settings s), 'UTC');
$$;

comment on function sms_monitor._reporting_timezone() is
  'Internal: the IANA zone that decides what a day and an hour are (sms_monitor.settings).';
revoke all on function sms_monitor._reporting_timezone() from public;
grant execute on function sms_monitor._reporting_timezone()
  to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
