-- Trigger on sms_monitor.settings: the reporting timezone must be a real IANA zone name (a POSIX
-- string such as 'UTC+5' would be accepted by "at time zone" and silently invert the offset).
create or replace function sms_monitor._settings_validate()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if new.reporting_timezone is null
     or not exists (select from pg_timezone_names z where z.name = new.reporting_timezone) then
    raise exception 'reporting_timezone: % is not a known IANA time zone (e.g. UTC, Europe/Berlin)',
      coalesce(quote_literal(new.reporting_timezone), 'NULL') using errcode = '22023';
  end if;
  return new;
end;
$$;

comment on function sms_monitor._settings_validate() is
  'Internal trigger: rejects an unknown reporting_timezone with 22023.';
revoke all on function sms_monitor._settings_validate() from public;
