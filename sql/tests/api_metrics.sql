-- api_daily_metrics, api_user_metrics, api_today_metrics, api_metrics_summary: exact bodies for
-- seeded data, every validation error (22023 with the endpoint's message), self-only refusals.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(35);

create function pg_temp.sqlstate_as(p_role text, p_sub text, p_sql text) returns text language plpgsql as $$
begin
  perform set_config('request.jwt.claims', coalesce(json_build_object('sub', p_sub)::text, ''), true);
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when others then
    reset role;
    return sqlstate || ' ' || sqlerrm;
  end;
  reset role;
  return '00000';
end $$;
create function pg_temp.as_self(p_sub text, p_sql text) returns jsonb language plpgsql as $$
declare v jsonb;
begin
  perform set_config('request.jwt.claims', json_build_object('sub', p_sub)::text, true);
  set local role sms_monitor_self;
  execute p_sql into v;
  reset role;
  return v;
end $$;

-- "Today" is 2026-05-10 (p_now = 12:00 UTC); the week is 05-04..05-10.
select sms_monitor.record_sms_events(jsonb_build_array(
  -- user A today
  jsonb_build_object('metric_type', 'scheduled_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 12, 'occurred_at', '2026-05-10T08:00:00Z'),
  jsonb_build_object('metric_type', 'sent_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 10, 'occurred_at', '2026-05-10T08:00:00Z'),
  jsonb_build_object('metric_type', 'delivered_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 9, 'occurred_at', '2026-05-10T09:00:00Z'),
  jsonb_build_object('metric_type', 'failed_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 1, 'occurred_at', '2026-05-10T09:00:00Z'),
  jsonb_build_object('metric_type', 'llm_success_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 3, 'occurred_at', '2026-05-10T07:00:00Z'),
  jsonb_build_object('metric_type', 'template_fallback_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 1, 'occurred_at', '2026-05-10T07:00:00Z'),
  jsonb_build_object('metric_type', 'llm_cost_usd', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 0.0036, 'occurred_at', '2026-05-10T07:00:00Z'),
  jsonb_build_object('metric_type', 'avg_delivery_time_ms', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 1000, 'occurred_at', '2026-05-10T09:00:00Z'),
  jsonb_build_object('metric_type', 'avg_delivery_time_ms', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 2000, 'occurred_at', '2026-05-10T10:00:00Z'),
  -- user B today, system-wide SMS cost today
  jsonb_build_object('metric_type', 'sent_count', 'user_id', 'b0000000-0000-0000-0000-00000000000b', 'value', 10, 'occurred_at', '2026-05-10T08:00:00Z'),
  jsonb_build_object('metric_type', 'delivered_count', 'user_id', 'b0000000-0000-0000-0000-00000000000b', 'value', 8, 'occurred_at', '2026-05-10T09:00:00Z'),
  jsonb_build_object('metric_type', 'opt_out_count', 'user_id', 'b0000000-0000-0000-0000-00000000000b', 'value', 1, 'occurred_at', '2026-05-10T09:00:00Z'),
  jsonb_build_object('metric_type', 'sms_cost_usd', 'value', 0.50, 'occurred_at', '2026-05-10T11:00:00Z'),
  -- earlier days: 05-09 and 05-04 are in the week, 05-03 is the 8th day (not counted)
  jsonb_build_object('metric_type', 'sent_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 100, 'occurred_at', '2026-05-09T12:00:00Z'),
  jsonb_build_object('metric_type', 'delivered_count', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 99, 'occurred_at', '2026-05-09T12:00:00Z'),
  jsonb_build_object('metric_type', 'llm_cost_usd', 'user_id', 'a0000000-0000-0000-0000-00000000000a', 'value', 0.0100, 'occurred_at', '2026-05-09T12:00:00Z'),
  jsonb_build_object('metric_type', 'sent_count', 'value', 5, 'occurred_at', '2026-05-04T00:00:00Z'),
  jsonb_build_object('metric_type', 'delivered_count', 'value', 5, 'occurred_at', '2026-05-04T23:59:59Z'),
  jsonb_build_object('metric_type', 'sent_count', 'value', 1000, 'occurred_at', '2026-05-03T23:59:59Z')
));
select sms_monitor.refresh_sms_metrics_daily();
-- Recorded after the rollup (refresh_sms_metrics_daily runs it): every read is live, so it counts.
select sms_monitor.record_sms_event('sent_count', 'b0000000-0000-0000-0000-00000000000b', 1, '2026-05-10T11:30:00Z');

-- api_daily_metrics
select is(sms_monitor.api_daily_metrics('2026-05-03', '2026-05-04'), jsonb_build_object(
  'success', true,
  'data', jsonb_build_array(
    '{"metric_date": "2026-05-03", "scheduled_count": 0, "sent_count": 1000, "delivered_count": 0, "failed_count": 0,
      "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
      "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
      "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": 0.00,
      "llm_success_rate_percent": null, "active_users": 0}'::jsonb,
    '{"metric_date": "2026-05-04", "scheduled_count": 0, "sent_count": 5, "delivered_count": 5, "failed_count": 0,
      "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
      "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
      "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": 100.00,
      "llm_success_rate_percent": null, "active_users": 0}'::jsonb),
  'date_range', '{"start": "2026-05-03", "end": "2026-05-04"}'::jsonb),
  'api_daily_metrics: the view''s rows for the inclusive range, in the {success, data} envelope');
select is(sms_monitor.api_daily_metrics('2026-05-05', '2026-05-06'),
  '{"success": true, "data": [
     {"metric_date": "2026-05-05", "scheduled_count": 0, "sent_count": 0, "delivered_count": 0, "failed_count": 0,
      "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
      "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
      "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": null,
      "llm_success_rate_percent": null, "active_users": 0},
     {"metric_date": "2026-05-06", "scheduled_count": 0, "sent_count": 0, "delivered_count": 0, "failed_count": 0,
      "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
      "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
      "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": null,
      "llm_success_rate_percent": null, "active_users": 0}],
   "date_range": {"start": "2026-05-05", "end": "2026-05-06"}}'::jsonb,
  'a range without traffic: every day, zero counts and NULL rates (no gaps for a trend chart)');
select is(sms_monitor.api_daily_metrics(sms_monitor.reporting_today()) -> 'date_range',
  jsonb_build_object('start', sms_monitor.reporting_today(), 'end', sms_monitor.reporting_today()),
  'end_date omitted: today in the reporting timezone (never null)');
select is((select array[count(*), count(*) filter (where (e ->> 'sent_count')::int > 0)]::int[]
             from jsonb_array_elements(sms_monitor.api_daily_metrics('2025-05-10', '2026-05-10') -> 'data') e),
  array[366, 4], '366 days is the longest range allowed: 366 rows, 4 of them with traffic');
select throws_ok($$select sms_monitor.api_daily_metrics(null)$$, '22023', 'start_date: is required (YYYY-MM-DD)',
  'start_date is required');
select throws_ok($$select sms_monitor.api_daily_metrics('2026-05-10', '2026-05-09')$$, '22023',
  'end_date: 2026-05-09 is before start_date 2026-05-10', 'end before start refused');
select throws_ok($$select sms_monitor.api_daily_metrics('2025-05-09', '2026-05-10')$$, '22023',
  'end_date: the range may span at most 366 days (got 367 days)', 'more than 366 days refused');

-- api_today_metrics
select is(sms_monitor.api_today_metrics(p_live => true, p_now => '2026-05-10T12:00:00Z'), '{"success": true, "source": "live",
    "as_of": "2026-05-10T12:00:00Z", "data": {
    "metric_date": "2026-05-10", "scheduled_count": 12, "sent_count": 21, "delivered_count": 17, "failed_count": 1,
    "cancelled_count": 0, "llm_success_count": 3, "template_fallback_count": 1, "opt_out_count": 1,
    "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0.0036, "sms_cost_usd": 0.50,
    "avg_delivery_time_ms": 1500.00, "avg_generation_time_ms": null, "delivery_rate_percent": 80.95,
    "llm_success_rate_percent": 75.00, "active_users": 2,
    "health": {"status": "unknown", "overall_healthy": null, "driving_rule": null, "reason": "no rule has enough data yet (no traffic in its window)", "as_of": "2026-05-10T12:00:00Z"}}}'::jsonb,
  'api_today_metrics: live figures (21 sent includes the one after the rollup), true mean, the engine''s health (no traffic in any rule''s window at noon: unknown)');
select is((select string_agg(k, ',' order by k) from jsonb_object_keys(sms_monitor.api_today_metrics('2026-05-10T12:00:00Z')) k)
           || ' ' || (sms_monitor.api_today_metrics('2026-05-10T12:00:00Z') ->> 'source'),
  'as_of,data,source,success sms_metrics_daily', 'by default today comes from the view and says so');
select is((sms_monitor.api_today_metrics('2026-05-10T12:00:00Z') -> 'data') - 'health',
  ((sms_monitor.api_today_metrics(p_live => true, p_now => '2026-05-10T12:00:00Z') -> 'data') - 'health')
,
  'the view is live too: the send recorded after the rollup is there (same figures as p_live)');
select is(sms_monitor.api_today_metrics(p_live => true, p_now => '2030-01-01T00:00:00Z'), '{"success": true, "source": "live",
    "as_of": "2030-01-01T00:00:00Z", "data": {
    "metric_date": "2030-01-01", "scheduled_count": 0, "sent_count": 0, "delivered_count": 0, "failed_count": 0,
    "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
    "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
    "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": null,
    "llm_success_rate_percent": null, "active_users": 0,
    "health": {"status": "unknown", "overall_healthy": null, "driving_rule": null, "reason": "no rule has enough data yet (no traffic in its window)", "as_of": "2030-01-01T00:00:00Z"}}}'::jsonb,
  'no traffic yet: health unknown (null), not unhealthy');
select throws_ok($$select sms_monitor.api_today_metrics(p_live => true, p_now => 'infinity')$$, '22023', 'now: must be a finite time',
  'an infinite now refused');
-- One definition of health: the alert engine's, over each rule's own window (delivery_rate_critical:
-- delivered < 90 % of at least 20 sent in the last 60 minutes). 18 of 20 is exactly 90 %: healthy;
-- 17 of 20 breaches: degraded, naming the rule, before any check opened an incident.
select sms_monitor.record_sms_event('sent_count', null, 20, '2026-06-01T11:30:00Z');
select sms_monitor.record_sms_event('delivered_count', null, 18, '2026-06-01T11:30:00Z');
select is(sms_monitor.api_today_metrics(p_live => true, p_now => '2026-06-01T12:00:00Z') #> '{data,health}',
  '{"status": "healthy", "overall_healthy": true, "driving_rule": null, "as_of": "2026-06-01T12:00:00Z",
    "reason": "no open critical or warning incident, no rule breaching its threshold"}'::jsonb,
  '18 of 20 delivered in the last hour (90 % exactly) is healthy');
select sms_monitor.record_sms_event('sent_count', null, 20, '2026-06-02T11:30:00Z');
select sms_monitor.record_sms_event('delivered_count', null, 17, '2026-06-02T11:30:00Z');
select is(sms_monitor.api_today_metrics(p_live => true, p_now => '2026-06-02T12:00:00Z') #> '{data,health}',
  '{"status": "degraded", "overall_healthy": false, "driving_rule": "delivery_rate_critical", "as_of": "2026-06-02T12:00:00Z",
    "reason": "delivery_rate_critical: delivery_rate 85.00 % < 90.00 % over the last 60 minutes; no incident open yet"}'::jsonb,
  '17 of 20 delivered in the last hour breaches: degraded, naming the rule, with units');
select is(sms_monitor.api_today_metrics(p_live => true, p_now => '2026-06-02T12:00:00Z') #> '{data,health}',
  (sms_monitor.api_health('2026-06-02T12:00:00Z') -> 'data') - 'rules' - 'open_incidents',
  'today''s health is api_health''s, key for key');
select is(sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-06-02T12:00:00Z') #> '{data,health}',
  (sms_monitor.api_health('2026-06-02T12:00:00Z') -> 'data') - 'rules' - 'open_incidents',
  'the summary''s health is api_health''s, key for key');

-- api_metrics_summary (no incidents yet)
select is(sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z') - 'success' #- '{data,today}', '{"source": "live",
    "as_of": "2026-05-10T12:00:00Z", "data": {
    "week": {"start_date": "2026-05-04", "end_date": "2026-05-10", "days": 7,
             "totals": {"scheduled": 12, "sent": 126, "delivered": 121, "failed": 1, "cancelled": 0,
                        "llm_success": 3, "template_fallback": 1, "opt_out": 1,
                        "llm_cost_usd": 0.0136, "sms_cost_usd": 0.50},
             "delivery_rate_percent": 96.03, "llm_success_rate_percent": 75.00, "avg_daily_cost_usd": 0.0734},
    "alerts": {"unresolved_count": 0, "has_critical": false, "recent": []},
    "health": {"status": "unknown", "overall_healthy": null, "driving_rule": null, "reason": "no rule has enough data yet (no traffic in its window)", "as_of": "2026-05-10T12:00:00Z"}}}'::jsonb,
  'summary: 7 days including today (05-03''s 1,000 sends excluded), rates from totals, numbers as numbers, the engine''s health');
select is(sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z') -> 'data' -> 'today',
  sms_monitor.api_today_metrics(p_live => true, p_now => '2026-05-10T12:00:00Z') -> 'data', 'summary.today is api_today_metrics');
select is(sms_monitor.api_metrics_summary(p_live => true, p_now => '2030-01-01T00:00:00Z') #> '{data,health,status}',
  '"unknown"'::jsonb, 'no traffic and no incident: unknown (not known to be healthy, not degraded)');

-- Incidents: one critical and one warning open, one warning resolved, four info rules open.
insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, severity, notification_channels, description)
select 'test_info_' || g, 'delivery_rate', '<', 10, 'info', '{log}', 'test rule' from generate_series(1, 4) g;
insert into sms_monitor.sms_alert_history
  (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, message,
   triggered_at, resolved_at, resolved_by)
values
  ('11111111-0000-0000-0000-000000000001', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80.95, 90, 60,
   'delivery rate 80.95 % < 90 %', '2026-05-10T10:00:00Z', null, null),
  ('11111111-0000-0000-0000-000000000002', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 50, 10, 60,
   'opt-out rate 50 % > 10 %', '2026-05-10T11:00:00Z', null, null),
  ('11111111-0000-0000-0000-000000000003', 'llm_cost_spike_warning', 'warning', 'llm_cost_spike', '>', 3, 2, 60,
   'cost spike 3x', '2026-05-09T08:00:00Z', '2026-05-09T09:00:00Z', 'ops');
insert into sms_monitor.sms_alert_history
  (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, message, triggered_at)
select ('11111111-0000-0000-0000-00000000001' || g)::uuid, 'test_info_' || g, 'info', 'delivery_rate', '<', 5, 10, 60,
       'info ' || g, '2026-05-10T05:00:00Z'::timestamptz + g * interval '1 minute'
  from generate_series(1, 4) g;

select is((sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z') #> '{data,alerts}') - 'recent'
          || jsonb_build_object('recent', jsonb_path_query_array(
               sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z'), '$.data.alerts.recent[*].id')), '{
    "unresolved_count": 6, "has_critical": true, "recent": ["11111111-0000-0000-0000-000000000002",
      "11111111-0000-0000-0000-000000000001", "11111111-0000-0000-0000-000000000014",
      "11111111-0000-0000-0000-000000000013", "11111111-0000-0000-0000-000000000012"]}'::jsonb,
  'alerts: a true count of 6 open (not the length of the limited list), has_critical, the 5 most recent');
select is((sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z') #> '{data,alerts,recent,1}') - 'created_at', '{
    "id": "11111111-0000-0000-0000-000000000001", "alert_type": "delivery_rate_critical", "severity": "critical",
    "metric": "delivery_rate", "comparison": "<", "metric_value": 80.95, "threshold_value": 90, "recovery_value": null,
    "window_minutes": 60, "sample_size": null, "message": "delivery rate 80.95 % < 90 %",
    "triggered_at": "2026-05-10T10:00:00Z", "last_value": null, "last_evaluated_at": null, "resolved_at": null,
    "resolved_by": null, "resolution_value": null, "acknowledged_at": null, "acknowledged_by": null, "silenced": false,
    "last_notified_at": null, "repeat_count": 0, "notification_sent": false, "notification_error": null,
    "notification_status": {}, "dedup_key": "sms-monitor/delivery_rate_critical/11111111-0000-0000-0000-000000000001",
    "duration_seconds": null, "unit": "percent", "value_text": "80.95 %", "threshold_text": "90.00 %",
    "group_by": null, "group_value": null}'::jsonb,
  'a recent incident: every column, times as ISO 8601 UTC with Z, its unit and values with the unit');
select is((select sms_monitor._incident_json(h) -> 'duration_seconds' from sms_monitor.sms_alert_history h
            where h.id = '11111111-0000-0000-0000-000000000003'), '3600'::jsonb,
  'a resolved incident says how long it was open (duration_seconds)');
select is((select array_agg(sms_monitor._duration_text(x) order by n) from unnest(array[interval '0.5 s', '-5 min', '59 min 59 s',
            '1 h', '47 h 59 min', '48 h', '400 days 3 h']) with ordinality u(x, n)),
  array['0 s', '0 s', '59 min', '1 h 0 min', '47 h 59 min', '2 d 0 h', '400 d 3 h'],
  'durations in words: seconds below a minute, minutes, then hours and minutes below 2 days, then days and hours');
select is(sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z') #> '{data,health}', '{
    "overall_healthy": false, "status": "critical", "driving_rule": "delivery_rate_critical", "as_of": "2026-05-10T12:00:00Z",
    "reason": "delivery_rate_critical: critical incident open for 2 h 0 min: delivery_rate 80.95 % < 90.00 % (it opened at 80.95 %)"}'::jsonb,
  'an open critical incident makes the status critical, naming its rule');
update sms_monitor.sms_alert_history set resolved_at = '2026-05-10T11:30:00Z', resolved_by = 'ops'
 where id = '11111111-0000-0000-0000-000000000001';
select is(sms_monitor.api_metrics_summary(p_live => true, p_now => '2026-05-10T12:00:00Z') #> '{data,health}', '{
    "overall_healthy": false, "status": "degraded", "driving_rule": "opt_out_rate_warning", "as_of": "2026-05-10T12:00:00Z",
    "reason": "opt_out_rate_warning: warning incident open for 1 h 0 min: opt_out_rate 50.00 % > 10.00 % (it opened at 50.00 %)"}'::jsonb,
  'an open warning alone degrades; open info incidents do not count');

-- api_user_metrics: a fixed p_now (2026-05-10 is today, 2026-05-09 yesterday; the 11th never counts).
select sms_monitor._record_metric('2026-05-10'::date, 9, 'c0000000-0000-0000-0000-00000000000c', 'sent_count', 4);
select sms_monitor._record_metric('2026-05-10'::date, 9, 'c0000000-0000-0000-0000-00000000000c', 'delivered_count', 3);
select sms_monitor._record_metric('2026-05-09'::date, 9, 'c0000000-0000-0000-0000-00000000000c', 'sent_count', 6);
select sms_monitor._record_metric('2026-05-09'::date, 9, 'c0000000-0000-0000-0000-00000000000c', 'delivered_count', 6);
select sms_monitor._record_metric('2026-05-09'::date, 9, 'c0000000-0000-0000-0000-00000000000c', 'llm_cost_usd', 0.00125);
select sms_monitor._record_metric('2026-05-11'::date, 9, 'c0000000-0000-0000-0000-00000000000c', 'sent_count', 7);
select is(sms_monitor.api_user_metrics('c0000000-0000-0000-0000-00000000000c', 2, '2026-05-10T23:00:00Z') #> '{data,summary}', '{
    "total_scheduled": 0, "total_sent": 10, "total_delivered": 9, "total_failed": 0, "total_cancelled": 0,
    "delivery_rate_percent": 90.00, "total_llm_cost_usd": 0.0013, "total_sms_cost_usd": 0.0000, "days": 2}'::jsonb,
  'user summary: rate from the totals, 9 / 10 = 90.00 (the mean of the daily rates would be 87.50)');
select is(sms_monitor.api_user_metrics('c0000000-0000-0000-0000-00000000000c', 2, '2026-05-10T23:00:00Z') - 'data',
  '{"success": true, "user_id": "c0000000-0000-0000-0000-00000000000c"}'::jsonb, 'envelope and user_id');
select is(sms_monitor.api_user_metrics('c0000000-0000-0000-0000-00000000000c', 2, '2026-05-10T23:00:00Z') #> '{data,metrics}',
  jsonb_build_array(
    jsonb_build_object('metric_date', '2026-05-09'::date, 'scheduled_count', 0, 'sent_count', 6,
      'delivered_count', 6, 'failed_count', 0, 'cancelled_count', 0, 'llm_success_count', 0,
      'template_fallback_count', 0, 'opt_out_count', 0, 'quiet_hours_skip_count', 0, 'daily_limit_hit_count', 0,
      'llm_cost_usd', 0.00125, 'sms_cost_usd', 0, 'avg_delivery_time_ms', null, 'avg_generation_time_ms', null,
      'delivery_rate_percent', 100.00, 'llm_success_rate_percent', null),
    jsonb_build_object('metric_date', '2026-05-10'::date, 'scheduled_count', 0, 'sent_count', 4,
      'delivered_count', 3, 'failed_count', 0, 'cancelled_count', 0, 'llm_success_count', 0,
      'template_fallback_count', 0, 'opt_out_count', 0, 'quiet_hours_skip_count', 0, 'daily_limit_hit_count', 0,
      'llm_cost_usd', 0, 'sms_cost_usd', 0, 'avg_delivery_time_ms', null, 'avg_generation_time_ms', null,
      'delivery_rate_percent', 75.00, 'llm_success_rate_percent', null)),
  'user metrics: one row per day, oldest first');
select throws_ok($$select sms_monitor.api_user_metrics('c0000000-0000-0000-0000-00000000000c', 0)$$, '22023',
  'days: must be between 1 and 365 (got 0)', 'days 0 refused');
select throws_ok($$select sms_monitor.api_user_metrics('c0000000-0000-0000-0000-00000000000c', 366)$$, '22023',
  'days: must be between 1 and 365 (got 366)', 'days 366 refused');
select throws_ok($$select sms_monitor.api_user_metrics(null, 30)$$, '22023',
  'user_id: is required (or call as a signed-in user: request.jwt.claims.sub)', 'no user and no caller identity');

-- The self-only role: its own figures (user omitted = itself), 42501 for anyone else's.
select is(pg_temp.as_self('c0000000-0000-0000-0000-00000000000c',
    $$select sms_monitor.api_user_metrics(null, 2, '2026-05-10T23:00:00Z') #> '{data,summary,total_sent}'$$),
  '10'::jsonb, 'self-only caller, user omitted: its own figures');
select is(pg_temp.sqlstate_as('sms_monitor_self', 'c0000000-0000-0000-0000-00000000000c',
    $$select sms_monitor.api_user_metrics('a0000000-0000-0000-0000-00000000000a', 2)$$),
  '42501 user_id: permission denied to read metrics of user a0000000-0000-0000-0000-00000000000a',
  'self-only caller reading another user: 42501 (no reading by guessing an id)');
select is(pg_temp.sqlstate_as('sms_monitor_self', 'c0000000-0000-0000-0000-00000000000c',
    $$select sms_monitor.api_today_metrics()$$),
  '42501 permission denied for function api_today_metrics', 'self-only caller gets no system-wide dashboard');
select is(pg_temp.sqlstate_as('sms_monitor_writer', null, $$select sms_monitor.api_metrics_summary()$$),
  '42501 permission denied for function api_metrics_summary', 'a writer reads no dashboard');

select * from finish();
rollback;
