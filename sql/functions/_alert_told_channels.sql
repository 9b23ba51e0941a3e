create or replace function sms_monitor._alert_told_channels(p_alert_id uuid)
returns text[]
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(distinct n.channel order by n.channel), '{}')
    from sms_monitor.sms_alert_notifications n
   where n.alert_id = p_alert_id and n.event in ('trigger', 'repeat');
$$;

comment on function sms_monitor._alert_told_channels(uuid) is
  'Internal: the channels an incident was announced on, by a trigger or a repeat (they get its acknowledge and resolve).';
revoke all on function sms_monitor._alert_told_channels(uuid) from public;
