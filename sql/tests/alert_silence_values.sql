-- A silence of one value of a per-dimension rule: carrier E's incident is recorded silenced and not
-- notified while carrier F's incident of the same rule pages; lifting it announces E. Validation of
-- group_value (22023). Times relative to now() (fixed inside the transaction): a silence starts now.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(14);

-- p_delivered of p_n messages of carrier p_carrier sent 10 minutes ago delivered, the rest undelivered; folded
create function pg_temp.msgs(p_prefix text, p_n int, p_delivered int, p_carrier text) returns int
language sql as $f$
  select sms_monitor.record_sms_message_events(jsonb_agg(e))
    from generate_series(1, p_n) i
   cross join lateral (values
     (jsonb_build_object('message_id', p_prefix || i, 'status', 'sent', 'occurred_at', now() - interval '10 minutes',
                         'carrier', p_carrier)),
     (jsonb_build_object('message_id', p_prefix || i, 'status', case when i <= p_delivered then 'delivered' else 'undelivered' end,
                         'occurred_at', now() - interval '9 minutes'))) v(e);
  select sms_monitor.rollup_sms_messages()::int
$f$;
create function pg_temp.run(p_now timestamptz) returns text language sql as $f$
  select string_agg(e.group_value || ':' || e.action, ',' order by e.group_value)
    from sms_monitor._alert_evaluate(p_now) e where e.alert_type = 'carrier_delivery_rate_critical'
$f$;

select throws_ok($$select sms_monitor.silence_sms_alerts(null, now() + interval '1 hour', 'maintenance', null, 'E')$$,
  '22023', 'group_value: name the rule (alert_type) whose value to silence', 'a value needs its rule');
select throws_ok($$select sms_monitor.silence_sms_alerts('delivery_rate_critical', now() + interval '1 hour', 'maintenance', null, 'E')$$,
  '22023', 'group_value: rule ''delivery_rate_critical'' is evaluated system-wide (no group_by): it has no values to silence',
  'a system-wide rule has no values');
select throws_ok($$select sms_monitor.silence_sms_alerts('carrier_delivery_rate_critical', now() + interval '1 hour', 'm', null, '  ')$$,
  '22023', 'group_value: must be 1 to 200 characters, not blank (got 2 characters)', 'a blank value is refused');
select throws_ok($$select sms_monitor.silence_sms_alerts('carrier_delivery_rate_critical', now() + interval '1 hour', 'm', null,
  repeat('x', 201))$$, '22023', 'group_value: must be 1 to 200 characters, not blank (got 201 characters)', 'a value has a bound');
select is((select count(*)::int from sms_monitor.sms_alert_silences), 0, 'nothing written by the refused calls');

select is((select s.group_value from sms_monitor.silence_sms_alerts('carrier_delivery_rate_critical', now() + interval '1 hour',
  'carrier E maintenance window', null, 'E') s), 'E', 'carrier E of the rule silenced for an hour');

-- E and F both at 40 of 50 delivered (80 % < 85 %)
select pg_temp.msgs('e-', 50, 40, 'E');
select pg_temp.msgs('f-', 50, 40, 'F');
select is(pg_temp.run(now()), 'E:silenced,F:fired', 'E opens silenced, F fires');
select is((select string_agg(h.group_value || '=' || h.silenced, ',' order by h.group_value) from sms_monitor.sms_alert_history h
            where h.alert_type = 'carrier_delivery_rate_critical'), 'E=true,F=false', 'both incidents recorded, E marked silenced');
select is((select string_agg(h.group_value || ':' || n.event, ',' order by h.group_value, n.event)
             from sms_monitor.sms_alert_notifications n join sms_monitor.sms_alert_history h on h.id = n.alert_id
            where h.alert_type = 'carrier_delivery_rate_critical'), 'F:trigger', 'only F is notified');
select is((select silenced_until from sms_monitor.sms_alert_status where alert_type = 'carrier_delivery_rate_critical'), null,
  'the rule as a whole is not silenced (sms_alert_status)');
select is((select count(*)::int from sms_monitor.list_sms_alert_silences() s where s.group_value = 'E'), 1,
  'the silence is listed with its value');

select is((select s.lifted_at from sms_monitor.lift_sms_alert_silence(
            (select id from sms_monitor.sms_alert_silences where group_value = 'E')) s), now(), 'lifted now');
select is(pg_temp.run(now() + interval '1 minute'), 'E:unsilenced,F:cooldown',
  'the next check (a minute later) announces E; F in its cooldown');
select is((select string_agg(h.group_value || ':' || n.event, ',' order by h.group_value, n.event)
             from sms_monitor.sms_alert_notifications n join sms_monitor.sms_alert_history h on h.id = n.alert_id
            where h.alert_type = 'carrier_delivery_rate_critical'), 'E:trigger,F:trigger', 'E''s trigger is queued now');

select * from finish();
rollback;
