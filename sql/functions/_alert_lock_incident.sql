-- The shared first half of resolve_sms_alert and acknowledge_sms_alert: check the arguments, find
-- the incident, take its rule's lock (the one check_sms_alerts takes, so neither races an
-- evaluation) and return the incident as it is under that lock.
create or replace function sms_monitor._alert_lock_incident(p_alert_id uuid, p_now timestamptz)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_type text;
  v_row sms_monitor.sms_alert_history;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  if p_alert_id is null then
    raise exception 'alert_id: is required' using errcode = '22023';
  end if;
  select h.alert_type into v_type from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  perform sms_monitor._alert_lock_rule(v_type);
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor._alert_lock_incident(uuid, timestamptz) is
  'Internal: validates an incident id and time, locks the incident''s rule and returns the incident.';
revoke all on function sms_monitor._alert_lock_incident(uuid, timestamptz) from public;
