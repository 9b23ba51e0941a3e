-- The window [from_at, to_at) of a message read: the last p_minutes (1 to 44640, 31 days) before
-- p_now, or [p_start, p_end) (p_end defaults to p_now; at most 31 days). 22023 naming the field.
create or replace function sms_monitor._message_window(
  p_minutes integer, p_start timestamptz, p_end timestamptz, p_now timestamptz,
  out from_at timestamptz, out to_at timestamptz
)
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  if p_start is not null then
    to_at := coalesce(p_end, p_now);
    from_at := p_start;
    if not isfinite(from_at) or not isfinite(to_at) or to_at <= from_at then
      raise exception 'start: must be a finite time before end (got % to %)', from_at, to_at using errcode = '22023';
    end if;
    if to_at - from_at > interval '31 days' then
      raise exception 'start: the window may span at most 31 days' using errcode = '22023';
    end if;
  elsif p_end is not null then
    raise exception 'end: needs start' using errcode = '22023';
  else
    if p_minutes is null or p_minutes < 1 or p_minutes > 44640 then
      raise exception 'minutes: must be between 1 and 44640 (31 days) (got %)', coalesce(p_minutes::text, 'NULL')
        using errcode = '22023';
    end if;
    to_at := p_now;
    from_at := p_now - make_interval(mins => p_minutes);
  end if;
end;
$$;

comment on function sms_monitor._message_window(integer, timestamptz, timestamptz, timestamptz) is
  'Internal: the [from_at, to_at) window of a message read from minutes or start/end; 22023 when out of bounds.';
revoke all on function sms_monitor._message_window(integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor._message_window(integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
