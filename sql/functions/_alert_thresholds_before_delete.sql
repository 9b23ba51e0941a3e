-- Trigger on sms_monitor.sms_alert_thresholds: a rule that ever fired cannot be deleted (its
-- incidents in sms_alert_history keep a reference to it, and the outbox to them); instead of the
-- bare foreign-key error, say so and say what to do: disable it. A rule that never fired is
-- deleted, with its state and silences.
create or replace function sms_monitor._alert_thresholds_before_delete()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  select count(*) into v_count from sms_monitor.sms_alert_history h where h.alert_type = old.alert_type;
  if v_count > 0 then
    raise exception 'alert_type: rule % has % incident(s) in sms_alert_history, which keep a reference to it: '
      'disable it instead: update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = %',
      quote_literal(old.alert_type), v_count, quote_literal(old.alert_type)
      using errcode = '23503';
  end if;
  return old;
end;
$$;

comment on function sms_monitor._alert_thresholds_before_delete() is
  'Trigger: refuses to delete a rule that has incidents (23503, saying to set is_enabled = false instead).';
revoke all on function sms_monitor._alert_thresholds_before_delete() from public;
