-- Acknowledges an open incident: no more repeat notifications; an acknowledge is queued to the
-- channels it was announced on (PagerDuty acknowledges the incident by its dedup_key). Already
-- acknowledged or resolved: changes nothing. Unknown id: P0002. p_by: at most 200 characters;
-- p_now between the incident's triggered_at and the server clock (+ 5 minutes): 22023 otherwise.
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
  v_problem text := sms_monitor._alert_operator_problem(p_alert_id, 'acknowledged_by', p_by, p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  return sms_monitor._alert_acknowledge(p_alert_id, p_by, p_now);
end;
$$;

comment on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) is
  'Acknowledges an open incident (stops repeats) at p_now (between triggered_at and now() + 5 minutes) and queues an '
  'acknowledge to the channels that were told. p_by at most 200 characters. Unknown id: P0002; bad arguments: 22023.';
revoke all on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.acknowledge_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
