-- Evaluates every enabled rule now (pg_cron every minute), after folding the message events not
-- folded yet (rollup_sms_messages), and moves incidents along: the actions
-- and the engine are described in _alert_evaluate.sql and docs/alerts.md. p_now may lie at most
-- _max_clock_skew() (5 minutes) ahead of the server clock: a run "in 2100" would make every real
-- evaluation until then 'skipped' (alerting off). For a what-if at any time use
-- preview_sms_alerts(p_now), which changes nothing. A rule whose evaluation fails reports 'error'
-- and does not stop the others.
create or replace function sms_monitor.check_sms_alerts(p_now timestamptz default now())
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
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  if p_now > now() + sms_monitor._max_clock_skew() then
    raise exception 'now: % is more than % ahead of the server clock (%): an evaluation in the future would '
      'make every real one until then skipped; use preview_sms_alerts(p_now) for a what-if',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  -- message events committed before this check count in it: fold them first (the rollup job folds
  -- about every second, but not in the last 5 s of each minute, between its runs, when this check starts)
  perform sms_monitor.rollup_sms_messages();
  return query select * from sms_monitor._alert_evaluate(p_now, false);
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else '
  '22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; '
  'returns one row per rule (per value of a per-dimension rule: group_by, group_value) with its action, a value of the enum sms_monitor.alert_action (skipped = already '
  'evaluated at p_now or later; error = the rule''s evaluation failed: SQLSTATE and message in detail, the other rules '
  'are unaffected). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
