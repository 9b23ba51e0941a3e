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
-- Latency percentiles from fixed log histograms (docs/messages.md)
--!include functions/_latency_bucket.sql
--!include functions/_latency_histogram.sql
--!include functions/_histogram_percentile.sql
--!include functions/api_message_latency.sql
--!include functions/api_message_breakdown.sql
--!include functions/api_message_series.sql
--!include functions/_alert_message_values.sql

-- Message events: writers only append (every event, repeats included); the fold
-- (rollup_sms_messages) applies the log to sms_messages and the counters exactly once. Events
-- logged before this migration were applied when recorded: the fold starts after them.
comment on table sms_monitor.sms_message_events is
  'Append-only log of every message event as received (repeats included), its status mapped, with the spelling '
  'the provider used and the optional attributes it carried; rollup_sms_messages folds it into sms_messages.';
comment on table sms_monitor.sms_messages is
  'One row per message: attributes joined from all its events (the first value given for each stays), the '
  'time of each status (the earliest reported), and the winning final status with the user its counter went to. '
  'Written only by the fold (rollup_sms_messages).';
insert into sms_monitor.sms_rollup_watermarks (rollup_name, last_id)
select 'sms_messages', coalesce(pg_sequence_last_value('sms_monitor.sms_message_events_id_seq'), 0)
on conflict (rollup_name) do nothing;
drop function if exists sms_monitor._apply_message_batch(jsonb, text);
--!include functions/_fold_message_events.sql
--!include functions/rollup_sms_messages.sql
--!include functions/record_sms_message_events.sql
--!include functions/record_sms_message_event.sql
--!include functions/run_sms_rollups.sql
-- Ingest: the event-time shape check is one regular expression; the batch
-- insert parses and converts each event's time once.
--!include functions/_looks_like_iso_time_with_offset.sql
--!include functions/record_sms_events.sql
-- Message events: the bounds checks without regular-expression repeats; the batch is validated and
-- appended in one statement (record_sms_message_events, included above).
--!include functions/_is_canonical_uuid.sql
--!include functions/_message_event_problem.sql
