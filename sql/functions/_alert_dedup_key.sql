-- An incident's PagerDuty dedup_key: sms-monitor/<alert_type>/<id>, cut to the Events API's 255
-- characters. The one formula: the insert trigger on sms_alert_history stores it when the incident
-- opens, and every notification carries the stored key (the notifier never computes one).
create or replace function sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return left('sms-monitor/' || p_alert_type || '/' || p_id::text, 255);

comment on function sms_monitor._alert_dedup_key(text, uuid) is
  'Internal: the PagerDuty dedup_key of an incident (sms-monitor/<alert_type>/<id>, at most 255 characters).';
revoke all on function sms_monitor._alert_dedup_key(text, uuid) from public;
