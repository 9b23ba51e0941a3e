-- Ends a silence early (at p_now). Open incidents it held back are announced by the next check.
-- A silence already lifted or over is returned unchanged. Unknown id: P0002; NULL id or time: 22023.
create or replace function sms_monitor.lift_sms_alert_silence(
  p_silence_id bigint,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_silences
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_silences;
begin
  if p_silence_id is null then
    raise exception 'silence_id: is required' using errcode = '22023';
  end if;
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  select * into v_row from sms_monitor.sms_alert_silences s where s.id = p_silence_id for update;
  if not found then
    raise exception 'silence_id: silence % does not exist', p_silence_id using errcode = 'P0002';
  end if;
  if v_row.lifted_at is not null or v_row.ends_at <= p_now then
    return v_row;
  end if;
  update sms_monitor.sms_alert_silences s
     set lifted_at = p_now, lifted_by = sms_monitor._audit_subject()
   where s.id = p_silence_id
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) is
  'Lifts a silence at p_now (default now); held-back open incidents are announced by the next check. Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) from public;
grant execute on function sms_monitor.lift_sms_alert_silence(bigint, timestamptz) to sms_monitor_admin;
