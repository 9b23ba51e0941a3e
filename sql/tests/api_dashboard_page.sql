-- The functions behind the HTTP API and the dashboard page: api_top_users, the gapless daily
-- series (api_daily_metrics over _daily_metrics_series), api_health (agrees with the alert
-- engine), api_alert_detail, api_alert_rules, api_prometheus_metrics, and the authenticator role.
-- "Today" is 2026-07-15 (UTC reporting timezone); every figure below is computed by hand.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(48);

create function pg_temp.sqlstate_as(p_role text, p_sql text) returns text language plpgsql as $$
begin
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when others then
    reset role;
    return sqlstate;
  end;
  reset role;
  return '00000';
end $$;

-- System-wide delivery: 01:00 1000 sent / 990 delivered; 10:00 100 sent / 80 delivered.
select sms_monitor.record_sms_metric('2026-07-15', 1, null, 'sent_count', 1000);
select sms_monitor.record_sms_metric('2026-07-15', 1, null, 'delivered_count', 990);
select sms_monitor.record_sms_metric('2026-07-15', 10, null, 'sent_count', 100);
select sms_monitor.record_sms_metric('2026-07-15', 10, null, 'delivered_count', 80);
-- Three users at 03:00; user 1 also on 2026-07-07 (8 days before: outside a 7-day window).
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000001', 'sent_count', 30);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000001', 'delivered_count', 30);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000001', 'llm_cost_usd', 0.5);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000002', 'sent_count', 50);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000002', 'delivered_count', 40);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000002', 'failed_count', 10);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000002', 'sms_cost_usd', 0.2);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000003', 'sent_count', 5);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000003', 'failed_count', 5);
select sms_monitor.record_sms_metric('2026-07-15', 3, 'a0000000-0000-0000-0000-000000000003', 'llm_cost_usd', 1.0);
select sms_monitor.record_sms_metric('2026-07-07', 12, 'a0000000-0000-0000-0000-000000000001', 'sent_count', 7);

-- ---- api_top_users --------------------------------------------------------------------------
select is(sms_monitor.api_top_users(7, 'sent', 10, '2026-07-15T10:30:00Z'), '{
  "success": true, "by": "sent", "days": 7, "date_range": {"start": "2026-07-09", "end": "2026-07-15"},
  "data": [
    {"rank": 1, "user_id": "a0000000-0000-0000-0000-000000000002", "sent": 50, "delivered": 40, "failed": 10,
     "delivery_rate_percent": 80.00, "llm_cost_usd": 0.0000, "sms_cost_usd": 0.2000, "cost_usd": 0.2000},
    {"rank": 2, "user_id": "a0000000-0000-0000-0000-000000000001", "sent": 30, "delivered": 30, "failed": 0,
     "delivery_rate_percent": 100.00, "llm_cost_usd": 0.5000, "sms_cost_usd": 0.0000, "cost_usd": 0.5000},
    {"rank": 3, "user_id": "a0000000-0000-0000-0000-000000000003", "sent": 5, "delivered": 0, "failed": 5,
     "delivery_rate_percent": 0.00, "llm_cost_usd": 1.0000, "sms_cost_usd": 0.0000, "cost_usd": 1.0000}]}'::jsonb,
  'api_top_users by sent: exact rows, each with its delivery rate; the 8th day back is outside 7 days');
select is((select array_agg(e ->> 'user_id' order by (e ->> 'rank')::int)
             from jsonb_array_elements(sms_monitor.api_top_users(7, 'cost', 10, '2026-07-15T10:30:00Z') -> 'data') e),
  array['a0000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001',
        'a0000000-0000-0000-0000-000000000002'], 'by cost: LLM + SMS cost, highest first (1.0, 0.5, 0.2)');
select is((select array_agg((e ->> 'user_id') || '=' || (e ->> 'failed') order by (e ->> 'rank')::int)
             from jsonb_array_elements(sms_monitor.api_top_users(7, 'failures', 10, '2026-07-15T10:30:00Z') -> 'data') e),
  array['a0000000-0000-0000-0000-000000000002=10', 'a0000000-0000-0000-0000-000000000003=5'],
  'by failures: users without failures are left out');
create temp table top_before as select sms_monitor.api_top_users(9, 'sent', 10, '2026-07-15T10:30:00Z') as top;
select is(jsonb_array_length(sms_monitor.api_top_users(7, 'sent', 1, '2026-07-15T10:30:00Z') -> 'data'), 1,
  'limit 1: one row');
select is(sms_monitor.api_top_users(9, 'sent', 10, '2026-07-15T10:30:00Z') #> '{data,1}' ->> 'sent', '37',
  '9 days include user 1''s 7 sends of 2026-07-07 (30 + 7)');
select throws_ok($$select sms_monitor.api_top_users(0)$$, '22023', 'days: must be between 1 and 365 (got 0)', 'days bounded');
select throws_ok($$select sms_monitor.api_top_users(7, 'volume')$$, '22023', 'by: must be sent, cost or failures (got ''volume'')', 'by checked');
select throws_ok($$select sms_monitor.api_top_users(7, 'sent', 101)$$, '22023', 'limit: must be between 1 and 100 (got 101)', 'limit bounded');
select throws_ok($$select sms_monitor.api_top_users(7, 'sent', 10, 'infinity')$$, '22023', 'now: must be a finite time', 'now finite');
select is(pg_temp.sqlstate_as('sms_monitor_self', 'select sms_monitor.api_top_users()'), '42501',
  'a self-only caller may not rank other users (42501)');
select is(pg_temp.sqlstate_as('sms_monitor_reader', 'select sms_monitor.api_top_users()'), '00000', 'a reader may');

-- ---- gapless daily series -----------------------------------------------------------------
select is(sms_monitor.api_daily_metrics('2026-07-13', '2026-07-15') -> 'data', '[
  {"metric_date": "2026-07-13", "scheduled_count": 0, "sent_count": 0, "delivered_count": 0, "failed_count": 0,
   "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
   "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
   "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": null,
   "llm_success_rate_percent": null, "active_users": 0},
  {"metric_date": "2026-07-14", "scheduled_count": 0, "sent_count": 0, "delivered_count": 0, "failed_count": 0,
   "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
   "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 0, "sms_cost_usd": 0,
   "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": null,
   "llm_success_rate_percent": null, "active_users": 0},
  {"metric_date": "2026-07-15", "scheduled_count": 0, "sent_count": 1185, "delivered_count": 1140, "failed_count": 15,
   "cancelled_count": 0, "llm_success_count": 0, "template_fallback_count": 0, "opt_out_count": 0,
   "quiet_hours_skip_count": 0, "daily_limit_hit_count": 0, "llm_cost_usd": 1.5, "sms_cost_usd": 0.2,
   "avg_delivery_time_ms": null, "avg_generation_time_ms": null, "delivery_rate_percent": 96.20,
   "llm_success_rate_percent": null, "active_users": 3}]'::jsonb,
  'before any rollup: every day of the range (live), quiet days with zeros and NULL rates');
select is(sms_monitor.rollup_sms_metrics() > 0, true, 'the rollup takes the events');
select is(sms_monitor.api_daily_metrics('2026-07-13', '2026-07-15') -> 'data',
  (select jsonb_agg(to_jsonb(d) order by d.metric_date) from sms_monitor._daily_metrics_series('2026-07-13', '2026-07-15') d),
  'after the rollup the same days');
select is((select array_agg((e ->> 'metric_date') || ':' || (e ->> 'sent_count') || ':' || coalesce(e ->> 'delivery_rate_percent', 'null')
                            order by e ->> 'metric_date')
             from jsonb_array_elements(sms_monitor.api_daily_metrics('2026-07-06', '2026-07-15') -> 'data') e),
  array['2026-07-06:0:null', '2026-07-07:7:0.00', '2026-07-08:0:null', '2026-07-09:0:null', '2026-07-10:0:null',
        '2026-07-11:0:null', '2026-07-12:0:null', '2026-07-13:0:null', '2026-07-14:0:null', '2026-07-15:1185:96.20'],
  'ten days, ten rows in order: the view''s two days and eight quiet ones');
-- api_top_users after the rollup: the same; every read is live (p_live is accepted, no effect).
select is(sms_monitor.api_top_users(9, 'sent', 10, '2026-07-15T10:30:00Z') -> 'data',
  (select top -> 'data' from top_before), 'after the rollup: the same ranking');
savepoint top_live;  -- rolled back below: the later figures stay those of the seed
select sms_monitor.record_sms_metric('2026-07-15', 4, 'a0000000-0000-0000-0000-000000000003', 'sent_count', 100);
select is((select array_agg((e ->> 'user_id') || '=' || (e ->> 'sent') order by (e ->> 'rank')::int)
             from jsonb_array_elements(sms_monitor.api_top_users(9, 'sent', 10, '2026-07-15T10:30:00Z') -> 'data') e),
  array['a0000000-0000-0000-0000-000000000003=105', 'a0000000-0000-0000-0000-000000000002=50',
        'a0000000-0000-0000-0000-000000000001=37'],
  'live by default: a send recorded after the rollup counts at once (user 3: 5 + 100)');
select is((select array_agg((e ->> 'user_id') || '=' || (e ->> 'sent') order by (e ->> 'rank')::int)
             from jsonb_array_elements(sms_monitor.api_top_users(9, 'sent', 10, '2026-07-15T10:30:00Z', true) -> 'data') e),
  array['a0000000-0000-0000-0000-000000000003=105', 'a0000000-0000-0000-0000-000000000002=50',
        'a0000000-0000-0000-0000-000000000001=37'],
  'p_live gives the same');
select sms_monitor.refresh_sms_metrics_daily();
select is(sms_monitor.api_top_users(9, 'sent', 1, '2026-07-15T10:30:00Z') #>> '{data,0,sent}', '105',
  'after the next rollup: unchanged');
rollback to savepoint top_live;
select throws_ok($$select * from sms_monitor._daily_metrics_series('2025-01-01', '2026-01-02')$$, '22023',
  'end_date: the range may span at most 366 days (got 367 days)', 'the series is bounded too');

-- ---- api_health -----------------------------------------------------------------------------
select is(sms_monitor.api_health('2026-07-20T10:30:00Z') #>> '{data,status}', 'unknown',
  'no traffic in any rule''s window and nothing open: unknown, not healthy');
select is((sms_monitor.api_health('2026-07-15T02:30:00Z') -> 'data') - 'rules'::text - 'as_of'::text, '{
  "status": "healthy", "overall_healthy": true, "driving_rule": null, "open_incidents": [],
  "reason": "no open critical or warning incident, no rule breaching its threshold"}'::jsonb,
  '01:00-03:00 window: 990 of 1000 delivered, healthy');
select is((sms_monitor.api_health('2026-07-15T10:30:00Z') -> 'data') - 'rules'::text - 'as_of'::text, '{
  "status": "degraded", "overall_healthy": false, "driving_rule": "delivery_rate_critical", "open_incidents": [],
  "reason": "delivery_rate_critical: delivery_rate 80.00 % < 90.00 % over the last 60 minutes; no incident open yet"}'::jsonb,
  '10:00 window breaches (80 of 100) before the check opened an incident: degraded, naming the rule');
select is((select e - 'detail'::text from jsonb_array_elements(sms_monitor.api_health('2026-07-15T10:30:00Z') #> '{data,rules}') e
            where e ->> 'alert_type' = 'delivery_rate_critical'), '{
  "alert_type": "delivery_rate_critical", "severity": "critical", "metric": "delivery_rate", "comparison": "<",
  "threshold_value": 90, "recovery_value": 92, "window_minutes": 60, "min_sample": 20, "value": 80.0000,
  "sample_size": 100, "state": "breached", "open_alert_id": null, "group_by": null, "group_value": null,
  "unit": "percent", "value_text": "80.00 %", "threshold_text": "90.00 %"}'::jsonb,
  'the rule''s value over its own window, as check_sms_alerts computes it, with its unit');
select is((select action from sms_monitor.check_sms_alerts('2026-07-15T10:30:00Z') where alert_type = 'delivery_rate_critical'),
  'fired', 'the check opens the delivery incident');
create temp table inc as
  select id from sms_monitor.sms_alert_history where alert_type = 'delivery_rate_critical' and resolved_at is null;
select is(sms_monitor.api_today_metrics('2026-07-15T10:31:00Z', true) #> '{data,delivery_rate_percent}', '96.20'::jsonb,
  'the whole-day figure is 96.2 % delivered...');
select is((sms_monitor.api_health('2026-07-15T10:31:00Z') -> 'data') - 'rules'::text - 'as_of'::text - 'open_incidents'::text - 'reason'::text,
  '{"status": "critical", "overall_healthy": false, "driving_rule": "delivery_rate_critical"}'::jsonb,
  '...but health is critical while the critical incident is open, and names its rule');
select is(sms_monitor.api_today_metrics('2026-07-15T10:31:00Z', true) #>> '{data,health,status}', 'critical',
  '...and /today says the same (one definition of health)');
select matches(sms_monitor.api_health('2026-07-15T10:31:00Z') #>> '{data,reason}',
  '^delivery_rate_critical: critical incident open for 1 min: ', 'the reason says for how long');
select is((select array[e ->> 'id', e ->> 'severity', e ->> 'silenced']
             from jsonb_array_elements(sms_monitor.api_health('2026-07-15T10:31:00Z') #> '{data,open_incidents}') e),
  array[(select id::text from inc), 'critical', 'false'], 'the open incident is listed');
select sms_monitor.acknowledge_sms_alert((select id from inc), 'alice', '2026-07-15T10:32:00Z');
select is(sms_monitor.api_health('2026-07-15T12:30:00Z') #>> '{data,status}', 'critical',
  'acknowledged, and the window has no data any more: still critical while the incident is open (as the engine says)');

-- ---- api_alert_detail -----------------------------------------------------------------------
select is(sms_monitor.api_alert_detail((select id from inc)) #> '{data,channels,0,summary}', '"waiting, not configured"'::jsonb,
  'per channel: a pending row that no live notifier serves waits for one');
select sms_monitor.sms_notifier_heartbeat('notifier-1', '{pagerduty}', 30);
select is(sms_monitor.api_alert_detail((select id from inc)) #> '{data,channels}', '[
  {"channel": "pagerduty", "event": "acknowledge", "status": "pending", "attempts": 0, "last_error": null,
   "sent_at": null, "summary": "waiting"}]'::jsonb, 'per channel: the latest notification, waiting (a notifier serves pagerduty)');
update sms_monitor.sms_alert_notifications
   set status = 'failed', attempts = 1, last_error = 'not configured'
 where alert_id = (select id from inc);
select is(sms_monitor.api_alert_detail((select id from inc)) #> '{data,channels,0,summary}', '"failed: not configured"'::jsonb,
  'a failed channel says why');
select is((select array_agg((e ->> 'channel') || '/' || (e ->> 'event') || '/' || (e ->> 'status') || '/' || (e ->> 'attempts')
                            order by (e ->> 'id')::bigint)
             from jsonb_array_elements(sms_monitor.api_alert_detail((select id from inc)) #> '{data,notifications}') e),
  array['pagerduty/trigger/failed/1', 'pagerduty/acknowledge/failed/1'], 'every outbox row, oldest first');
select is(sms_monitor.api_alert_detail((select id from inc)) #>> '{data,alert,acknowledged_by}', 'alice',
  'the incident row itself');
select throws_ok($$select sms_monitor.api_alert_detail('00000000-0000-0000-0000-000000000000')$$, 'P0002',
  'alert_id: alert 00000000-0000-0000-0000-000000000000 does not exist', 'unknown id: P0002');
select throws_ok($$select sms_monitor.api_alert_detail(null)$$, '22023', 'alert_id: is required', 'NULL id: 22023');

-- ---- api_alert_rules ------------------------------------------------------------------------
select is((select array[count(*)::text, max(e ->> 'last_action') filter (where e ->> 'alert_type' = 'delivery_rate_critical'),
                        max(e ->> 'open_alert_id') filter (where e ->> 'alert_type' = 'delivery_rate_critical'),
                        max(e ->> 'notification_channels') filter (where e ->> 'alert_type' = 'delivery_rate_critical')]
             from jsonb_array_elements(sms_monitor.api_alert_rules() -> 'data') e),
  array['10', 'fired', (select id::text from inc), '["pagerduty"]'], 'every rule with its last action and open incident');

-- ---- api_prometheus_metrics -----------------------------------------------------------------
update sms_monitor.sms_alert_notifications set status = 'pending', created_at = '2026-07-15T10:29:30Z'
 where alert_id = (select id from inc) and event = 'trigger';
create temp table prom as
  select regexp_split_to_table(sms_monitor.api_prometheus_metrics('2026-07-15T10:31:00Z'), E'\n') as line;
select ok(exists (select from prom where line = 'sms_monitor_today_events{type="sent_count"} 1185'), 'today''s sends');
select ok(exists (select from prom where line = 'sms_monitor_today_rate_percent{rate="delivery"} 96.20'), 'today''s delivery rate');
select ok(not exists (select from prom where line like 'sms_monitor_today_rate_percent{rate="llm_success"}%'),
  'no LLM traffic: the LLM rate is absent, not 0');
select ok(exists (select from prom where line = 'sms_monitor_open_incidents{rule="delivery_rate_critical",severity="critical"} 1'),
  'the open incident by rule and severity');
select ok(exists (select from prom where line = 'sms_monitor_outbox_notifications{channel="pagerduty",status="failed"} 1')
      and exists (select from prom where line = 'sms_monitor_outbox_notifications{channel="pagerduty",status="pending"} 1'),
  'outbox rows by channel and status');
select ok(exists (select from prom where line = 'sms_monitor_oldest_pending_notification_age_seconds 90.000'),
  'the oldest pending notification is 90 s old');

-- ---- the authenticator role ------------------------------------------------------------------
select is((select array[rolcanlogin, rolinherit] from pg_roles where rolname = 'sms_monitor_authenticator'),
  array[false, false], 'sms_monitor_authenticator: NOLOGIN NOINHERIT');
select ok(pg_has_role('sms_monitor_authenticator', 'sms_monitor_admin', 'MEMBER')
      and pg_has_role('sms_monitor_authenticator', 'sms_monitor_reader', 'MEMBER')
      and pg_has_role('sms_monitor_authenticator', 'sms_monitor_self', 'MEMBER')
      and pg_has_role('sms_monitor_authenticator', 'sms_monitor_writer', 'MEMBER')
      and not pg_has_role('sms_monitor_authenticator', 'sms_monitor_notifier', 'MEMBER'),
  'it may switch to admin, reader, self and (for signed provider webhooks) writer, nothing else');
select ok(not pg_has_role('sms_monitor_authenticator', 'sms_monitor_reader', 'USAGE'),
  'and has none of their rights before it switches');

select * from finish();
rollback;
