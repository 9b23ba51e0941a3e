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
