--! Previous: sha1:6d564d4ba4773e12a867602b7db09f5df26abd00
--! Hash: sha1:bfb1cf3f9a46012449aac17c6e8d2546157fe0c3
--! Message: resolve and acknowledge share one locking helper

-- resolve_sms_alert and acknowledge_sms_alert repeated the same 15 lines (check the arguments,
-- find the incident, lock its rule); they now call _alert_lock_incident. Behaviour is unchanged.
--! Included functions/_alert_lock_incident.sql
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
--! EndIncluded functions/_alert_lock_incident.sql
--! Included functions/resolve_sms_alert.sql
-- Resolves an incident by hand and tells the channels it was announced on (a resolve per channel,
-- so PagerDuty closes it through the incident's dedup_key). Resolving an incident that is already
-- resolved changes nothing and queues nothing. Unknown id: P0002.
create or replace function sms_monitor.resolve_sms_alert(
  p_alert_id uuid,
  p_resolved_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_history;
begin
  v_row := sms_monitor._alert_lock_incident(p_alert_id, p_now);
  if v_row.resolved_at is not null then
    return v_row;
  end if;
  update sms_monitor.sms_alert_history h
     set resolved_at = p_now,
         resolved_by = coalesce(nullif(btrim(p_resolved_by), ''), session_user::text),
         silenced = false
   where h.id = p_alert_id;
  perform sms_monitor._alert_enqueue(p_alert_id, 'resolve', sms_monitor._alert_told_channels(p_alert_id));
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) is
  'Resolves an open incident by hand (resolved_by defaults to the session user) and queues a resolve to the '
  'channels that were told; idempotent on a resolved incident. Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/resolve_sms_alert.sql
--! Included functions/acknowledge_sms_alert.sql
-- Acknowledges an open incident: no more repeat notifications; an acknowledge is queued to the
-- channels it was announced on (PagerDuty acknowledges the incident by its dedup_key). Already
-- acknowledged or resolved: changes nothing. Unknown id: P0002.
create or replace function sms_monitor.acknowledge_sms_alert(
  p_alert_id uuid,
  p_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_history;
begin
  v_row := sms_monitor._alert_lock_incident(p_alert_id, p_now);
  if v_row.resolved_at is not null or v_row.acknowledged_at is not null then
    return v_row;
  end if;
  update sms_monitor.sms_alert_history h
     set acknowledged_at = p_now,
         acknowledged_by = coalesce(nullif(btrim(p_by), ''), session_user::text)
   where h.id = p_alert_id;
  perform sms_monitor._alert_enqueue(p_alert_id, 'acknowledge', sms_monitor._alert_told_channels(p_alert_id));
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) is
  'Acknowledges an open incident (stops repeats) and queues an acknowledge to the channels that were told. '
  'Unknown id: P0002; NULL id or time: 22023.';
revoke all on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
--! EndIncluded functions/acknowledge_sms_alert.sql
