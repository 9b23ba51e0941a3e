-- One row per rule: its settings, what the last check did, the open incident (if any) and until
-- when it is silenced (as a whole: a silence of one value of a per-dimension rule is not counted). For operators in psql and for dashboards. security_invoker: the caller's own
-- rights on the underlying tables apply (readers and admins). notifications_waiting and
-- delivery_status tell what waits in the outbox for the rule's incidents and why, e.g.
-- '2 waiting: pagerduty not configured' (no live notifier serves the channel: see
-- sms_notifier_heartbeats) or '1 waiting: slack retrying (slack: HTTP 429)'.
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
         where (x.alert_type is null or x.alert_type = t.alert_type) and x.group_value is null
           and x.starts_at <= now() and x.ends_at > now() and x.lifted_at is null) as silenced_until,
       s.last_error,
       coalesce(w.waiting, 0) as notifications_waiting,
       w.delivery_status
  from sms_monitor.sms_alert_thresholds t
  left join sms_monitor.sms_alert_rule_state s on s.alert_type = t.alert_type
  -- a per-dimension rule may have several open incidents (one per value): the oldest stands for it here
  left join lateral (
    select x.* from sms_monitor.sms_alert_history x
     where x.alert_type = t.alert_type and x.resolved_at is null
     order by x.triggered_at, x.id limit 1
  ) h on true
  left join lateral (
    select sum(r.n)::integer as waiting,
           format('%s waiting: %s', sum(r.n),
             case when count(*) = 1 then min(r.reason)
                  else string_agg(format('%s (%s)', r.reason, r.n), ', ' order by r.reason) end) as delivery_status
      from (
        select q.kind || case when q.kind like '% retrying' then coalesce(' (' || left((array_agg(q.last_error
                 order by q.updated_at desc) filter (where q.last_error is not null))[1], 200) || ')', '') else '' end as reason,
               count(*) as n
          from (
            select n.last_error, n.updated_at,
                   case
                     when n.channel <> 'log' and not exists (
                       select from sms_monitor.sms_notifier_heartbeats b
                        where b.expires_at > now() and n.channel = any(b.channels))
                       then n.channel || ' not configured'
                     when n.retries > 0 then n.channel || ' retrying'
                     else n.channel || ' queued'
                   end as kind
              from sms_monitor.sms_alert_notifications n
              join sms_monitor.sms_alert_history a on a.id = n.alert_id
             where a.alert_type = t.alert_type and n.status = 'pending'
          ) q
         group by q.kind
      ) r
     having sum(r.n) > 0
  ) w on true;

comment on view sms_monitor.sms_alert_status is
  'One row per alert rule: settings, the last check''s action and value, the open incident and the end of an '
  'active silence (silenced_until); last_error = "SQLSTATE: message" when the last evaluation failed (last_action error); '
  'notifications_waiting and delivery_status: what waits in the outbox and why (e.g. "2 waiting: pagerduty not configured").';
revoke all on sms_monitor.sms_alert_status from public;
grant select on sms_monitor.sms_alert_status to sms_monitor_reader;
