-- Per-dimension rules (group_by): carrier_delivery_rate_critical is evaluated per carrier, each with
-- its own minimum sample, incident, dedup_key and resolution; windows [p_now - 15 min, p_now) exact.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(25);
update sms_monitor.settings set metric_retention_days = 36500;

-- p_n messages of one carrier sent at p_at, each reaching p_status (NULL: none yet) 5 s later
create function pg_temp.msgs(p_prefix text, p_n int, p_carrier text, p_at timestamptz, p_status text,
                             p_error text default null) returns int language sql as $f$
  select sms_monitor.record_sms_message_events(jsonb_agg(e))
    from generate_series(1, p_n) i
   cross join lateral (values
     (jsonb_build_object('message_id', p_prefix || i, 'status', 'sent', 'occurred_at', p_at, 'carrier', p_carrier,
                         'sender', 'S1')),
     (case when p_status is not null then jsonb_strip_nulls(jsonb_build_object('message_id', p_prefix || i,
        'status', p_status, 'occurred_at', p_at + interval '5 seconds', 'error_code', p_error)) end)) v(e)
   where e is not null;
  -- and fold them, as the rollup job does every 2 s
  select sms_monitor.rollup_sms_messages()::int
$f$;
create temp table res as select * from sms_monitor._alert_evaluate('2026-06-01 11:00Z') limit 0;
create function pg_temp.run(p_now timestamptz) returns void language sql as $f$
  delete from res;
  insert into res select * from sms_monitor._alert_evaluate(p_now) where alert_type = 'carrier_delivery_rate_critical';
$f$;

-- 11:50: carrier A 40 delivered + 20 undelivered (66.67 %), B 95 + 5 (95 %), C 30 + 19 (61.22 % of
-- only 49 terminal: below the minimum of 50)
select pg_temp.msgs('a1-', 40, 'A', '2026-06-01 11:50Z', 'delivered');
select pg_temp.msgs('a2-', 20, 'A', '2026-06-01 11:50Z', 'undelivered', '30003');
select pg_temp.msgs('b1-', 95, 'B', '2026-06-01 11:50Z', 'delivered');
select pg_temp.msgs('b2-', 5, 'B', '2026-06-01 11:50Z', 'failed', '30008');
select pg_temp.msgs('c1-', 30, 'C', '2026-06-01 11:50Z', 'delivered');
select pg_temp.msgs('c2-', 19, 'C', '2026-06-01 11:50Z', 'undelivered', '30003');
-- not terminal (sent, no receipt yet) and unknown carrier: counted for no carrier's rate
select pg_temp.msgs('a3-', 7, 'A', '2026-06-01 11:50Z', null);
select sms_monitor.record_sms_message_events(jsonb_build_array(
  jsonb_build_object('message_id', 'x1', 'status', 'undelivered', 'occurred_at', '2026-06-01T11:52:00Z')));

select pg_temp.run('2026-06-01 12:00Z');
select sms_monitor.rollup_sms_messages();
select results_eq($$select group_value, action, metric_value, sample_size from res order by group_value$$,
  $$values ('A', 'fired', 66.6667::numeric, 60::bigint), ('B', 'ok', 95.0000, 100), ('C', 'no_data', 61.2245, 49)$$,
  'per carrier: A 40/60 = 66.67 % < 85 fires; B 95/100 ok; C 30/49 has 49 < 50 terminal: no_data');
select is((select count(*)::int from res where group_by = 'carrier'), 3, 'every row names the dimension');
create temp table inc_a as select alert_id as id from res where group_value = 'A';
select is((select message from sms_monitor.sms_alert_history where id = (select id from inc_a)),
  'Delivery rate on carrier A is 66.67 % (threshold: < 85.00 %) over the last 15 min: 40 delivered of 60 terminal '
  '(20 undelivered or failed); messages from 2026-06-01 11:45:00 to 12:00:00 UTC.',
  'the message names the carrier, the value and the counts');
select is((select dedup_key from sms_monitor.sms_alert_history where id = (select id from inc_a)),
  'sms-monitor/carrier_delivery_rate_critical/carrier=A/' || (select id from inc_a),
  'the dedup_key names the carrier');
select is((select array[group_by, group_value] from sms_monitor.sms_alert_history where id = (select id from inc_a)),
  array['carrier', 'A'], 'the incident stores its dimension and value');
select is((select string_agg(channel || '/' || event, ',') from sms_monitor.sms_alert_notifications
            where alert_id = (select id from inc_a)), 'pagerduty/trigger', 'one PagerDuty trigger for carrier A');
select is((select string_agg(group_value || ':' || last_action, ',' order by group_value) from sms_monitor.sms_alert_group_state
            where alert_type = 'carrier_delivery_rate_critical'), 'A:fired,B:ok,C:no_data', 'state stored per value');
select is((select last_action from sms_monitor.sms_alert_rule_state where alert_type = 'carrier_delivery_rate_critical'),
  'fired', 'the rule''s own state records its most urgent action');

-- window edges: [p_now - 15 min, p_now); the 11:50 messages are in at 12:05:00 and out a microsecond later
select pg_temp.msgs('a4-', 60, 'A', '2026-06-01 12:05Z', 'delivered');
select is((select metric_value from sms_monitor._alert_message_values('2026-06-01 12:05Z', 'carrier_delivery_rate_critical')
            where group_value = 'A'), 66.6666666666666667::numeric,
  'at 12:05 the window starts exactly at 11:50: those count, the 12:05 sends (at the end) do not');
select is((select metric_value from sms_monitor._alert_message_values('2026-06-01 12:05:00.000001Z', 'carrier_delivery_rate_critical')
            where group_value = 'A'), 100::numeric,
  'a microsecond later the 11:50 sends are out and the 12:05 ones in: 60/60');

-- 12:10: A recovers (only its 12:05 sends are in the window) while B breaks (30 of 60)
select pg_temp.msgs('b3-', 30, 'B', '2026-06-01 12:05Z', 'delivered');
select pg_temp.msgs('b4-', 30, 'B', '2026-06-01 12:05Z', 'undelivered', '30007');
select pg_temp.run('2026-06-01 12:10Z');
select results_eq($$select group_value, action, metric_value, sample_size from res order by group_value$$,
  $$values ('A', 'resolved', 100::numeric, 60::bigint), ('B', 'fired', 50.0000, 60)$$,
  'A resolves on its own while B fires; C (no messages now, nothing open or pending) has no row');
select is((select resolved_by from sms_monitor.sms_alert_history where id = (select id from inc_a)), 'auto', 'A resolved automatically');
select is((select string_agg(channel || '/' || event, ',' order by id) from sms_monitor.sms_alert_notifications
            where alert_id = (select id from inc_a)), 'pagerduty/trigger,pagerduty/resolve', 'A: trigger then resolve');
select is((select count(*)::int from sms_monitor.sms_alert_history
            where alert_type = 'carrier_delivery_rate_critical' and resolved_at is null), 1, 'only B is open');
create temp table inc_b as select alert_id as id from res where group_value = 'B';
select isnt((select id from inc_b), (select id from inc_a), 'B has its own incident');

-- 12:11: B stays breached within its cooldown; an acknowledgement of B leaves A's history alone
select pg_temp.run('2026-06-01 12:11Z');
select is((select action from res where group_value = 'B'), 'cooldown', 'B within its 60-minute cooldown');
select lives_ok($$select sms_monitor.acknowledge_sms_alert((select id from inc_b), 'oncall')$$, 'B acknowledged');
select pg_temp.run('2026-06-01 12:12Z');
select is((select action from res where group_value = 'B'), 'acknowledged', 'B acknowledged: no repeats');

-- a silence of the rule holds back a new value's incident
insert into sms_monitor.sms_alert_silences (alert_type, starts_at, ends_at, reason, created_by)
values ('carrier_delivery_rate_critical', '2026-06-01 12:00Z', '2026-06-01 13:00Z', 'maintenance', 'test');
select pg_temp.msgs('d1-', 10, 'D', '2026-06-01 12:08Z', 'delivered');
select pg_temp.msgs('d2-', 40, 'D', '2026-06-01 12:08Z', 'failed', '30005');
select pg_temp.run('2026-06-01 12:13Z');
select is((select array[action, metric_value::text] from res where group_value = 'D'), array['silenced', '20.0000'],
  'D (10 of 50 = 20 %) opens silenced');
select is((select count(*)::int from sms_monitor.sms_alert_notifications n join sms_monitor.sms_alert_history h on h.id = n.alert_id
            where h.group_value = 'D'), 0, 'nobody is told about D');
select is((select array_agg(open_alert_id) from sms_monitor.sms_alert_status where alert_type = 'carrier_delivery_rate_critical'),
  array[(select id from inc_b)], 'sms_alert_status keeps one row per rule: the oldest open incident (B) stands for it');
select is((select string_agg((e ->> 'group_value') || ':' || (e ->> 'state') || ':' || (e ->> 'open_alert_id' is not null), ','
                             order by e ->> 'group_value')
             from jsonb_array_elements(sms_monitor.api_health('2026-06-01 12:13Z') #> '{data,rules}') e
            where e ->> 'alert_type' = 'carrier_delivery_rate_critical'),
  'A:ok:false,B:breached:true,D:breached:true', 'api_health lists the rule per value with data (A: 60 of 60), each with its own open incident');

-- 13:00: every message is out of the window: no value has data; the open incidents stay open
select pg_temp.run('2026-06-01 13:00Z');
select is((select string_agg(group_value || ':' || action, ',' order by group_value) from res),
  'B:no_data,D:no_data', 'values with an open incident are evaluated (no_data keeps them open), the others have no row');

-- disabling the rule resolves every value's incident
update sms_monitor.sms_alert_thresholds set is_enabled = false where alert_type = 'carrier_delivery_rate_critical';
select pg_temp.run('2026-06-01 13:01Z');
select is((select string_agg(group_value || ':' || action, ',' order by group_value) from res),
  'B:disabled_resolved,D:disabled_resolved', 'disabling the rule resolves B and D, one row each');
select is((select count(*)::int from sms_monitor.sms_alert_history
            where alert_type = 'carrier_delivery_rate_critical' and resolved_at is null), 0, 'nothing open');

select * from finish();
rollback;
