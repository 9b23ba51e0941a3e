-- Silences one rule (or every rule when p_alert_type is NULL) from p_starts_at (default now) until
-- p_until; with p_group_value, only that value of a per-dimension rule (one carrier, one sender:
-- the rule's other values still page). Incidents that open or stay open meanwhile are recorded, marked silenced and not
-- notified (no trigger, no repeat); when the silence ends and the incident is still open, the next
-- check announces it. Returns the silence (its id lifts it early: lift_sms_alert_silence).
create or replace function sms_monitor.silence_sms_alerts(
  p_alert_type text,
  p_until timestamptz,
  p_reason text,
  p_starts_at timestamptz default null,
  p_group_value text default null
)
returns sms_monitor.sms_alert_silences
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_start timestamptz := coalesce(p_starts_at, now());
  v_row sms_monitor.sms_alert_silences;
begin
  if p_alert_type is not null
     and not exists (select from sms_monitor.sms_alert_thresholds t where t.alert_type = p_alert_type) then
    raise exception 'alert_type: unknown rule % (NULL silences every rule)', quote_literal(p_alert_type)
      using errcode = '22023';
  end if;
  if p_group_value is not null then
    if p_alert_type is null then
      raise exception 'group_value: name the rule (alert_type) whose value to silence' using errcode = '22023';
    end if;
    if (select t.group_by from sms_monitor.sms_alert_thresholds t where t.alert_type = p_alert_type) is null then
      raise exception 'group_value: rule % is evaluated system-wide (no group_by): it has no values to silence',
        quote_literal(p_alert_type) using errcode = '22023';
    end if;
    if btrim(p_group_value) = '' or length(p_group_value) > 200 then
      raise exception 'group_value: must be 1 to 200 characters, not blank (got % characters)', length(p_group_value)
        using errcode = '22023';
    end if;
  end if;
  if not isfinite(v_start) then
    raise exception 'starts_at: must be a finite time' using errcode = '22023';
  end if;
  if p_until is null or not isfinite(p_until) then
    raise exception 'until: is required and must be a finite time' using errcode = '22023';
  end if;
  if v_start < now() - interval '1 day' or v_start > now() + interval '366 days' then
    raise exception 'starts_at: % must lie between a day ago and 366 days ahead', v_start using errcode = '22023';
  end if;
  if p_until <= v_start then
    raise exception 'until: % is not after the start of the silence (%)', p_until, v_start using errcode = '22023';
  end if;
  if p_until <= now() then
    raise exception 'until: % is in the past: such a silence would silence nothing', p_until using errcode = '22023';
  end if;
  if p_until > v_start + interval '90 days' then
    raise exception 'until: % is more than 90 days after the start of the silence (%): disable the rule instead',
      p_until, v_start using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'reason: is required (say why, for whoever wonders where the alerts went)' using errcode = '22023';
  end if;
  if length(p_reason) > 500 then
    raise exception 'reason: % characters is more than the 500 allowed', length(p_reason) using errcode = '22023';
  end if;
  insert into sms_monitor.sms_alert_silences (alert_type, group_value, starts_at, ends_at, reason, created_by)
  values (p_alert_type, p_group_value, v_start, p_until, btrim(p_reason), sms_monitor._audit_subject())
  returning * into v_row;
  return v_row;
end;
$$;

comment on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz, text) is
  'Silences a rule (NULL = all), or one value of a per-dimension rule (p_group_value), from p_starts_at (default '
  'now) until p_until: incidents are recorded, not notified, and announced when the silence ends if still open. '
  'Returns the silence row.';
revoke all on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz, text) from public;
grant execute on function sms_monitor.silence_sms_alerts(text, timestamptz, text, timestamptz, text) to sms_monitor_admin;
