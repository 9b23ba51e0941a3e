-- Internal (owner only): the body of resolve_sms_alert, which first bounds what an operator may
-- pass (time between the incident's start and now, no 'auto', length). Any p_now here, for tests.
-- resolved_at is never before acknowledged_at (a resolve that queued behind a later acknowledge
-- takes the acknowledge's time).
-- Resolves an incident by hand and tells the channels it was announced on (a resolve per channel,
-- so PagerDuty closes it through the incident's dedup_key). Resolving an incident that is already
-- resolved changes nothing and queues nothing. Unknown id: P0002.
create or replace function sms_monitor._alert_resolve(
  p_alert_id uuid,
  p_resolved_by text default null,
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
  if v_row.resolved_at is not null then
    return v_row;
  end if;
  update sms_monitor.sms_alert_history h
     set resolved_at = greatest(p_now, h.acknowledged_at),
         resolved_by = coalesce(nullif(btrim(p_resolved_by), ''), session_user::text),
         silenced = false
   where h.id = p_alert_id;
  perform sms_monitor._alert_enqueue(p_alert_id, 'resolve', sms_monitor._alert_told_channels(p_alert_id));
  select * into v_row from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  return v_row;
end;
$$;

comment on function sms_monitor._alert_resolve(uuid, text, timestamptz) is
  'Internal: resolves an open incident at p_now (not before its acknowledgement) and queues the resolves.';
revoke all on function sms_monitor._alert_resolve(uuid, text, timestamptz) from public;
