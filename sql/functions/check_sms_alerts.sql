-- Evaluates every enabled rule at p_now and moves its incident along; returns one row per rule
-- with what it did:
--   no_data      too little data (value NULL or sample < min_sample): never a breach; an open
--                incident stays open, a pending timer restarts
--   ok           not breached, nothing open
--   pending      breached, but not yet for pending_minutes
--   fired        opened an incident and queued a trigger per channel
--   silenced     breached under a silence: the incident is recorded (silenced), nobody is told
--   unsilenced   the silence ended while the incident is open: the trigger is queued now
--   repeated     still breached, unacknowledged, cooldown elapsed since the last notification:
--                a repeat is queued
--   cooldown     still breached, within the cooldown
--   acknowledged still breached, acknowledged: no repeats
--   recovering   open, no longer breached but not yet past the recovery value (hysteresis)
--   resolved     past the recovery value (or the threshold): resolved automatically, a resolve
--                queued to the channels that were told
-- Concurrency: the metric values are computed first (no locks); then each rule, in alert_type
-- order, is locked (_alert_lock_rule) before its incident is read and changed, so concurrent runs
-- serialise per rule and see each other's committed incidents (READ COMMITTED: every statement
-- takes a fresh snapshot). The partial unique index on open incidents is the last guard.
create or replace function sms_monitor.check_sms_alerts(p_now timestamptz default now())
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_state sms_monitor.sms_alert_rule_state;
  v_open sms_monitor.sms_alert_history;
  v_no_data boolean;
  v_breached boolean;
  v_recovered boolean;
  v_silenced boolean;
  v_action text;
  v_alert uuid;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  for v_rule in
    select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
           t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
           m.label, m.unit, v.metric_value as value, v.sample_size as sample, v.detail
      from sms_monitor._alert_rule_values(p_now) v
      join sms_monitor.sms_alert_thresholds t on t.alert_type = v.alert_type
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric
     order by t.alert_type
  loop
    v_state := sms_monitor._alert_lock_rule(v_rule.alert_type);
    select * into v_open from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    v_alert := v_open.id;

    v_no_data := v_rule.value is null or coalesce(v_rule.sample, 0) < v_rule.min_sample;
    v_breached := not v_no_data and sms_monitor._alert_compare(v_rule.value, v_rule.comparison, v_rule.threshold_value);
    v_recovered := not v_no_data and not sms_monitor._alert_compare(
      v_rule.value, v_rule.comparison, coalesce(v_rule.recovery_value, v_rule.threshold_value));
    v_silenced := exists (
      select from sms_monitor.sms_alert_silences s
       where (s.alert_type is null or s.alert_type = v_rule.alert_type)
         and s.starts_at <= p_now and s.ends_at > p_now
         and (s.lifted_at is null or s.lifted_at > p_now));

    if v_open.id is null then
      if not v_breached then
        v_action := case when v_no_data then 'no_data' else 'ok' end;
        v_state.pending_since := null;
      elsif v_rule.pending_minutes > 0
            and coalesce(v_state.pending_since, p_now) + make_interval(mins => v_rule.pending_minutes) > p_now then
        v_action := 'pending';
        v_state.pending_since := coalesce(v_state.pending_since, p_now);
      else
        insert into sms_monitor.sms_alert_history as h
          (alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value,
           window_minutes, sample_size, message, triggered_at, last_value, last_evaluated_at, silenced,
           last_notified_at)
        values
          (v_rule.alert_type, v_rule.severity, v_rule.metric, v_rule.comparison, v_rule.value,
           v_rule.threshold_value, v_rule.recovery_value, v_rule.window_minutes, v_rule.sample,
           format('%s is %s (threshold: %s %s) over the last %s min: %s.', v_rule.label,
             sms_monitor._alert_format_value(v_rule.value, v_rule.unit), v_rule.comparison,
             sms_monitor._alert_format_value(v_rule.threshold_value, v_rule.unit), v_rule.window_minutes,
             v_rule.detail),
           p_now, v_rule.value, p_now, v_silenced, case when v_silenced then null else p_now end)
        returning h.id into v_alert;
        if v_silenced then
          v_action := 'silenced';
        else
          perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
          v_action := 'fired';
        end if;
        v_state.pending_since := null;
      end if;
    else
      v_state.pending_since := null;
      if v_no_data then
        v_action := 'no_data';
        update sms_monitor.sms_alert_history h set last_evaluated_at = p_now where h.id = v_open.id;
      elsif v_recovered then
        update sms_monitor.sms_alert_history h
           set resolved_at = p_now, resolved_by = 'auto', resolution_value = v_rule.value,
               last_value = v_rule.value, last_evaluated_at = p_now, silenced = false
         where h.id = v_open.id;
        perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        v_action := 'resolved';
      else
        update sms_monitor.sms_alert_history h
           set last_value = v_rule.value, last_evaluated_at = p_now, silenced = v_silenced
         where h.id = v_open.id;
        if v_silenced then
          v_action := 'silenced';
        elsif v_open.last_notified_at is null then
          -- opened (or kept) under a silence that has ended: announce it now
          update sms_monitor.sms_alert_history h set last_notified_at = p_now where h.id = v_open.id;
          perform sms_monitor._alert_enqueue(v_open.id, 'trigger', v_rule.notification_channels);
          if v_open.acknowledged_at is not null then
            -- acknowledged while nobody had been told: tell them both now
            perform sms_monitor._alert_enqueue(v_open.id, 'acknowledge', v_rule.notification_channels);
          end if;
          v_action := 'unsilenced';
        elsif not v_breached then
          v_action := 'recovering';
        elsif v_open.acknowledged_at is not null then
          v_action := 'acknowledged';
        elsif v_open.last_notified_at + make_interval(mins => v_rule.cooldown_minutes) <= p_now then
          update sms_monitor.sms_alert_history h
             set last_notified_at = p_now, repeat_count = h.repeat_count + 1
           where h.id = v_open.id;
          perform sms_monitor._alert_enqueue(v_open.id, 'repeat', v_rule.notification_channels);
          v_action := 'repeated';
        else
          v_action := 'cooldown';
        end if;
      end if;
    end if;

    update sms_monitor.sms_alert_rule_state s
       set pending_since = v_state.pending_since, last_evaluated_at = p_now, last_action = v_action,
           last_value = v_rule.value, last_sample_size = v_rule.sample
     where s.alert_type = v_rule.alert_type;

    alert_type := v_rule.alert_type;
    action := v_action;
    metric_value := v_rule.value;
    threshold_value := v_rule.threshold_value;
    sample_size := v_rule.sample;
    alert_id := v_alert;
    detail := v_rule.detail;
    return next;
  end loop;
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now()), opens/repeats/resolves incidents and queues '
  'notifications; returns one row per rule with its action (fired, pending, repeated, cooldown, acknowledged, '
  'recovering, resolved, silenced, unsilenced, ok, no_data). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
