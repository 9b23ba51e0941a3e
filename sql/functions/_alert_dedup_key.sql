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

-- An incident of a per-dimension rule names its value: sms-monitor/<alert_type>/<group_by>=<value>/<id>
-- (the value cut to 100 characters, so the id always fits in the 255); system-wide (p_group_by or
-- p_group_value NULL): the key above.
create or replace function sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return case when p_group_by is null or p_group_value is null then sms_monitor._alert_dedup_key(p_alert_type, p_id)
            else left('sms-monitor/' || left(p_alert_type, 63) || '/' || p_group_by || '=' || left(p_group_value, 100)
                      || '/' || p_id::text, 255) end;

comment on function sms_monitor._alert_dedup_key(text, uuid, text, text) is
  'Internal: the PagerDuty dedup_key of an incident of a per-dimension rule (sms-monitor/<alert_type>/<group_by>=<value>/<id>).';
revoke all on function sms_monitor._alert_dedup_key(text, uuid, text, text) from public;
