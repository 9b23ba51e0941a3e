-- Alert rules: the ten seeded rules, the validating trigger (22023, field named), every CHECK
-- constraint behind it (23514), and who may tune rules.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(47);

select results_eq(
  $$select alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample,
           pending_minutes, cooldown_minutes, severity, notification_channels, is_enabled, group_by, params
      from sms_monitor.sms_alert_thresholds order by alert_type$$,
  $$values
    ('carrier_delivery_rate_critical', 'message_delivery_rate', '<', 85::numeric, null::numeric, 15, 50, 0, 60, 'critical',
     '{pagerduty}'::text[], true, 'carrier', '{}'::jsonb),
    ('daily_limit_hit_warning', 'daily_limit_hit_rate', '>', 20, null, 60, 20, 0, 180, 'warning', '{slack}', true, null, '{}'),
    ('delivery_latency_warning', 'delivery_latency_p95', '>', 60, null, 15, 50, 0, 60, 'warning', '{slack}', true, null, '{}'),
    ('delivery_rate_critical', 'delivery_rate', '<', 90, 92, 60, 20, 0, 60, 'critical', '{pagerduty}', true, null, '{}'),
    ('delivery_slo_burn_critical', 'delivery_slo_burn', '>=', 1, null, 360, 20, 0, 60, 'critical', '{pagerduty}', true, null,
     '{"slo_percent": 98, "windows": [[60, 5, 14.4], [360, 30, 6]]}'),
    ('llm_cost_spike_warning', 'llm_cost_spike', '>', 2, null, 60, 20, 0, 120, 'warning', '{slack}', true, null, '{}'),
    ('llm_failure_critical', 'llm_failure_rate', '>', 50, null, 60, 20, 0, 30, 'critical', '{pagerduty}', true, null, '{}'),
    ('opt_out_rate_warning', 'opt_out_rate', '>', 10, null, 60, 20, 0, 240, 'warning', '{slack}', true, null, '{}'),
    ('receipt_delay_warning', 'receipt_delay_rate', '>', 5, null, 60, 50, 0, 60, 'warning', '{slack}', true, 'carrier',
     '{"after_minutes": 10}'),
    ('sender_filtering_warning', 'error_code_share', '>', 2, null, 60, 100, 0, 120, 'warning', '{slack}', true, 'sender',
     '{"error_codes": ["30007"]}')$$,
  'the ten rules are seeded with their thresholds, severities, channels, cooldowns, dimensions and parameters');

-- A valid custom rule beside the default one on the same metric.
select lives_ok($$insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, severity, notification_channels, description)
  values ('delivery_rate_warning', 'delivery_rate', '<', 95, 'warning', '{slack,log}', 'early warning')$$,
  'operators add a rule with INSERT');

create function pg_temp.bad(p_set text) returns text language sql as $f$
  select format($q$insert into sms_monitor.sms_alert_thresholds
    (alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample, pending_minutes,
     cooldown_minutes, severity, notification_channels, description)
    select alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample,
           pending_minutes, cooldown_minutes, severity, notification_channels, description
      from (select 'x_rule' as alert_type, 'delivery_rate' as metric, '<' as comparison, 90::numeric as threshold_value,
                   null::numeric as recovery_value, 60 as window_minutes, 20 as min_sample, 0 as pending_minutes,
                   60 as cooldown_minutes, 'warning' as severity, '{slack}'::text[] as notification_channels,
                   'd' as description) r0
     cross join lateral (select %s) r1$q$, p_set);
$f$;
-- The validating trigger: 22023 and a message that starts with the column.
select throws_ok(replace(pg_temp.bad('1'), 'select ''x_rule''', 'select ''X Rule'''), '22023', null, 'bad alert_type');
select throws_ok($$insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value,
  severity, notification_channels, description) values ('r', 'delivery_ratio', '<', 90, 'warning', '{slack}', 'd')$$,
  '22023', 'metric: unknown metric ''delivery_ratio'' (allowed: daily_limit_hit_rate, delivery_latency_p95, delivery_rate, delivery_slo_burn, error_code_share, llm_cost_spike, llm_failure_rate, message_delivery_rate, opt_out_rate, receipt_delay_rate)',
  'unknown metric is named with the allowed ones');
select throws_ok($$insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value,
  severity, notification_channels, description) values ('r', 'delivery_rate', '=<', 90, 'warning', '{slack}', 'd')$$,
  '22023', 'comparison: unknown operator ''=<'' (allowed: <, <=, >, >=)', 'unknown operator');
select throws_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = -1 where alert_type = 'delivery_rate_critical'$$,
  '22023', 'threshold_value: must not be negative (got -1)', 'negative threshold');
select throws_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = 'NaN' where alert_type = 'delivery_rate_critical'$$,
  '22023', 'threshold_value: must be a finite number (got NaN)', 'NaN threshold');
select throws_ok($$update sms_monitor.sms_alert_thresholds set recovery_value = 85 where alert_type = 'delivery_rate_critical'$$,
  '22023', null, 'recovery below a "<" threshold makes no sense');
select throws_ok($$update sms_monitor.sms_alert_thresholds set recovery_value = 60 where alert_type = 'llm_failure_critical'$$,
  '22023', null, 'recovery above a ">" threshold makes no sense');
select lives_ok($$update sms_monitor.sms_alert_thresholds set recovery_value = 40 where alert_type = 'llm_failure_critical'$$,
  'recovery below a ">" threshold is hysteresis');
select throws_ok($$update sms_monitor.sms_alert_thresholds set window_minutes = 0 where alert_type = 'delivery_rate_critical'$$,
  '22023', 'window_minutes: must be between 1 and 43200 (30 days) (got 0)', 'zero window');
select throws_ok($$update sms_monitor.sms_alert_thresholds set min_sample = 0 where alert_type = 'delivery_rate_critical'$$,
  '22023', 'min_sample: must be at least 1 (got 0)', 'zero min sample');
select throws_ok($$update sms_monitor.sms_alert_thresholds set pending_minutes = -5 where alert_type = 'delivery_rate_critical'$$,
  '22023', 'pending_minutes: must be between 0 and 10080 (got -5)', 'negative pending duration');
select throws_ok($$update sms_monitor.sms_alert_thresholds set cooldown_minutes = -1 where alert_type = 'delivery_rate_critical'$$,
  '22023', 'cooldown_minutes: must be between 1 and 10080 (got -1)', 'negative cooldown');
select throws_ok($$update sms_monitor.sms_alert_thresholds set severity = 'high' where alert_type = 'delivery_rate_critical'$$,
  '22023', 'severity: unknown severity ''high'' (allowed: critical, warning, info)', 'unknown severity');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{}' where alert_type = 'delivery_rate_critical'$$,
  '22023', 'notification_channels: needs at least one of slack, pagerduty, email, log', 'empty channel list');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{slack,sms}' where alert_type = 'delivery_rate_critical'$$,
  '22023', 'notification_channels: unknown channel ''sms'' (allowed: slack, pagerduty, email, log)', 'unknown channel');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{slack,slack}' where alert_type = 'delivery_rate_critical'$$,
  '22023', null, 'duplicate channel');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = null where alert_type = 'delivery_rate_critical'$$,
  '22023', null, 'NULL channel list');
select throws_ok($$update sms_monitor.sms_alert_thresholds set description = ' ' where alert_type = 'delivery_rate_critical'$$,
  '22023', null, 'blank description');

-- The CHECK constraints behind the trigger (tested with the trigger off, inside this transaction).
alter table sms_monitor.sms_alert_thresholds disable trigger sms_alert_thresholds_validate;
select throws_ok($$update sms_monitor.sms_alert_thresholds set alert_type = 'Bad Name' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK alert_type');
select throws_ok($$update sms_monitor.sms_alert_thresholds set metric = 'nope' where alert_type = 'opt_out_rate_warning'$$,
  '23503', null, 'FK metric -> sms_alert_metrics');
select throws_ok($$update sms_monitor.sms_alert_thresholds set comparison = '=' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK comparison');
select throws_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = -1 where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK threshold_value >= 0');
select throws_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = 'Infinity' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK threshold_value finite');
select throws_ok($$update sms_monitor.sms_alert_thresholds set recovery_value = 11 where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK recovery on the recovering side');
select throws_ok($$update sms_monitor.sms_alert_thresholds set window_minutes = 0 where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK window_minutes');
select throws_ok($$update sms_monitor.sms_alert_thresholds set min_sample = 0 where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK min_sample');
select throws_ok($$update sms_monitor.sms_alert_thresholds set pending_minutes = -1 where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK pending_minutes');
select throws_ok($$update sms_monitor.sms_alert_thresholds set cooldown_minutes = 0 where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK cooldown_minutes');
select throws_ok($$update sms_monitor.sms_alert_thresholds set severity = 'urgent' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK severity');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{}' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK channels not empty');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{teams}' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK channels known');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{slack,NULL}' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK channels without NULL');
select throws_ok($$update sms_monitor.sms_alert_thresholds set description = '' where alert_type = 'opt_out_rate_warning'$$,
  '23514', null, 'CHECK description');
alter table sms_monitor.sms_alert_thresholds enable trigger sms_alert_thresholds_validate;

-- Who may tune rules.
grant usage on schema pgtap to sms_monitor_writer, sms_monitor_reader, sms_monitor_admin;
set local role sms_monitor_writer;
select throws_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = 1$$, '42501', null,
  'the writer cannot retune rules');
select throws_ok($$select count(*) from sms_monitor.sms_alert_thresholds$$, '42501', null, 'the writer cannot read rules');
reset role;
set local role sms_monitor_reader;
select is((select count(*)::int from sms_monitor.sms_alert_thresholds), 11, 'a reader sees the rules');
select throws_ok($$update sms_monitor.sms_alert_thresholds set is_enabled = false$$, '42501', null,
  'a reader cannot retune rules');
select throws_ok($$delete from sms_monitor.sms_alert_thresholds$$, '42501', null, 'a reader cannot delete rules');
reset role;
set local role sms_monitor_admin;
select lives_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = 85, cooldown_minutes = 15
  where alert_type = 'delivery_rate_critical'$$, 'an admin retunes a rule with UPDATE');
select throws_ok($$update sms_monitor.sms_alert_thresholds set severity = 'loud' where alert_type = 'delivery_rate_critical'$$,
  '22023', null, 'and gets a clear error for nonsense');
reset role;
select is((select threshold_value from sms_monitor.sms_alert_thresholds where alert_type = 'delivery_rate_critical'),
  85::numeric, 'the admin''s change is stored');
select is((select updated_at from sms_monitor.sms_alert_thresholds where alert_type = 'delivery_rate_critical'),
  now(), 'updated_at is maintained');

-- Deleting a rule: fine while it never fired (its state and silences go with it); once it has
-- incidents, a clear error says to disable it instead.
insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value, severity,
  notification_channels, description) values ('doomed_rule', 'delivery_rate', '<', 50, 'info', '{log}', 'to delete');
select sms_monitor.silence_sms_alerts('doomed_rule', now() + interval '1 hour', 'x');
set local role sms_monitor_admin;
select lives_ok($$delete from sms_monitor.sms_alert_thresholds where alert_type = 'delivery_rate_warning'$$,
  'an admin deletes a rule that never fired');
reset role;
insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, threshold_value, window_minutes,
  message, triggered_at, resolved_at, resolved_by)
values ('doomed_rule', 'info', 'delivery_rate', '<', 50, 60, 'fired once', '2030-01-01Z', '2030-01-01 01:00Z', 'auto');
set local role sms_monitor_admin;
select throws_ok($$delete from sms_monitor.sms_alert_thresholds where alert_type = 'doomed_rule'$$, '23503',
  'alert_type: rule ''doomed_rule'' has 1 incident(s) in sms_alert_history, which keep a reference to it: '
  'disable it instead: update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = ''doomed_rule''',
  'deleting a rule that fired: 23503 with a message that says to disable it instead');
reset role;
select is((select count(*)::int from sms_monitor.sms_alert_thresholds where alert_type in ('doomed_rule', 'delivery_rate_warning')),
  1, 'the rule that fired is still there');

select * from finish();
rollback;
