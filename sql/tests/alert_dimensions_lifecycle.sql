-- The lifecycle of one value of a per-dimension rule: its own pending timer (restarted by no data),
-- hysteresis (recovery_value) and repeat after the cooldown, while another value of the same rule
-- moves independently. carrier_delivery_rate_critical tuned to pending 2 min, recovery 90 %, cooldown 5.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(16);
update sms_monitor.settings set metric_retention_days = 36500;
update sms_monitor.sms_alert_thresholds set pending_minutes = 2, recovery_value = 90, cooldown_minutes = 5
 where alert_type = 'carrier_delivery_rate_critical';

-- p_delivered of p_n messages of carrier p_carrier sent at p_at delivered, the rest undelivered
create function pg_temp.msgs(p_prefix text, p_n int, p_delivered int, p_carrier text, p_at timestamptz) returns int
language sql as $f$
  select sms_monitor.record_sms_message_events(jsonb_agg(e))
    from generate_series(1, p_n) i
   cross join lateral (values
     (jsonb_build_object('message_id', p_prefix || i, 'status', 'sent', 'occurred_at', p_at, 'carrier', p_carrier)),
     (jsonb_build_object('message_id', p_prefix || i, 'status', case when i <= p_delivered then 'delivered' else 'undelivered' end,
                         'occurred_at', p_at + interval '5 seconds'))) v(e);
  -- and fold them, as the rollup job does every 2 s
  select sms_monitor.rollup_sms_messages()::int
$f$;
create function pg_temp.run(p_now timestamptz) returns text language sql as $f$
  select string_agg(e.group_value || ':' || e.action, ',' order by e.group_value)
    from sms_monitor._alert_evaluate(p_now) e where e.alert_type = 'carrier_delivery_rate_critical'
$f$;

-- E: 40 of 50 (80 %) at 10:00; F: 50 of 50
select pg_temp.msgs('e1-', 50, 40, 'E', '2026-06-10 10:00Z');
select pg_temp.msgs('f1-', 50, 50, 'F', '2026-06-10 10:00Z');
select sms_monitor.rollup_sms_messages();
select is(pg_temp.run('2026-06-10 10:01Z'), 'E:pending,F:ok', '10:01 E breaches: pending (2 minutes), F ok');
select is((select pending_since from sms_monitor.sms_alert_group_state where alert_type = 'carrier_delivery_rate_critical' and group_value = 'E'),
  '2026-06-10 10:01Z'::timestamptz, 'E''s own pending timer');
select is(pg_temp.run('2026-06-10 10:02Z'), 'E:pending,F:ok', '10:02 still pending');
select is(pg_temp.run('2026-06-10 10:03Z'), 'E:fired,F:ok', '10:03 two minutes breached: E fires, F untouched');
select is((select count(*)::int from sms_monitor.sms_alert_history where alert_type = 'carrier_delivery_rate_critical'), 1,
  'one incident, for E');

-- F breaches too at 10:04 (its 10:04 sends: 10 of 50, with the 10:00 ones 60 of 100 = 60 %): pending on its own
select pg_temp.msgs('f2-', 50, 10, 'F', '2026-06-10 10:04Z');
select is(pg_temp.run('2026-06-10 10:05Z'), 'E:cooldown,F:pending', '10:05 E in its cooldown, F pending since 10:05');
select is(pg_temp.run('2026-06-10 10:08Z'), 'E:repeated,F:fired', '10:08 E repeats (5 min after 10:03), F fires (3 min pending)');

-- E recovers into the hysteresis band first: 48 of its 10:09 sends delivered give 88 of 100 (breached below
-- 85, resolved only at 90 or more)
select pg_temp.msgs('e2-', 50, 48, 'E', '2026-06-10 10:09Z');
select is(pg_temp.run('2026-06-10 10:10Z'), 'E:recovering,F:cooldown', 'E at 88 % (85 <= 88 < 90): recovering, still open');
select is((select count(*)::int from sms_monitor.sms_alert_history
            where alert_type = 'carrier_delivery_rate_critical' and resolved_at is null), 2, 'E and F open');
select pg_temp.msgs('e3-', 100, 100, 'E', '2026-06-10 10:10Z');
select is(pg_temp.run('2026-06-10 10:11Z'), 'E:resolved,F:cooldown', 'E at 188 / 200 = 94 % >= 90: resolved; F stays open');
select is((select resolution_value from sms_monitor.sms_alert_history
            where alert_type = 'carrier_delivery_rate_critical' and group_value = 'E'), 94.0000::numeric, 'E resolved at 94 %');

-- a pending timer is restarted by no data: G breaches with 50 messages, then its messages leave the window
select pg_temp.msgs('g1-', 50, 0, 'G', '2026-06-10 10:20Z');
select is(pg_temp.run('2026-06-10 10:21Z'), 'E:ok,F:no_data,G:pending',
  'G pending; F''s sends (10:00, 10:04) left its 15-minute window: no_data keeps its incident open');
select is(pg_temp.run('2026-06-10 10:36Z'), 'F:no_data,G:no_data', '10:36: nothing in the window; G''s timer is cleared by no data');
select is((select pending_since from sms_monitor.sms_alert_group_state where alert_type = 'carrier_delivery_rate_critical' and group_value = 'G'),
  null, 'G''s pending_since is cleared');
select is(pg_temp.run('2026-06-17 10:37Z'), 'F:no_data', 'a week later only F (open) is evaluated');
select is((select string_agg(group_value, ',' order by group_value) from sms_monitor.sms_alert_group_state
            where alert_type = 'carrier_delivery_rate_critical'), 'F',
  'the state of values quiet for more than 7 days (E, G) is forgotten; F, evaluated now, stays');

select * from finish();
rollback;
