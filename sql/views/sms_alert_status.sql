-- One row per rule: its settings, what the last check did, the open incident (if any) and until
-- when it is silenced. For operators in psql and for dashboards. security_invoker: the caller's own
-- rights on the underlying tables apply (readers and admins).
create or replace view sms_monitor.sms_alert_status with (security_invoker = true) as
select t.alert_type,
       t.is_enabled,
       t.severity,
       t.metric,
       t.comparison,
       t.threshold_value,
       t.recovery_value,
       t.window_minutes,
       s.last_evaluated_at,
       s.last_action,
       s.last_value,
       s.last_sample_size,
       s.pending_since,
       h.id as open_alert_id,
       h.triggered_at,
       h.acknowledged_at,
       h.silenced,
       h.notification_status,
       (select max(x.ends_at)
          from sms_monitor.sms_alert_silences x
         where (x.alert_type is null or x.alert_type = t.alert_type)
           and x.starts_at <= now() and x.ends_at > now() and x.lifted_at is null) as silenced_until,
       s.last_error
  from sms_monitor.sms_alert_thresholds t
  left join sms_monitor.sms_alert_rule_state s on s.alert_type = t.alert_type
  left join sms_monitor.sms_alert_history h on h.alert_type = t.alert_type and h.resolved_at is null;

comment on view sms_monitor.sms_alert_status is
  'One row per alert rule: settings, the last check''s action and value, the open incident and the end of an '
  'active silence (silenced_until); last_error = "SQLSTATE: message" when the last evaluation failed (last_action error).';
revoke all on sms_monitor.sms_alert_status from public;
grant select on sms_monitor.sms_alert_status to sms_monitor_reader;
