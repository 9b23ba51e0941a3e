-- Trigger (BEFORE INSERT on sms_alert_history): fixes the incident's PagerDuty dedup_key when it
-- opens, from its rule name and id at that moment (_alert_dedup_key); every later event of the incident (repeat,
-- acknowledge, resolve) is queued with this key, so renaming the rule while it is open cannot split
-- the trigger and the resolve into two PagerDuty incidents. An update cannot change it.
create or replace function sms_monitor._alert_history_dedup_key()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    new.dedup_key := coalesce(new.dedup_key, sms_monitor._alert_dedup_key(new.alert_type, new.id, new.group_by, new.group_value));
  else
    new.dedup_key := old.dedup_key;
  end if;
  return new;
end;
$$;

comment on function sms_monitor._alert_history_dedup_key() is
  'Internal trigger: sets sms_alert_history.dedup_key at insert (sms-monitor/<alert_type>[/<group_by>=<value>]/<id>) and keeps it on update.';
revoke all on function sms_monitor._alert_history_dedup_key() from public;
