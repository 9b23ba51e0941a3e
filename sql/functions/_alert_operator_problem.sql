-- What is wrong with what an operator passes to resolve_sms_alert / acknowledge_sms_alert, or
-- NULL. The name: at most 200 characters, and not one of the engine's labels ('auto', 'rule
-- disabled': an 'auto' resolve tells the channels the metric is back, which only the engine
-- knows). The time: finite, not before the incident began (triggered_at) and not after the server
-- clock plus _max_clock_skew(). Unknown id: P0002 (raised here, like _alert_lock_incident).
create or replace function sms_monitor._alert_operator_problem(
  p_alert_id uuid,
  p_by_field text,
  p_by text,
  p_now timestamptz
)
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_triggered timestamptz;
begin
  if p_alert_id is null then
    return 'alert_id: is required';
  end if;
  if p_by is not null and length(p_by) > 200 then
    return format('%s: %s characters is more than the 200 allowed', p_by_field, length(p_by));
  end if;
  if lower(btrim(p_by)) in ('auto', 'rule disabled') then
    return format('%s: %s is reserved for the alert engine', p_by_field, quote_literal(btrim(p_by)));
  end if;
  if p_now is null or not isfinite(p_now) then
    return 'now: must be a finite time';
  end if;
  select h.triggered_at into v_triggered from sms_monitor.sms_alert_history h where h.id = p_alert_id;
  if not found then
    raise exception 'alert_id: alert % does not exist', p_alert_id using errcode = 'P0002';
  end if;
  if p_now < v_triggered then
    return format('now: %s is before the incident began (%s)',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'),
      to_char(v_triggered at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
  end if;
  if p_now > now() + sms_monitor._max_clock_skew() then
    return format('now: %s is after the server clock (%s; allowed skew %s)',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z" BC'),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), sms_monitor._max_clock_skew());
  end if;
  return null;
end;
$$;

comment on function sms_monitor._alert_operator_problem(uuid, text, text, timestamptz) is
  'Internal: "<field>: <problem>" for an operator''s resolve/acknowledge arguments (name length, reserved engine '
  'labels, time between triggered_at and now() + 5 minutes); P0002 for an unknown id; else NULL.';
revoke all on function sms_monitor._alert_operator_problem(uuid, text, text, timestamptz) from public;
