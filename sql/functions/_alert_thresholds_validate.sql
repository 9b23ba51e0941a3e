-- Trigger on sms_monitor.sms_alert_thresholds: explains what is wrong with a rule in words
-- (SQLSTATE 22023, message starting with the column name) before the CHECK constraints, which
-- stay as the safety net, would reject it with only a constraint name.
create or replace function sms_monitor._alert_thresholds_validate()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_bad text;
begin
  if new.alert_type is null or new.alert_type !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'alert_type: % must be lower-case letters, digits and _ (1-63 characters, starting with a letter)',
      coalesce(quote_literal(new.alert_type), 'NULL') using errcode = '22023';
  end if;
  if new.metric is null or not exists (select from sms_monitor.sms_alert_metrics m where m.metric = new.metric) then
    raise exception 'metric: unknown metric % (allowed: %)', coalesce(quote_literal(new.metric), 'NULL'),
      (select string_agg(m.metric, ', ' order by m.metric) from sms_monitor.sms_alert_metrics m)
      using errcode = '22023';
  end if;
  if new.comparison is null or new.comparison <> all (enum_range(null::sms_monitor.alert_comparison)::text[]) then
    raise exception 'comparison: unknown operator % (allowed: %)', coalesce(quote_literal(new.comparison), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.alert_comparison)::text[], ', ') using errcode = '22023';
  end if;
  if new.threshold_value is null or new.threshold_value in ('NaN', 'Infinity', '-Infinity') then
    raise exception 'threshold_value: must be a finite number (got %)', coalesce(new.threshold_value::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.threshold_value < 0 then
    raise exception 'threshold_value: must not be negative (got %)', new.threshold_value using errcode = '22023';
  end if;
  if new.threshold_value > 1000000 or scale(new.threshold_value) > 6 then
    raise exception 'threshold_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.threshold_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null and new.recovery_value not in ('NaN', 'Infinity', '-Infinity')
     and (new.recovery_value > 1000000 or scale(new.recovery_value) > 6) then
    raise exception 'recovery_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.recovery_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null then
    if new.recovery_value in ('NaN', 'Infinity', '-Infinity') or new.recovery_value < 0 then
      raise exception 'recovery_value: must be NULL or a finite number >= 0 (got %)', new.recovery_value
        using errcode = '22023';
    end if;
    if new.comparison in ('<', '<=') and new.recovery_value < new.threshold_value then
      raise exception 'recovery_value: % is below threshold_value %: a rule that fires when the metric is % % resolves only at or above its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
    if new.comparison in ('>', '>=') and new.recovery_value > new.threshold_value then
      raise exception 'recovery_value: % is above threshold_value %: a rule that fires when the metric is % % resolves only at or below its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
  end if;
  if new.window_minutes is null or new.window_minutes < 1 or new.window_minutes > 43200 then
    raise exception 'window_minutes: must be between 1 and 43200 (30 days) (got %)',
      coalesce(new.window_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if new.min_sample is null or new.min_sample < 1 then
    raise exception 'min_sample: must be at least 1 (got %)', coalesce(new.min_sample::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.pending_minutes is null or new.pending_minutes < 0 or new.pending_minutes > 10080 then
    raise exception 'pending_minutes: must be between 0 and 10080 (got %)', coalesce(new.pending_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.cooldown_minutes is null or new.cooldown_minutes < 1 or new.cooldown_minutes > 10080 then
    raise exception 'cooldown_minutes: must be between 1 and 10080 (got %)', coalesce(new.cooldown_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.severity is null or new.severity <> all (enum_range(null::sms_monitor.alert_severity)::text[]) then
    raise exception 'severity: unknown severity % (allowed: %)', coalesce(quote_literal(new.severity), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.alert_severity), ', ') using errcode = '22023';
  end if;
  if new.notification_channels is not null and array_ndims(new.notification_channels) > 1 then
    raise exception 'notification_channels: must be a flat list such as {slack,log} (got % dimensions)',
      array_ndims(new.notification_channels) using errcode = '22023';
  end if;
  if new.notification_channels is null or cardinality(new.notification_channels) = 0 then
    raise exception 'notification_channels: needs at least one of %',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  select c into v_bad from unnest(new.notification_channels) c
   where c is null or c <> all (enum_range(null::sms_monitor.notification_channel)::text[]) limit 1;
  if found then
    raise exception 'notification_channels: unknown channel % (allowed: %)', coalesce(quote_literal(v_bad), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  if cardinality(new.notification_channels) <> (select count(distinct c) from unnest(new.notification_channels) c) then
    raise exception 'notification_channels: lists a channel twice (%)', array_to_string(new.notification_channels, ', ')
      using errcode = '22023';
  end if;
  if new.description is null or btrim(new.description) = '' then
    raise exception 'description: is required (say what the rule watches and what to do)' using errcode = '22023';
  end if;
  if length(new.description) > 2000 then
    raise exception 'description: % characters is more than the 2000 allowed', length(new.description)
      using errcode = '22023';
  end if;
  v_bad := sms_monitor._alert_rule_params_problem(new.metric, new.group_by, new.params);
  if v_bad is not null then
    raise exception '%', v_bad using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function sms_monitor._alert_thresholds_validate() is
  'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';
revoke all on function sms_monitor._alert_thresholds_validate() from public;
