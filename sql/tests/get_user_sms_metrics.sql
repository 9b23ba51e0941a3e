-- get_user_sms_metrics: one row per day for the last p_days days including today; self-only reads.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(20);

-- now() is fixed inside this transaction, so "today" is stable for the whole test.
select sms_monitor._record_metric(sms_monitor.reporting_today(), 8, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 4);
select sms_monitor._record_metric(sms_monitor.reporting_today(), 9, 'e0000000-0000-0000-0000-000000000001', 'delivered_count', 3);
select sms_monitor._record_metric(sms_monitor.reporting_today() - 2, 9, 'e0000000-0000-0000-0000-000000000001', 'avg_generation_time_ms', 10);
select sms_monitor._record_metric(sms_monitor.reporting_today() - 2, 9, 'e0000000-0000-0000-0000-000000000001', 'avg_generation_time_ms', 25);
select sms_monitor._record_metric(sms_monitor.reporting_today() - 3, 9, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 99);
select sms_monitor._record_metric(sms_monitor.reporting_today() + 1, 9, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 7);
select sms_monitor._record_metric(sms_monitor.reporting_today(), 8, 'e0000000-0000-0000-0000-000000000002', 'sent_count', 1000);

select results_eq(
  $$select metric_date from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 3)$$,
  $$select d::date from generate_series(sms_monitor.reporting_today() - 2, sms_monitor.reporting_today(), '1 day') d$$,
  'three days: today and the two before, oldest first, empty days included, no future day');
select is((select sent_count from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 3)
            where metric_date = sms_monitor.reporting_today()), 4::numeric, 'only this user''s sends');
select is((select delivery_rate_percent from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 3)
            where metric_date = sms_monitor.reporting_today()), 75.00::numeric, '3 / 4 = 75.00 %');
select is((select avg_generation_time_ms from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 3)
            where metric_date = sms_monitor.reporting_today() - 2), 17.50::numeric, 'true mean (10 + 25) / 2');
select is((select sent_count::text || '|' || coalesce(delivery_rate_percent::text, 'NULL')
             from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 3)
            where metric_date = sms_monitor.reporting_today() - 1), '0|NULL', 'a quiet day: 0 sent, NULL rate');
select is((select sum(sent_count)::int from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 4)),
  103, 'four days reach back to the 99 sends; the future 7 never count');
select is((select count(*)::int from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001')), 30,
  'default: 30 days');
select throws_ok($$select * from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 0)$$,
  '22023', 'days: must be between 1 and 365 (got 0)', 'days 0 refused');
select throws_ok($$select * from sms_monitor.get_user_sms_metrics(null, 3)$$,
  '22023', 'user_id: is required', 'NULL user refused');

-- p_now fixes "today": a past day read back exactly, whatever the wall clock says.
select sms_monitor._record_metric('2026-01-15', 23, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 11);
select sms_monitor._record_metric('2026-01-16', 0, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 5);
select is((select string_agg(metric_date || '=' || sent_count, ',' order by metric_date)
             from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 2,
                                                   '2026-01-15T23:59:59.999Z')),
  '2026-01-14=0,2026-01-15=11', 'p_now: the two days up to its reporting day, not the next');
select is((select string_agg(metric_date || '=' || sent_count, ',' order by metric_date)
             from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 1,
                                                   p_now => '2026-01-16T00:00:00Z')),
  '2026-01-16=5', 'p_now at midnight: its own day');
select throws_ok($$select * from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 3, 'infinity')$$,
  '22023', 'now: must be a finite time', 'an infinite p_now refused');

-- The self-only role (PostgREST style): its own figures only.
create function pg_temp.as_self(p_sub text, p_user uuid) returns text language plpgsql as $$
declare v_sent text;
begin
  perform set_config('request.jwt.claims', json_build_object('sub', p_sub)::text, true);
  set local role sms_monitor_self;
  begin
    select sum(sent_count)::text into v_sent from sms_monitor.get_user_sms_metrics(p_user, 1);
  exception when others then
    reset role;
    return sqlstate || ' ' || sqlerrm;
  end;
  reset role;
  return v_sent;
end $$;
select is(pg_temp.as_self('e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001'), '4',
  'self-only caller reads its own figures');
select is(pg_temp.as_self('e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000002'),
  '42501 user_id: permission denied to read metrics of user e0000000-0000-0000-0000-000000000002',
  'and gets 42501 for anyone else''s (no reading by guessing an id)');
select is(pg_temp.as_self('not-a-uuid', 'e0000000-0000-0000-0000-000000000001'),
  '42501 user_id: permission denied to read metrics of user e0000000-0000-0000-0000-000000000001',
  'a malformed sub reads nothing');

-- Rolled up (the day grain) plus a value recorded after the rollup (the log tail): the same days,
-- each value once, for readers and for the self-only role.
create temp table before_rollup as
select * from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 4);
select sms_monitor.rollup_sms_metrics();
select is((select count(*)::int from sms_monitor.sms_metric_events
            where id > sms_monitor._rollup_watermark('sms_metrics')), 0, 'everything rolled up');
select results_eq($$select * from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 4)$$,
  $$select * from before_rollup$$, 'the rolled-up days read as they did from the log');
select sms_monitor._record_metric(sms_monitor.reporting_today(), 10, 'e0000000-0000-0000-0000-000000000001', 'sent_count', 2);
select is((select sent_count::text || '|' || delivery_rate_percent
             from sms_monitor.get_user_sms_metrics('e0000000-0000-0000-0000-000000000001', 1)),
  '6|50.00', 'today: 4 rolled up + 2 in the tail, 3 / 6 delivered');
select is(pg_temp.as_self('e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001'), '6',
  'the self-only caller reads its rolled-up and its new figures');
create function pg_temp.self_day_users(p_sub text) returns text language plpgsql as $$
declare v text;
begin
  perform set_config('request.jwt.claims', json_build_object('sub', p_sub)::text, true);
  set local role sms_monitor_self;
  select string_agg(distinct d.user_id::text, ',') into v from sms_monitor.sms_metric_rollups_daily d;
  reset role;
  return v;
end $$;
select is(pg_temp.self_day_users('e0000000-0000-0000-0000-000000000001'), 'e0000000-0000-0000-0000-000000000001',
  'the self-only role sees its own rows of the day grain, not the other user''s');

select * from finish();
rollback;
