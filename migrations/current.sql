-- Work in progress for the next migration (tests apply it on top of the committed ones).
-- Tables and indexes inline; functions and views with --!include functions/<name>.sql.
-- Commit it with: bash scripts/migration-commit.sh

-- ==== Rule comparisons, metric units, message dimensions: enum types, CHECKs derived from them ====
-- Like the other enumerated facts (see the enum block of migration 000005), each list is written
-- once here; the columns stay text, their CHECKs and the validating functions read the list with
-- enum_range, and scripts/codegen.ts generates the TypeScript lists (client/generated/enums.ts).
do $$
begin
  if to_regtype('sms_monitor.alert_comparison') is null then
    create type sms_monitor.alert_comparison as enum ('<', '<=', '>', '>=');
  end if;
  if to_regtype('sms_monitor.metric_unit') is null then
    create type sms_monitor.metric_unit as enum ('percent', 'ratio', 'seconds');
  end if;
  if to_regtype('sms_monitor.message_dimension') is null then
    create type sms_monitor.message_dimension as enum
      ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider');
  end if;
end;
$$;
comment on type sms_monitor.alert_comparison is
  'How a rule compares its metric''s value with threshold_value (sms_alert_thresholds.comparison).';
comment on type sms_monitor.metric_unit is
  'The unit of a rule metric''s values (sms_alert_metrics.unit): how value_text and threshold_text are written.';
comment on type sms_monitor.message_dimension is
  'A message attribute that breakdowns and per-dimension rules group by (by=, sms_alert_thresholds.group_by).';

alter table sms_monitor.sms_alert_thresholds
  drop constraint if exists sms_alert_thresholds_comparison_check,
  add constraint sms_alert_thresholds_comparison_check
    check (comparison = any (enum_range(null::sms_monitor.alert_comparison)::text[])),
  drop constraint if exists sms_alert_thresholds_group_by_check,
  add constraint sms_alert_thresholds_group_by_check
    check (group_by = any (enum_range(null::sms_monitor.message_dimension)::text[]));
alter table sms_monitor.sms_alert_metrics
  drop constraint if exists sms_alert_metrics_unit_check,
  add constraint sms_alert_metrics_unit_check
    check (unit = any (enum_range(null::sms_monitor.metric_unit)::text[]));

--!include functions/_alert_thresholds_validate.sql
--!include functions/_alert_rule_params_problem.sql
