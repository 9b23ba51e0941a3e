-- One event at p_occurred_at (default now()), bucketed into the reporting timezone's date, hour and
-- minute (the minute makes alert windows exact to the minute).
-- The time must be finite, not more than _max_clock_skew() (5 minutes) ahead of the server clock
-- and not older than settings.metric_retention_days (retention would delete it at once): 22023
-- naming occurred_at otherwise. A text literal without a UTC offset passed for p_occurred_at is
-- converted by PostgreSQL before this function runs, in the session's TimeZone (docs/guarantees.md).
create or replace function sms_monitor.record_sms_event(
  p_metric_type text,
  p_user_id uuid default null,
  p_value numeric default 1,
  p_occurred_at timestamptz default now(),
  p_metadata jsonb default '{}'::jsonb
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_local timestamp;
  v_tz text;
  v_days integer;
  v_earliest date;
begin
  if p_occurred_at is null then
    raise exception 'occurred_at: is required' using errcode = '22023';
  end if;
  if not isfinite(p_occurred_at) then
    raise exception 'occurred_at: must be a finite time' using errcode = '22023';
  end if;
  if p_occurred_at > now() + sms_monitor._max_clock_skew() then
    raise exception 'occurred_at: % is more than % ahead of the server clock (%)',
      to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  select s.reporting_timezone, s.metric_retention_days into v_tz, v_days from sms_monitor.settings s;
  if p_occurred_at < now() - make_interval(days => v_days + 2) then
    v_local := null;  -- far in the past: do not convert (4713 BC minus an offset does not exist)
  else
    v_local := p_occurred_at at time zone v_tz;
  end if;
  v_earliest := (now() at time zone v_tz)::date - v_days;
  if v_local is null or v_local::date < v_earliest then
    raise exception 'occurred_at: % is older than the % days retention keeps (earliest day: %)',
      to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'), v_days, v_earliest
      using errcode = '22023';
  end if;
  perform sms_monitor._record_metric(
    v_local::date, extract(hour from v_local)::integer, p_user_id, p_metric_type, p_value, p_metadata, 'value',
    extract(minute from v_local)::integer);
end;
$$;

comment on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) is
  'Records one event, bucketed into the date, hour and minute of p_occurred_at in the reporting timezone. p_occurred_at '
  'must be finite, at most 5 minutes ahead of the server clock and within metric_retention_days; else 22023.';
revoke all on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb) from public;
grant execute on function sms_monitor.record_sms_event(text, uuid, numeric, timestamptz, jsonb)
  to sms_monitor_writer, sms_monitor_admin;
