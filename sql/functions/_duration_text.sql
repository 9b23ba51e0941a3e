-- A duration in words for sentences the API writes: "0 min", "42 min", "3 h 5 min", "12 d 4 h"
-- (whole minutes, rounded down; negative durations count as 0).
create or replace function sms_monitor._duration_text(p_duration interval)
returns text
language sql
immutable
strict
parallel safe
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select case when m < 60 then m || ' min'
              when m < 2880 then (m / 60) || ' h ' || (m % 60) || ' min'
              else (m / 1440) || ' d ' || ((m % 1440) / 60) || ' h' end
    from (select greatest(floor(extract(epoch from p_duration) / 60), 0)::bigint as m) x;
$$;

comment on function sms_monitor._duration_text(interval) is
  'A duration in words: 42 min, 3 h 5 min (under 2 days), 12 d 4 h.';
revoke all on function sms_monitor._duration_text(interval) from public;
grant execute on function sms_monitor._duration_text(interval) to sms_monitor_reader, sms_monitor_admin;
