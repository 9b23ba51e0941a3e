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
-- Per-dimension rules (group_by set): the rule is evaluated per value of its attribute, each value
-- with its own sample, pending timer (sms_alert_group_state), incident and lifecycle: one row per
-- value that has data, an open incident or a running pending timer, in group_value order (one
-- no_data row with group_value NULL when there is none). The rule's own sms_alert_rule_state row
-- stays its lock and records the run: last_action is the most urgent action of its values.
-- The per-value step is _alert_evaluate_value.
create or replace function sms_monitor._alert_evaluate(p_now timestamptz, p_preview boolean default false)
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text,
  group_by text,
  group_value text
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
  v_unit record;
  v_state sms_monitor.sms_alert_rule_state;
  v_open record;
  v_step record;
  v_types text[];
  v_type text;
  v_values jsonb;
  v_rule_values jsonb;
  v_error text;
  v_values_error text;
  v_actions text[];
  -- most urgent first: what a per-dimension rule's own state row records
  c_urgency constant text[] := array['error', 'fired', 'unsilenced', 'repeated', 'silenced', 'pending',
    'acknowledged', 'cooldown', 'recovering', 'resolved', 'disabled_resolved', 'ok', 'no_data'];
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

  -- Every rule's values in one statement (an array per rule, one element per group value); when it
  -- fails, each rule computes its own below, and the failure is kept: each row (detail) and rule
  -- state (last_error) say it was computed alone and why.
  begin
    select jsonb_object_agg(x.alert_type, x.vals) into v_values
      from (select v.alert_type, jsonb_agg(jsonb_build_object('group', v.group_value, 'value', v.metric_value,
                     'sample', v.sample_size, 'detail', v.detail)) as vals
              from sms_monitor._alert_rule_values(p_now) v
             group by v.alert_type) x;
    v_values := coalesce(v_values, '{}'::jsonb);
  exception when others then
    v_values := null;
    v_values_error := left(format('computed alone: the shared computation failed with %s: %s', sqlstate, sqlerrm), 1000);
  end;

  for v_rule in
    select t.alert_type, t.threshold_value, t.is_enabled, t.group_by
      from unnest(v_types) l(alert_type)
      join sms_monitor.sms_alert_thresholds t on t.alert_type = l.alert_type
     order by t.alert_type
  loop
    select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = v_rule.alert_type;
    v_actions := '{}';

    if v_state.last_evaluated_at >= p_now then
      -- a newer (or concurrent, same-instant) run got here first: acting on p_now could undo it
      -- (a system-wide rule still reports the value it has now)
      alert_type := v_rule.alert_type; action := 'skipped';
      metric_value := case when v_rule.group_by is null then (v_values #>> array[v_rule.alert_type, '0', 'value'])::numeric end;
      sample_size := case when v_rule.group_by is null then (v_values #>> array[v_rule.alert_type, '0', 'sample'])::bigint end;
      threshold_value := v_rule.threshold_value; group_by := v_rule.group_by; group_value := null;
      alert_id := (select h.id from sms_monitor.sms_alert_history h
                    where h.alert_type = v_rule.alert_type and h.resolved_at is null order by h.group_value limit 1);
      detail := format('already evaluated at %s (%s): nothing changed',
        to_char(v_state.last_evaluated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US "UTC"'), v_state.last_action);
      return next;
      continue;
    end if;

    if not v_rule.is_enabled then
      -- every open incident of the disabled rule is resolved (none: nothing to report)
      for v_open in
        select h.id, h.group_value from sms_monitor.sms_alert_history h
         where h.alert_type = v_rule.alert_type and h.resolved_at is null order by h.group_value
      loop
        update sms_monitor.sms_alert_history h
           set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'rule disabled', silenced = false
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        end if;
        if v_open.group_value is not null then
          update sms_monitor.sms_alert_group_state s
             set pending_since = null, last_evaluated_at = p_now, last_action = 'disabled_resolved'
           where s.alert_type = v_rule.alert_type and s.group_value = v_open.group_value;
        end if;
        alert_type := v_rule.alert_type; action := 'disabled_resolved'; metric_value := null;
        threshold_value := v_rule.threshold_value; sample_size := null; alert_id := v_open.id;
        detail := 'the rule is disabled: its open incident is resolved';
        group_by := v_rule.group_by; group_value := v_open.group_value;
        v_actions := v_actions || 'disabled_resolved'::text;
        return next;
      end loop;
      if cardinality(v_actions) > 0 then
        update sms_monitor.sms_alert_rule_state s
           set pending_since = null, last_evaluated_at = p_now, last_action = 'disabled_resolved',
               last_value = null, last_sample_size = null, last_error = null
         where s.alert_type = v_rule.alert_type;
      end if;
      continue;
    end if;

    v_error := null;
    if v_values is not null then
      v_rule_values := coalesce(v_values -> v_rule.alert_type, '[]'::jsonb);
    else
      begin
        select coalesce(jsonb_agg(jsonb_build_object('group', v.group_value, 'value', v.metric_value,
                 'sample', v.sample_size, 'detail', v.detail)), '[]'::jsonb)
          into v_rule_values
          from sms_monitor._alert_rule_values(p_now, v_rule.alert_type) v;
      exception when others then
        v_error := left(format('%s: %s', sqlstate, sqlerrm), 2000);
        v_rule_values := '[]'::jsonb;
      end;
    end if;

    for v_unit in
      -- system-wide: the one value; per dimension: every value with data, an open incident or a
      -- pending timer (a value that vanished from the data is evaluated as no_data)
      select null::text as g, (e ->> 'value')::numeric as value, (e ->> 'sample')::bigint as sample,
             coalesce(e ->> 'detail', 'no messages in the window') as detail
        from (select null::jsonb) d
        left join jsonb_array_elements(v_rule_values) e on true
       where v_rule.group_by is null and v_error is null
      union all
      select k.g, (e ->> 'value')::numeric, (e ->> 'sample')::bigint, e ->> 'detail'
        from (select e2 ->> 'group' as g from jsonb_array_elements(v_rule_values) e2 where e2 ->> 'group' is not null
              union
              select h.group_value from sms_monitor.sms_alert_history h
               where h.alert_type = v_rule.alert_type and h.resolved_at is null and h.group_value is not null
              union
              select s.group_value from sms_monitor.sms_alert_group_state s
               where s.alert_type = v_rule.alert_type and s.pending_since is not null) k
        left join jsonb_array_elements(v_rule_values) e on e ->> 'group' = k.g
       where v_rule.group_by is not null and v_error is null
      order by 1 nulls first
    loop
      begin  -- one subtransaction per value: its failure is reported as 'error' and undone, alone
        select * into strict v_step
          from sms_monitor._alert_evaluate_value(p_now, p_preview, v_rule.alert_type, v_unit.g, v_unit.value,
                                                 v_unit.sample, v_unit.detail, v_values_error);
        alert_type := v_rule.alert_type; action := v_step.action; metric_value := v_step.metric_value;
        threshold_value := v_rule.threshold_value; sample_size := v_step.sample_size; alert_id := v_step.alert_id;
        detail := v_step.detail; group_by := v_rule.group_by; group_value := v_unit.g;
      exception when others then
        -- everything this value's step did is undone; its incident (if open) stays as it was
        alert_type := v_rule.alert_type; action := 'error'; metric_value := null;
        threshold_value := v_rule.threshold_value; sample_size := null;
        alert_id := (select h.id from sms_monitor.sms_alert_history h
                      where h.alert_type = v_rule.alert_type and h.resolved_at is null
                        and h.group_value is not distinct from v_unit.g);
        detail := left(format('%s: %s', sqlstate, sqlerrm), 2000); group_by := v_rule.group_by; group_value := v_unit.g;
        v_error := detail;
      end;
      v_actions := v_actions || action;
      return next;
    end loop;

    if v_error is not null and cardinality(v_actions) = 0 then
      -- the rule's values could not be computed at all
      alert_type := v_rule.alert_type; action := 'error'; metric_value := null;
      threshold_value := v_rule.threshold_value; sample_size := null; detail := v_error;
      alert_id := null; group_by := v_rule.group_by; group_value := null;
      v_actions := array['error'];
      return next;
    elsif cardinality(v_actions) = 0 then
      -- a per-dimension rule without any value to evaluate
      alert_type := v_rule.alert_type; action := 'no_data'; metric_value := null;
      threshold_value := v_rule.threshold_value; sample_size := null; alert_id := null;
      detail := case when v_values_error is null then 'no messages with a ' || replace(v_rule.group_by, '_', ' ') || ' in the window'
                     else v_values_error end;
      group_by := v_rule.group_by; group_value := null;
      v_actions := array['no_data'];
      return next;
    end if;

    if v_rule.group_by is not null then
      -- values quiet for 7 days (nothing open, no timer) are forgotten: attributes like sender can be many
      delete from sms_monitor.sms_alert_group_state s
       where s.alert_type = v_rule.alert_type and s.pending_since is null and s.last_evaluated_at < p_now - interval '7 days';
    end if;
    if v_rule.group_by is not null or v_error is not null then
      update sms_monitor.sms_alert_rule_state s
         set pending_since = null, last_evaluated_at = p_now,
             last_action = (select a from unnest(c_urgency) with ordinality u(a, n) where a = any (v_actions) order by n limit 1),
             last_value = null, last_sample_size = null,
             last_error = coalesce(v_error, v_values_error)
       where s.alert_type = v_rule.alert_type;
    end if;
  end loop;
end;
$$;

comment on function sms_monitor._alert_evaluate(timestamptz, boolean) is
  'Internal: the alert engine (check_sms_alerts and preview_sms_alerts call it); any p_now, each rule (and each '
  'value of a per-dimension rule) isolated; p_preview queues no notifications.';
revoke all on function sms_monitor._alert_evaluate(timestamptz, boolean) from public;
