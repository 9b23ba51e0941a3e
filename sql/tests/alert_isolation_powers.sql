-- A failing rule cannot stop the others; what operators and daemons pass is bounded;
-- preview changes nothing; dedup_key is fixed at open; the gateway-style self caller.
-- Times relative to now() (the bounds are); traffic in every hour of the last three, so any
-- window ending now sees the same rates whatever the wall clock's minute.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(58);
-- No pg_cron job runs in this database (npm test keeps sql/tests/ out of cron.database_name); the
-- rule locks and the cleared rule state still make the file safe on a server whose scheduler
-- evaluates in the same database (a run would wait for our rollback instead of racing us).
select sms_monitor._alert_lock_rule(alert_type) from sms_monitor.sms_alert_thresholds;
delete from sms_monitor.sms_alert_rule_state;

create function pg_temp.traffic(p_sent int, p_delivered int) returns void language sql as $f$
  select sms_monitor._record_metric(((now() - make_interval(hours => k)) at time zone 'UTC')::date,
           extract(hour from (now() - make_interval(hours => k)) at time zone 'UTC')::int, null, t.type, t.v)
    from generate_series(0, 2) k, (values ('sent_count', p_sent), ('delivered_count', p_delivered)) t(type, v);
$f$;
create function pg_temp.checksum() returns text language sql as $f$
  select md5(string_agg(x, '|' order by x)) from (
    select 'h' || h::text as x from sms_monitor.sms_alert_history h
    union all select 's' || s::text from sms_monitor.sms_alert_rule_state s
    union all select 'n' || n::text from sms_monitor.sms_alert_notifications n
    union all select 'z' || z::text from sms_monitor.sms_alert_silences z
    union all select 't' || t::text from sms_monitor.sms_alert_thresholds t
    union all select 'm' || m::text from sms_monitor.sms_metrics m) u
$f$;
create function pg_temp.action(p_type text) returns text language sql as $f$
  select last_action from sms_monitor.sms_alert_status where alert_type = p_type
$f$;

-- A second delivery rule, window 120 min, that will be broken on purpose; and traffic at 80 %.
insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value, window_minutes,
  min_sample, severity, notification_channels, description)
values ('broken_rule', 'delivery_rate', '<', 85.5, 120, 1, 'warning', '{log}', 'fails on purpose in this test');
select pg_temp.traffic(100, 80);

-- 1. preview first: what check would do, and nothing changes (tables, outbox sequence, notifications).
create temp table before_preview as select pg_temp.checksum() as sum,
  pg_sequence_last_value(pg_get_serial_sequence('sms_monitor.sms_alert_notifications', 'id')) as seq;
create temp table pv as select * from sms_monitor.preview_sms_alerts(now() - interval '2 minutes');
select is((select action from pv where alert_type = 'delivery_rate_critical'), 'fired', 'preview: the delivery rule would fire');
select is((select action from pv where alert_type = 'broken_rule'), 'fired', 'preview: so would broken_rule');
select is(pg_temp.checksum(), (select sum from before_preview), 'preview changed no row of history, state, outbox, silences, rules, metrics');
select is(pg_sequence_last_value(pg_get_serial_sequence('sms_monitor.sms_alert_notifications', 'id')),
  (select seq from before_preview), 'preview used no outbox id (no row was queued, not even rolled back)');
select is((select count(*)::int from sms_monitor.sms_alert_history h where h.id in (select alert_id from pv)), 0,
  'the incidents a preview would open do not exist');
create temp table ck as select * from sms_monitor.check_sms_alerts(now() - interval '2 minutes');
select results_eq($$select alert_type, action, metric_value, sample_size from pv order by alert_type$$,
  $$select alert_type, action, metric_value, sample_size from ck order by alert_type$$,
  'then check at the same instant does exactly what the preview said');
select is((select count(*)::int from sms_monitor.sms_alert_notifications), 2, 'and check queued the triggers (pagerduty, log)');
select is((select array_agg(action order by alert_type) from sms_monitor.preview_sms_alerts('2100-01-01')),
  (select array_agg(a order by t) from (values ('broken_rule', 'no_data'), ('daily_limit_hit_warning', 'no_data'),
     ('delivery_rate_critical', 'no_data'), ('llm_cost_spike_warning', 'no_data'), ('llm_failure_critical', 'no_data'),
     ('opt_out_rate_warning', 'no_data'), ('carrier_delivery_rate_critical', 'no_data'),
     ('delivery_latency_warning', 'no_data'), ('delivery_slo_burn_critical', 'no_data'),
     ('receipt_delay_warning', 'no_data'), ('sender_filtering_warning', 'no_data')) v(t, a)),
  'preview in 2100: no data then (a what-if at any time)');
select is((select count(*)::int from sms_monitor.check_sms_alerts(now()) where action = 'skipped'), 0,
  'and it froze nothing: a real check afterwards is not skipped');

-- 2. a run ahead of the server clock is refused, for everyone
select throws_like($$select * from sms_monitor.check_sms_alerts('2100-01-01')$$,
  'now: 2100-01-01T00:00:00Z is more than 00:05:00 ahead of the server clock %use preview_sms_alerts(p_now) for a what-if',
  'check_sms_alerts(2100): refused');
select throws_ok($$select * from sms_monitor.check_sms_alerts(now() + interval '6 minutes')$$, '22023', null,
  'check_sms_alerts 6 minutes ahead: 22023');
select lives_ok($$select * from sms_monitor.check_sms_alerts(now() + interval '30 seconds')$$, '30 seconds ahead is within the allowance');
create function pg_temp.as_role(p_role text, p_sql text) returns text language plpgsql as $f$
begin
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when others then
    reset role;
    return sqlstate || ' ' || sqlerrm;
  end;
  reset role;
  return 'ok';
end $f$;
select alike(pg_temp.as_role('sms_monitor_notifier', $$select * from sms_monitor.check_sms_alerts('2100-01-01')$$),
  '22023 now: 2100-01-01T00:00:00Z is more than%', 'the notifier cannot run it in 2100 either');
select is(pg_temp.as_role('sms_monitor_reader', $$select * from sms_monitor.preview_sms_alerts('2100-01-01')$$), 'ok',
  'a reader may preview');

-- 3. per-rule isolation: broken_rule's evaluation raises; the others run, its incident stays open
create temp table open_broken as select id from sms_monitor.sms_alert_history where alert_type = 'broken_rule' and resolved_at is null;
create or replace function sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric)
returns boolean language plpgsql immutable as $f$
begin
  if p_threshold = 85.5 then
    raise exception 'forced failure of broken_rule' using errcode = 'XX999';
  end if;
  return case p_comparison when '<' then p_value < p_threshold when '<=' then p_value <= p_threshold
                           when '>' then p_value > p_threshold when '>=' then p_value >= p_threshold end;
end $f$;
create temp table iso as select * from sms_monitor.check_sms_alerts(now() + interval '1 minute');
select is((select action || ' | ' || detail from iso where alert_type = 'broken_rule'),
  'error | XX999: forced failure of broken_rule', 'the failing rule reports error with SQLSTATE and message');
select is((select alert_id from iso where alert_type = 'broken_rule'), (select id from open_broken), 'error row names its open incident');
select is((select action from iso where alert_type = 'delivery_rate_critical'), 'cooldown', 'the other rules are evaluated as usual');
select is((select count(*)::int from iso), 11, 'one row per rule (ten seeded, one broken)');
select is((select resolved_at from sms_monitor.sms_alert_history where id = (select id from open_broken)), null,
  'the failing rule''s incident stays open');
select is((select last_action || ' | ' || last_error from sms_monitor.sms_alert_status where alert_type = 'broken_rule'),
  'error | XX999: forced failure of broken_rule', 'sms_alert_status: last_action error, last_error');
select is((select last_error from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_critical'), null,
  'the others have no error');
-- the shared value statement fails (one window's stats raise): each rule computes its own
create or replace function sms_monitor._alert_compare(p_value numeric, p_comparison text, p_threshold numeric)
returns boolean language sql immutable as $f$
  select case p_comparison when '<' then p_value < p_threshold when '<=' then p_value <= p_threshold
                           when '>' then p_value > p_threshold when '>=' then p_value >= p_threshold end $f$;
alter function sms_monitor._alert_window_stats(timestamptz, integer) rename to _alert_window_stats_real;
create function sms_monitor._alert_window_stats(p_now timestamptz, p_window_minutes integer)
returns table (window_start timestamp, window_end timestamp, sent numeric, delivered numeric, llm_success numeric,
  template_fallback numeric, llm_cost numeric, opt_outs numeric, active_users bigint, limit_users bigint)
language plpgsql stable as $f$
begin
  if p_window_minutes = 120 then
    raise exception 'window stats of 120 minutes fail' using errcode = '22003';
  end if;
  return query select * from sms_monitor._alert_window_stats_real(p_now, p_window_minutes);
end $f$;
create temp table iso2 as select * from sms_monitor.check_sms_alerts(now() + interval '2 minutes');
select is((select action || ' | ' || detail from iso2 where alert_type = 'broken_rule'),
  'error | 22003: window stats of 120 minutes fail', 'a failing value computation is that rule''s error alone');
select is((select action from iso2 where alert_type = 'delivery_rate_critical'), 'cooldown', 'the 60-minute rules still evaluate');
select alike((select detail from iso2 where alert_type = 'delivery_rate_critical'),
  '% (computed alone: the shared computation failed with 22003: window stats of 120 minutes fail)',
  'the shared computation''s failure is not swallowed: every rule''s detail says it was computed alone, and why');
select is((select last_action || ' | ' || last_error from sms_monitor.sms_alert_status where alert_type = 'delivery_rate_critical'),
  'cooldown | computed alone: the shared computation failed with 22003: window stats of 120 minutes fail',
  'and sms_alert_status.last_error keeps it');
drop function sms_monitor._alert_window_stats(timestamptz, integer);
alter function sms_monitor._alert_window_stats_real(timestamptz, integer) rename to _alert_window_stats;
create temp table iso3 as select * from sms_monitor.check_sms_alerts(now() + interval '3 minutes');
select is((select action from iso3 where alert_type = 'broken_rule'), 'cooldown', 'repaired: the rule evaluates again');
select is((select last_error from sms_monitor.sms_alert_status where alert_type = 'broken_rule'), null, 'and last_error is cleared');

-- 4. dedup_key fixed at open: renaming the rule while its incident is open keeps the key
update sms_monitor.sms_alert_thresholds set alert_type = 'broken_rule_renamed' where alert_type = 'broken_rule';
select lives_ok(format('select sms_monitor.resolve_sms_alert(%L, %L)', (select id from open_broken), 'alice'), 'resolve the renamed rule''s incident');
select is((select count(distinct payload ->> 'dedup_key')::int from sms_monitor.sms_alert_notifications
            where alert_id = (select id from open_broken)), 1, 'trigger and resolve carry one dedup_key');
select is((select payload ->> 'dedup_key' from sms_monitor.sms_alert_notifications
            where alert_id = (select id from open_broken) and event = 'resolve'),
  'sms-monitor/broken_rule/' || (select id from open_broken), 'the key made when the incident opened');
select is((select dedup_key from sms_monitor.sms_alert_history where id = (select id from open_broken)),
  'sms-monitor/broken_rule/' || (select id from open_broken), 'stored on the incident');

-- 5. operator times and names
create temp table inc as select id, triggered_at from sms_monitor.sms_alert_history
 where alert_type = 'delivery_rate_critical' and resolved_at is null;
select throws_ok(format('select sms_monitor.resolve_sms_alert(%L, %L)', (select id from inc), 'auto'), '22023',
  'resolved_by: ''auto'' is reserved for the alert engine', '''auto'' is the engine''s');
select throws_ok(format('select sms_monitor.resolve_sms_alert(%L, %L)', (select id from inc), ' Rule Disabled '), '22023',
  'resolved_by: ''Rule Disabled'' is reserved for the alert engine', 'so is ''rule disabled''');
select throws_like(format('select sms_monitor.resolve_sms_alert(%L, %L, %L)', (select id from inc), 'bob', '2000-01-01Z'),
  'now: 2000-01-01T00:00:00Z AD is before the incident began (%)', 'a resolve before the incident began');
select throws_like(format('select sms_monitor.resolve_sms_alert(%L, %L, now() + interval ''1 hour'')', (select id from inc), 'bob'),
  'now: % is after the server clock (%; allowed skew 00:05:00)', 'a resolve in the future');
select throws_ok(format('select sms_monitor.resolve_sms_alert(%L, %L)', (select id from inc), repeat('x', 201)), '22023',
  'resolved_by: 201 characters is more than the 200 allowed', 'resolved_by at most 200 characters');
select throws_ok(format('select sms_monitor.acknowledge_sms_alert(%L, %L)', (select id from inc), repeat('x', 201)), '22023',
  'acknowledged_by: 201 characters is more than the 200 allowed', 'acknowledged_by at most 200 characters');
select throws_ok(format('select sms_monitor.acknowledge_sms_alert(%L, %L, %L)', (select id from inc), 'bob', 'infinity'), '22023',
  'now: must be a finite time', 'an acknowledge at infinity');
select throws_ok($$select sms_monitor.resolve_sms_alert('00000000-0000-0000-0000-00000000dead', 'bob')$$, 'P0002', null,
  'unknown id: P0002 still');
-- acknowledge at t, then a resolve that carries an earlier time (as one queued behind the
-- acknowledge's lock would): resolved_at is not before acknowledged_at
select sms_monitor.acknowledge_sms_alert((select id from inc), 'carol', now());
select is((select resolved_at = acknowledged_at from sms_monitor.resolve_sms_alert((select id from inc), 'dave', now() - interval '1 second')),
  true, 'a resolve stamped before the acknowledgement takes the acknowledgement''s time: acknowledged_at <= resolved_at');
select throws_ok($$insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, threshold_value,
    window_minutes, message, triggered_at, resolved_at, resolved_by)
  values ('delivery_rate_critical', 'critical', 'delivery_rate', '<', 90, 60, 'x', now(), now() - interval '1 day', 'x')$$,
  '23514', null, 'the table refuses an incident resolved before it began');

-- 6. retention at the server clock only
select is(to_regprocedure('sms_monitor.apply_sms_retention(timestamptz)'), null, 'apply_sms_retention(p_now) is gone');
select ok(has_function_privilege('sms_monitor_notifier', 'sms_monitor.apply_sms_retention()', 'execute'),
  'the notifier runs apply_sms_retention()');
select ok(not has_function_privilege('sms_monitor_notifier', 'sms_monitor._apply_sms_retention(timestamptz)', 'execute'),
  'but cannot choose the cut-off');
select ok(not has_function_privilege('sms_monitor_admin', 'sms_monitor._apply_sms_retention(timestamptz)', 'execute'),
  'nor can an admin');
insert into sms_monitor.sms_ingest_batches (batch_id, recorded, created_at) values
  ('00000000-0000-0000-0000-0000000000b1', 3, now() - interval '8 days'),
  ('00000000-0000-0000-0000-0000000000b2', 4, now() - interval '6 days');
select is((select deleted from sms_monitor.apply_sms_retention() where target = 'sms_monitor.sms_ingest_batches'), 1::bigint,
  'retention prunes batch ids older than 7 days');
select is((select array_agg(recorded) from sms_monitor.sms_ingest_batches), array[4], 'and keeps the younger');

-- 7. thresholds and silences: bounds are 22023 naming the column
select throws_ok($$update sms_monitor.sms_alert_thresholds set threshold_value = 1e400 where alert_type = 'opt_out_rate_warning'$$,
  '22023', null, 'threshold_value = 1e400: 22023');
select throws_ok($$update sms_monitor.sms_alert_thresholds set notification_channels = '{{slack},{log}}' where alert_type = 'opt_out_rate_warning'$$,
  '22023', 'notification_channels: must be a flat list such as {slack,log} (got 2 dimensions)', 'a 2-D channel list: 22023, not 0A000');
select throws_ok(format('update sms_monitor.sms_alert_thresholds set description = %L where alert_type = %L', repeat('d', 2001), 'opt_out_rate_warning'),
  '22023', 'description: 2001 characters is more than the 2000 allowed', 'description at most 2000 characters');
select throws_like($$select sms_monitor.silence_sms_alerts(null, now() - interval '1 minute', 'x', now() - interval '2 minutes')$$,
  'until: % is in the past: such a silence would silence nothing', 'a silence that ended already');
select throws_like($$select sms_monitor.silence_sms_alerts(null, now() + interval '300 years', 'x')$$,
  'until: % is more than 90 days after the start of the silence %', 'a silence for centuries');
select throws_ok(format('select sms_monitor.silence_sms_alerts(null, now() + interval %L, %L)', '1 hour', repeat('r', 501)),
  '22023', 'reason: 501 characters is more than the 500 allowed', 'reason at most 500 characters');

-- 8. reader arguments: 22023, not 22008
select throws_ok($$select sms_monitor.api_daily_metrics('2026-01-01', 'infinity')$$, '22023', 'end_date: must be a finite date',
  'api_daily_metrics to infinity');
select throws_ok($$select sms_monitor.api_user_metrics('00000000-0000-0000-0000-000000000001', 365, '294276-12-31')$$, '22023',
  'now: must lie between 2000-01-01 and 2199-12-31 (got 294276-12-31 00:00:00 AD UTC)', 'api_user_metrics in year 294276');

-- 9. sms_monitor_self: identity is whatever request.jwt.claims says (a gateway sets it per request)
select sms_monitor._record_metric(sms_monitor.reporting_today(), null, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 5);
select sms_monitor._record_metric(sms_monitor.reporting_today(), null, 'e0000000-0000-0000-0000-000000000002', 'sent_count', 7);
create function pg_temp.as_user(p_sub text, p_sql text) returns text language plpgsql as $f$
declare v text;
begin
  perform set_config('request.jwt.claims', json_build_object('sub', p_sub)::text, true);
  execute 'set local role sms_monitor_self';
  begin
    execute p_sql into v;
  exception when others then
    v := sqlstate;
  end;
  reset role;
  perform set_config('request.jwt.claims', '', true);
  return v;
end $f$;
select is(pg_temp.as_user('e0000000-0000-0000-0000-000000000001',
  $$select sum(sent_count)::text from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 1)$$), '5',
  'a gateway-style caller reads its own user');
select is(pg_temp.as_user('e0000000-0000-0000-0000-000000000001',
  $$select sum(sent_count)::text from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000002', 1)$$), '42501',
  'but not another user (42501)');
select is(pg_temp.as_user('e0000000-0000-0000-0000-000000000001',
  $$select string_agg(user_id::text, ',') from sms_monitor.sms_metrics$$), 'e0000000-0000-0000-0000-000000000001',
  'and sees only its own rows in sms_metrics');

select * from finish();
rollback;
