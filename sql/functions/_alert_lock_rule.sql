-- Serialises everything that changes one rule's incidents (check_sms_alerts, resolve, acknowledge):
-- the rule's state row is taken FOR UPDATE (created first if missing). Held to the end of the
-- transaction, so a concurrent evaluation waits and then sees the committed incident.
create or replace function sms_monitor._alert_lock_rule(p_alert_type text)
returns sms_monitor.sms_alert_rule_state
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_state sms_monitor.sms_alert_rule_state;
begin
  insert into sms_monitor.sms_alert_rule_state (alert_type) values (p_alert_type) on conflict do nothing;
  select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = p_alert_type for update;
  return v_state;
end;
$$;

comment on function sms_monitor._alert_lock_rule(text) is
  'Internal: locks a rule (its sms_alert_rule_state row, FOR UPDATE) until the end of the transaction.';
revoke all on function sms_monitor._alert_lock_rule(text) from public;
