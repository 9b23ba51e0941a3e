-- The alert engine behind check_sms_alerts (which bounds p_now to the server clock) and
-- preview_sms_alerts (which runs it with p_preview and rolls it back). Internal: owner only, so
-- tests can drive it at any instant.
-- Evaluates every enabled rule at p_now and moves its incident along (and resolves the open
-- incident of a rule that was disabled); returns one row per rule with what it did:
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
--   disabled_resolved  the rule was disabled while its incident was open: resolved with
--                resolved_by 'rule disabled', a resolve queued to the channels that were told
--   skipped      the rule was already evaluated at p_now or later (a concurrent or newer run):
--                nothing changed, so an older run can never undo a newer one
--   error        the rule's evaluation raised: detail (and sms_alert_status.last_error) says
--                "SQLSTATE: message"; everything it had done is rolled back (an open incident
--                stays open) and the other rules are evaluated as usual
-- Isolation: each rule runs in its own subtransaction (a BEGIN ... EXCEPTION block). The metric
-- values of all rules are computed in one statement (shared windows); if that statement fails,
-- each rule computes its own, so one rule's failure is that rule's alone, and the shared failure
-- stays visible: every rule's detail and sms_alert_status.last_error say "computed alone: the
-- shared computation failed with SQLSTATE: message".
-- The actions are the enum type sms_monitor.alert_action (sms_alert_rule_state.last_action is
-- checked against it).
-- p_preview: queue no notifications (no outbox rows, no NOTIFY, no sequence use); the caller
-- (preview_sms_alerts) rolls back everything else.
-- Concurrency: first every rule to evaluate (enabled, or disabled with an open incident) is locked
-- (_alert_lock_rule), in alert_type order; only then are the metric values computed, in a
-- statement whose snapshot sees everything committed before the locks were granted. Concurrent
-- runs serialise, and each sees the previous one's incidents and rule state (READ COMMITTED: every
-- statement takes a fresh snapshot). The partial unique index on open incidents is the last guard.
create or replace function sms_monitor._alert_evaluate(p_now timestamptz, p_preview boolean default false)
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
security invoker
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
  v_types text[];
  v_type text;
  v_values jsonb;
  v_value jsonb;
  v_error text;
  v_values_error text;
  v_out_value numeric;
  v_out_sample bigint;
  v_detail text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  -- Lock first, compute after: values computed before the locks could be older than what a run
  -- that held them meanwhile saw and acted on.
  v_types := array(
    select t.alert_type from sms_monitor.sms_alert_thresholds t
     where t.is_enabled
        or exists (select from sms_monitor.sms_alert_history h where h.alert_type = t.alert_type and h.resolved_at is null)
     order by t.alert_type);
  foreach v_type in array v_types loop
    perform sms_monitor._alert_lock_rule(v_type);
  end loop;

  -- Every rule's value in one statement; when it fails, each rule computes its own below, and the
  -- failure is kept: each rule's row (detail) and state (last_error) say it was computed alone and why.
  begin
    select jsonb_object_agg(v.alert_type, jsonb_build_object('value', v.metric_value, 'sample', v.sample_size, 'detail', v.detail))
      into v_values
      from sms_monitor._alert_rule_values(p_now) v;
    v_values := coalesce(v_values, '{}'::jsonb);
  exception when others then
    v_values := null;
    v_values_error := left(format('computed alone: the shared computation failed with %s: %s', sqlstate, sqlerrm), 1000);
  end;

  for v_rule in
    select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
           t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
           t.is_enabled, m.label, m.unit, null::numeric as value, null::bigint as sample, null::text as detail
      from unnest(v_types) l(alert_type)
      join sms_monitor.sms_alert_thresholds t on t.alert_type = l.alert_type
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric
     order by t.alert_type
  loop
   -- Each branch sets what the rule's row reports (v_action NULL: nothing to report); the row is
   -- emitted once, after the subtransaction.
   v_action := null;
   v_alert := null;
   v_out_value := null;
   v_out_sample := null;
   v_detail := null;
   begin  -- one subtransaction per rule: its failure is reported as 'error' and undone, alone
    if v_rule.is_enabled then
      if v_values is not null then
        v_value := v_values -> v_rule.alert_type;
      else
        select jsonb_build_object('value', v.metric_value, 'sample', v.sample_size, 'detail', v.detail)
          into v_value
          from sms_monitor._alert_rule_values(p_now, v_rule.alert_type) v;
      end if;
      v_rule.value := (v_value ->> 'value')::numeric;
      v_rule.sample := (v_value ->> 'sample')::bigint;
      v_rule.detail := v_value ->> 'detail';
    end if;
    select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = v_rule.alert_type;
    select * into v_open from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    v_alert := v_open.id;

    if v_state.last_evaluated_at >= p_now then
      -- a newer (or concurrent, same-instant) run got here first: acting on p_now could undo it
      v_action := 'skipped';
      v_out_value := v_rule.value;
      v_out_sample := v_rule.sample;
      v_detail := format('already evaluated at %s (%s): nothing changed',
        to_char(v_state.last_evaluated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US "UTC"'), v_state.last_action);

    elsif not v_rule.is_enabled then
      -- v_open.id NULL: resolved meanwhile (by hand or by a concurrent run), nothing to report
      if v_open.id is not null then
        update sms_monitor.sms_alert_history h
           set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'rule disabled', silenced = false
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        end if;
        v_action := 'disabled_resolved';
        v_detail := 'the rule is disabled: its open incident is resolved';
        update sms_monitor.sms_alert_rule_state s
           set pending_since = null, last_evaluated_at = p_now, last_action = v_action,
               last_value = null, last_sample_size = null, last_error = null
         where s.alert_type = v_rule.alert_type;
      end if;

    else
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
          -- dedup_key is fixed here, at open, for every later event of the incident (a renamed
          -- rule keeps its incidents' keys): _alert_history_dedup_key sets it from the id
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
            if not p_preview then
              perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
            end if;
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
             set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'auto', resolution_value = v_rule.value,
                 last_value = v_rule.value, last_evaluated_at = p_now, silenced = false
           where h.id = v_open.id;
          if not p_preview then
            perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
          end if;
          v_action := 'resolved';
        else
          -- (silenced is left alone: it says "opened under a silence and not announced yet")
          update sms_monitor.sms_alert_history h
             set last_value = v_rule.value, last_evaluated_at = p_now
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

      v_out_value := v_rule.value;
      v_out_sample := v_rule.sample;
      v_detail := case when v_values_error is null then v_rule.detail
                       else concat_ws(' ', v_rule.detail, '(' || v_values_error || ')') end;
      update sms_monitor.sms_alert_rule_state s
         set pending_since = v_state.pending_since, last_evaluated_at = p_now, last_action = v_action,
             last_value = v_rule.value, last_sample_size = v_rule.sample, last_error = v_values_error
       where s.alert_type = v_rule.alert_type;
    end if;
   exception when others then
    -- everything this rule did is undone; its incident (if open) stays as it was
    v_error := left(format('%s: %s', sqlstate, sqlerrm), 2000);
    select h.id into v_alert from sms_monitor.sms_alert_history h
     where h.alert_type = v_rule.alert_type and h.resolved_at is null;
    v_action := 'error';
    v_out_value := null;
    v_out_sample := null;
    v_detail := v_error;
    update sms_monitor.sms_alert_rule_state s
       set last_evaluated_at = p_now, last_action = v_action, last_value = null, last_sample_size = null,
           last_error = v_error
     where s.alert_type = v_rule.alert_type;
   end;

    if v_action is not null then
      alert_type := v_rule.alert_type;
      action := v_action;
      metric_value := v_out_value;
      threshold_value := v_rule.threshold_value;
      sample_size := v_out_sample;
      alert_id := v_alert;
      detail := v_detail;
      return next;
    end if;
  end loop;
end;
$$;

comment on function sms_monitor._alert_evaluate(timestamptz, boolean) is
  'Internal: the alert engine (check_sms_alerts and preview_sms_alerts call it); any p_now, each rule isolated; '
  'p_preview queues no notifications.';
revoke all on function sms_monitor._alert_evaluate(timestamptz, boolean) from public;
