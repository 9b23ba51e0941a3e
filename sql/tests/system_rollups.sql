-- The system-wide day rollups (sms_metric_rollups_system_daily, sms_metric_active_users_daily):
-- equal to a from-scratch aggregation of the per-user rollups after writes, repeated and
-- overlapping rollups, owner imports and a retention run; active_users counts distinct users.
-- Fixed days far from now (_record_metric takes any date), rolled up before every comparison.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(22);

-- the system-wide day rows as the per-user minute/hour rollups add up, from scratch
create function pg_temp.scratch() returns table (metric_date date, metric_type text, metric_value numeric, sample_count numeric)
language sql as $$
  select r.metric_date, r.metric_type, sum(r.metric_value), sum(r.sample_count)
    from sms_monitor.sms_metric_rollups r
   where r.metric_date between '2031-01-01' and '2031-12-31'
   group by 1, 2 $$;
create function pg_temp.kept() returns table (metric_date date, metric_type text, metric_value numeric, sample_count numeric)
language sql as $$
  select s.metric_date, s.metric_type, s.metric_value, s.sample_count::numeric
    from sms_monitor.sms_metric_rollups_system_daily s
   where s.metric_date between '2031-01-01' and '2031-12-31' $$;
create function pg_temp.users(p_day date) returns text language sql as $$
  select string_agg(right(a.user_id::text, 1), ',' order by a.user_id)
    from sms_monitor.sms_metric_active_users_daily a where a.metric_date = p_day $$;
create function pg_temp.day(p_day date) returns sms_monitor.sms_metrics_daily language sql as $$
  select d from sms_monitor.sms_metrics_daily d where d.metric_date = p_day $$;

-- the users counted per day (sms_metric_active_user_counts, kept by triggers) against the rows
create function pg_temp.counts_ok() returns text language sql as $$
  select coalesce(string_agg(format('%s: counted %s, rows %s', coalesce(c.metric_date, a.metric_date),
                                    coalesce(c.users, 0), coalesce(a.n, 0)), '; '), 'ok')
    from sms_monitor.sms_metric_active_user_counts c
    full join (select x.metric_date, count(*) as n from sms_monitor.sms_metric_active_users_daily x group by 1) a
      on a.metric_date = c.metric_date
   where c.users is distinct from a.n $$;

select sms_monitor.rollup_sms_metrics();  -- whatever earlier setup left
-- 2031-03-01: user 1 sends 3 + 5 (two minutes), user 2 sends 7, nobody (system-wide) 11; user 1 costs 0.25
select sms_monitor._record_metric('2031-03-01', 9, 'c1000000-0000-0000-0000-000000000001', 'sent_count', 3, '{}', 'metric_value', 1);
select sms_monitor._record_metric('2031-03-01', 9, 'c1000000-0000-0000-0000-000000000001', 'sent_count', 5, '{}', 'metric_value', 2);
select sms_monitor._record_metric('2031-03-01', 10, 'c1000000-0000-0000-0000-000000000002', 'sent_count', 7, '{}', 'metric_value', 0);
select sms_monitor._record_metric('2031-03-01', 10, null, 'sent_count', 11, '{}', 'metric_value', 0);
select sms_monitor._record_metric('2031-03-01', 11, 'c1000000-0000-0000-0000-000000000001', 'llm_cost_usd', 0.25);
-- 2031-03-02: delivery times 100 and 300 ms from user 3
select sms_monitor._record_metric('2031-03-02', 8, 'c1000000-0000-0000-0000-000000000003', 'avg_delivery_time_ms', 100, '{}', 'metric_value', 5);
select sms_monitor._record_metric('2031-03-02', 8, 'c1000000-0000-0000-0000-000000000003', 'avg_delivery_time_ms', 300, '{}', 'metric_value', 6);

select is(((pg_temp.day('2031-03-01')).sent_count, (pg_temp.day('2031-03-01')).active_users)::text, '(26,2)',
  'live before the rollup: 3 + 5 + 7 + 11 sent, two users (nobody is nobody''s activity)');
select is(sms_monitor.rollup_sms_metrics(), 7::bigint, 'the rollup takes the seven values');
select is((select array_agg(k::text order by k.metric_date, k.metric_type) from pg_temp.kept() k),
  array['(2031-03-01,llm_cost_usd,0.25,1)', '(2031-03-01,sent_count,26,4)', '(2031-03-02,avg_delivery_time_ms,400,2)'],
  'one system-wide row per day and type: sums and samples');
select set_eq('select * from pg_temp.kept()', 'select * from pg_temp.scratch()',
  '... equal to the per-user rollups aggregated from scratch');
select is(pg_temp.users('2031-03-01') || ' / ' || pg_temp.users('2031-03-02'), '1,2 / 3', 'the day''s users');
select is(pg_temp.counts_ok() || ' ' || (select string_agg(c.metric_date || '=' || c.users, ',' order by c.metric_date)
             from sms_monitor.sms_metric_active_user_counts c where c.metric_date >= '2031-01-01'),
  'ok 2031-03-01=2,2031-03-02=1', 'the users counted per day: 2 and 1');
select is(((pg_temp.day('2031-03-01')).sent_count, (pg_temp.day('2031-03-01')).active_users,
           (pg_temp.day('2031-03-02')).avg_delivery_time_ms)::text, '(26,2,200.00)',
  'sms_metrics_daily unchanged by the rollup (and the mean is sum / samples)');

-- repeated writes by known users, a new user in the tail, overlapping (repeated) rollups
select sms_monitor._record_metric('2031-03-01', 12, 'c1000000-0000-0000-0000-000000000001', 'sent_count', 1, '{}', 'metric_value', 0);
select sms_monitor._record_metric('2031-03-01', 12, 'c1000000-0000-0000-0000-000000000002', 'sent_count', 1, '{}', 'metric_value', 0);
select sms_monitor._record_metric('2031-03-01', 13, 'c1000000-0000-0000-0000-000000000004', 'failed_count', 2);
select is(((pg_temp.day('2031-03-01')).sent_count, (pg_temp.day('2031-03-01')).failed_count,
           (pg_temp.day('2031-03-01')).active_users)::text, '(28,2,3)',
  'live with a tail: users 1 and 2 again count once, user 4 (only in the tail) counts');
select is(sms_monitor.rollup_sms_metrics() || ' ' || sms_monitor.rollup_sms_metrics(), '3 0',
  'the rollup takes the three, a second run nothing');
select set_eq('select * from pg_temp.kept()', 'select * from pg_temp.scratch()',
  'the system-wide rows still equal the from-scratch sums');
select is(pg_temp.users('2031-03-01'), '1,2,4', 'a user is kept once per day however often it writes');
select is(pg_temp.counts_ok(), 'ok', '... and counted once (the pairs already there are not counted again)');
select is(((pg_temp.day('2031-03-01')).sent_count, (pg_temp.day('2031-03-01')).active_users)::text, '(28,3)',
  'and sms_metrics_daily reads the same after the rollup');

-- whole buckets imported through the sms_metrics view (owner only)
insert into sms_monitor.sms_metrics (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
values ('2031-03-02', 14, 'c1000000-0000-0000-0000-000000000005', 'sent_count', 40, 4),
       ('2031-03-02', 15, null, 'sent_count', 2, 1);
select set_eq('select * from pg_temp.kept()', 'select * from pg_temp.scratch()',
  'an import adds to the system-wide rows as to the per-user ones');
select is(pg_temp.users('2031-03-02') || ' ' || (pg_temp.day('2031-03-02')).sent_count, '3,5 42',
  '... and its user to the day''s users');
select is(pg_temp.counts_ok(), 'ok', '... and to its count');

-- retention: minutes of both days become hours (totals kept); a day past metric_retention_days goes
insert into sms_monitor.sms_metrics (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
values ('2030-01-01', 0, 'c1000000-0000-0000-0000-000000000006', 'sent_count', 9, 9);
select sms_monitor._apply_sms_retention('2031-03-20 12:00Z');
select is((select count(*) from sms_monitor.sms_metric_rollups where metric_date in ('2031-03-01', '2031-03-02')
             and metric_minute is not null), 0::bigint, 'retention compacted the minutes into hours');
select set_eq('select * from pg_temp.kept()', 'select * from pg_temp.scratch()',
  'the kept days'' system-wide rows still equal the from-scratch sums');
select is((select count(*) from sms_monitor.sms_metric_rollups_system_daily where metric_date = '2030-01-01')
          + (select count(*) from sms_monitor.sms_metric_active_users_daily where metric_date = '2030-01-01')
          + (select count(*) from sms_monitor.sms_metrics_daily where metric_date = '2030-01-01'), 0::bigint,
  'the expired day is gone from both system-wide tables and the view');
select is(pg_temp.counts_ok() || ' ' || (select count(*) from sms_monitor.sms_metric_active_user_counts
                                           where metric_date = '2030-01-01'), 'ok 0', '... and from the counts');

-- the rebuild (migration backfill, benchmark seeds) writes what the incremental upkeep wrote
create temp table before_rebuild as
  select k.*, pg_temp.users(k.metric_date) as users from pg_temp.kept() k;
select sms_monitor._rebuild_system_rollups('2031-03-01', '2031-03-02');
select set_eq('select k.*, pg_temp.users(k.metric_date) from pg_temp.kept() k', 'select * from before_rebuild',
  '_rebuild_system_rollups rebuilds the same rows and users');
select is(pg_temp.counts_ok(), 'ok', '... and the same counts (deleted and added again)');

select * from finish();
rollback;
