-- A duration in words for sentences the API writes: "42 s" (under a minute), "42 min", "3 h 5 min",
-- "12 d 4 h" (rounded down to the unit shown; negative durations count as 0). The dashboard page
-- writes duration_seconds the same way (fmtDuration in server/page/app.js).
create or replace function sms_monitor._duration_text(p_duration interval)
returns text
language sql
immutable
strict
parallel safe
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select case when s < 60 then s || ' s'
              when m < 60 then m || ' min'
              when m < 2880 then (m / 60) || ' h ' || (m % 60) || ' min'
              else (m / 1440) || ' d ' || ((m % 1440) / 60) || ' h' end
    from (select greatest(floor(extract(epoch from p_duration)), 0)::bigint as s) x,
         lateral (select x.s / 60 as m) y;
$$;

comment on function sms_monitor._duration_text(interval) is
  'A duration in words: 42 s, 42 min, 3 h 5 min (under 2 days), 12 d 4 h.';
revoke all on function sms_monitor._duration_text(interval) from public;
grant execute on function sms_monitor._duration_text(interval) to sms_monitor_reader, sms_monitor_admin;
