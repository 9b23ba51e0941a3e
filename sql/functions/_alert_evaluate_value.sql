-- One step of the alert engine (_alert_evaluate, which has locked the rule): an enabled rule, for
-- one value of its group_by (p_group; NULL for a system-wide rule), with its metric value, sample
-- and detail at p_now. Moves that value's incident along and stores its state: a system-wide rule
-- in sms_alert_rule_state, a value of a per-dimension rule in sms_alert_group_state. Returns the
-- action (see _alert_evaluate.sql), the incident, and what it reports.
create or replace function sms_monitor._alert_evaluate_value(
  p_now timestamptz, p_preview boolean, p_alert_type text, p_group text,
  p_value numeric, p_sample bigint, p_detail text, p_values_error text
)
returns table (action text, alert_id uuid, metric_value numeric, sample_size bigint, detail text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_pending_since timestamptz;
  v_open sms_monitor.sms_alert_history;
  v_no_data boolean;
  v_breached boolean;
  v_recovered boolean;
  v_silenced boolean;
  v_action text;
  v_alert uuid;
begin
  select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
         t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
         t.group_by, m.label, m.unit
    into strict v_rule
    from sms_monitor.sms_alert_thresholds t
    join sms_monitor.sms_alert_metrics m on m.metric = t.metric
   where t.alert_type = p_alert_type;

  if p_group is null then
    select s.pending_since into v_pending_since from sms_monitor.sms_alert_rule_state s where s.alert_type = p_alert_type;
  else
    select s.pending_since into v_pending_since
      from sms_monitor.sms_alert_group_state s where s.alert_type = p_alert_type and s.group_value = p_group;
  end if;
  select * into v_open from sms_monitor.sms_alert_history h
   where h.alert_type = p_alert_type and h.resolved_at is null and h.group_value is not distinct from p_group;
  v_alert := v_open.id;

  v_no_data := p_value is null or coalesce(p_sample, 0) < v_rule.min_sample;
  v_breached := not v_no_data and sms_monitor._alert_compare(p_value, v_rule.comparison, v_rule.threshold_value);
  v_recovered := not v_no_data and not sms_monitor._alert_compare(
    p_value, v_rule.comparison, coalesce(v_rule.recovery_value, v_rule.threshold_value));
  v_silenced := exists (
    select from sms_monitor.sms_alert_silences s
     where (s.alert_type is null or s.alert_type = p_alert_type)
       and (s.group_value is null or s.group_value = p_group)
       and s.starts_at <= p_now and s.ends_at > p_now
       and (s.lifted_at is null or s.lifted_at > p_now));

  if v_open.id is null then
    if not v_breached then
      v_action := case when v_no_data then 'no_data' else 'ok' end;
      v_pending_since := null;
    elsif v_rule.pending_minutes > 0
          and coalesce(v_pending_since, p_now) + make_interval(mins => v_rule.pending_minutes) > p_now then
      v_action := 'pending';
      v_pending_since := coalesce(v_pending_since, p_now);
    else
      -- dedup_key is fixed here, at open, for every later event of the incident (a renamed
      -- rule keeps its incidents' keys): _alert_history_dedup_key sets it from the id and the value
      insert into sms_monitor.sms_alert_history as h
        (alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value,
         window_minutes, sample_size, message, triggered_at, last_value, last_evaluated_at, silenced,
         last_notified_at, group_by, group_value)
      values
        (p_alert_type, v_rule.severity, v_rule.metric, v_rule.comparison, p_value,
         v_rule.threshold_value, v_rule.recovery_value, v_rule.window_minutes, p_sample,
         format('%s%s is %s (threshold: %s %s) over the last %s min: %s.', v_rule.label,
           case when p_group is not null then format(' on %s %s', replace(v_rule.group_by, '_', ' '), p_group) end,
           sms_monitor._alert_format_value(p_value, v_rule.unit), v_rule.comparison,
           sms_monitor._alert_format_value(v_rule.threshold_value, v_rule.unit), v_rule.window_minutes, p_detail),
         p_now, p_value, p_now, v_silenced, case when v_silenced then null else p_now end,
         case when p_group is not null then v_rule.group_by end, p_group)
      returning h.id into v_alert;
      if v_silenced then
        v_action := 'silenced';
      else
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
        end if;
        v_action := 'fired';
      end if;
      v_pending_since := null;
    end if;
  else
    v_pending_since := null;
    if v_no_data then
      v_action := 'no_data';
      update sms_monitor.sms_alert_history h set last_evaluated_at = p_now where h.id = v_open.id;
    elsif v_recovered then
      update sms_monitor.sms_alert_history h
         set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'auto', resolution_value = p_value,
             last_value = p_value, last_evaluated_at = p_now, silenced = false
       where h.id = v_open.id;
      if not p_preview then
        perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
      end if;
      v_action := 'resolved';
    else
      -- (silenced is left alone: it says "opened under a silence and not announced yet")
      update sms_monitor.sms_alert_history h
         set last_value = p_value, last_evaluated_at = p_now
       where h.id = v_open.id;
      if v_silenced then
        v_action := 'silenced';
      elsif v_open.last_notified_at is null and v_breached then
        -- opened under a silence that has ended, and still breached: announce it now (in the
        -- hysteresis band it waits: it either breaches again or resolves without a word)
        update sms_monitor.sms_alert_history h set last_notified_at = p_now, silenced = false where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'trigger', v_rule.notification_channels);
          if v_open.acknowledged_at is not null then
            -- acknowledged while nobody had been told: tell them both now
            perform sms_monitor._alert_enqueue(v_open.id, 'acknowledge', v_rule.notification_channels);
          end if;
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
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'repeat', v_rule.notification_channels);
        end if;
        v_action := 'repeated';
      else
        v_action := 'cooldown';
      end if;
    end if;
  end if;

  if p_group is null then
    update sms_monitor.sms_alert_rule_state s
       set pending_since = v_pending_since, last_evaluated_at = p_now, last_action = v_action,
           last_value = p_value, last_sample_size = p_sample, last_error = p_values_error
     where s.alert_type = p_alert_type;
  else
    insert into sms_monitor.sms_alert_group_state as s
      (alert_type, group_value, pending_since, last_evaluated_at, last_action, last_value, last_sample_size)
    values (p_alert_type, p_group, v_pending_since, p_now, v_action, p_value, p_sample)
    on conflict on constraint sms_alert_group_state_pkey do update
      set pending_since = excluded.pending_since, last_evaluated_at = excluded.last_evaluated_at,
          last_action = excluded.last_action, last_value = excluded.last_value,
          last_sample_size = excluded.last_sample_size;
  end if;

  action := v_action;
  alert_id := v_alert;
  metric_value := p_value;
  sample_size := p_sample;
  detail := case when p_values_error is null then p_detail else concat_ws(' ', p_detail, '(' || p_values_error || ')') end;
  return next;
end;
$$;

comment on function sms_monitor._alert_evaluate_value(timestamptz, boolean, text, text, numeric, bigint, text, text) is
  'Internal: the alert engine''s step for one enabled rule and one value of its group_by (NULL: system-wide): '
  'opens, repeats, resolves the value''s incident and stores its state; returns the action.';
revoke all on function sms_monitor._alert_evaluate_value(timestamptz, boolean, text, text, numeric, bigint, text, text) from public;
