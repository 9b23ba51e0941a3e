-- Resolves an incident by hand and tells the channels it was announced on (a resolve per channel,
-- so PagerDuty closes it through the incident's dedup_key). Resolving an incident that is already
-- resolved changes nothing and queues nothing. Unknown id: P0002. p_resolved_by: at most 200
-- characters, never 'auto' or 'rule disabled' (the engine's); p_now between the incident's
-- triggered_at and the server clock (+ 5 minutes): 22023 otherwise.
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
  v_problem text := sms_monitor._alert_operator_problem(p_alert_id, 'resolved_by', p_resolved_by, p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  return sms_monitor._alert_resolve(p_alert_id, p_resolved_by, p_now);
end;
$$;

comment on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) is
  'Resolves an open incident by hand (resolved_by defaults to the session user; at most 200 characters, not '
  '''auto''/''rule disabled'') at p_now (between triggered_at and now() + 5 minutes; never before its acknowledgement) '
  'and queues a resolve to the channels that were told; idempotent on a resolved incident. Unknown id: P0002; '
  'bad arguments: 22023.';
revoke all on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) from public;
grant execute on function sms_monitor.resolve_sms_alert(uuid, text, timestamptz) to sms_monitor_admin;
