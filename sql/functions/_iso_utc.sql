-- The one time format of the HTTP API: ISO 8601 in UTC with a "Z" (2026-12-04T15:15:00Z), whole
-- seconds unless the time has a fraction (then microseconds: 2026-12-04T15:15:00.250000Z).
-- jsonb renders a timestamptz in the session's TimeZone ("+00:00", "+02:00"), so every api_*
-- function that returns a time formats it here instead. NULL stays NULL.
create or replace function sms_monitor._iso_utc(p_time timestamptz)
returns text
language sql
immutable
strict
parallel safe
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select to_char(p_time at time zone 'UTC',
                 case when extract(microseconds from p_time)::bigint % 1000000 = 0
                      then 'YYYY-MM-DD"T"HH24:MI:SS"Z"'
                      else 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' end);
$$;

comment on function sms_monitor._iso_utc(timestamptz) is
  'A time as the HTTP API writes it: ISO 8601 UTC with Z (fraction only when there is one).';
revoke all on function sms_monitor._iso_utc(timestamptz) from public;
grant execute on function sms_monitor._iso_utc(timestamptz) to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
