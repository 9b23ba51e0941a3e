-- Internal (owner only): the body of acknowledge_sms_alert, which first bounds what an operator
-- may pass. Any p_now here, for tests.
-- Acknowledges an open incident: no more repeat notifications; an acknowledge is queued to the
-- channels it was announced on (PagerDuty acknowledges the incident by its dedup_key). Already
-- acknowledged or resolved: changes nothing. Unknown id: P0002.
create or replace function sms_monitor._alert_acknowledge(
  p_alert_id uuid,
  p_by text default null,
  p_now timestamptz default now()
)
returns sms_monitor.sms_alert_history
language plpgsql
volatile
security invoker
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

comment on function sms_monitor._alert_acknowledge(uuid, text, timestamptz) is
  'Internal: acknowledges an open incident at p_now and queues the acknowledges.';
revoke all on function sms_monitor._alert_acknowledge(uuid, text, timestamptz) from public;
