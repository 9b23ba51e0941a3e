-- The alert-window grains (sms_metric_rollups_system, sms_metric_active_minutes, their watermark
-- sms_metrics_window_grains): _alert_window_stats equals a computation from the raw events for
-- windows of 1 minute to 2 days ending around hour and day seams (reporting timezone Asia/Kolkata,
-- UTC+05:30), with values rolled up, in the tail, imported per hour, after a rollup run that left
-- the grains behind (as one with the earlier rollup body does) and after retention; the grains
-- equal a rebuild from the minute rollups each time. Fixed days far from now.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(16);

update sms_monitor.settings set reporting_timezone = 'Asia/Kolkata';
select sms_monitor.rollup_sms_metrics();  -- whatever earlier setup left

-- the raw values: the log's rows of the test days and the hour buckets imported through sms_metrics
create temp table imported (like sms_monitor.sms_metric_events including defaults);
create temp table raw as
  select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute, e.metric_value
    from sms_monitor.sms_metric_events e where false;
create function pg_temp.copy_raw() returns void language sql as $$
  delete from raw;
  insert into raw
  select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute, e.metric_value
    from sms_monitor.sms_metric_events e where e.metric_date between '2032-01-01' and '2033-12-31'
  union all
  select i.user_id, i.metric_type, i.metric_date, i.metric_hour, i.metric_minute, i.metric_value from imported i $$;

-- batch p: values at days 2033-03-10 .. 12, hours near the seams, every kind of bucket
create function pg_temp.batch(p integer) returns void language sql as $$
  select sms_monitor._record_metric(
           date '2033-03-10' + (g % 3),
           case when g % 29 = 0 then null else (array[22, 23, 0, 1, 12, 13, 5])[1 + (g * 5) % 7] end,
           case when g % 7 = 0 then null else ('c3000000-0000-0000-0000-00000000000' || (g % 6 + 1))::uuid end,
           (array['sent_count', 'delivered_count', 'llm_success_count', 'template_fallback_count', 'llm_cost_usd',
                  'opt_out_count', 'daily_limit_hit_count', 'failed_count'])[1 + (g * 3) % 8],
           case when (g * 3) % 8 = 4 then (g % 7) * 0.01 else g % 4 end,
           '{}', 'metric_value',
           case when g % 17 = 0 then null else (g * 13 + p) % 60 end)
    from generate_series(p * 300, p * 300 + 299) g $$;

-- every window: p_now around the local seams 00:00, 13:00 and 23:59 (+- up to 61 minutes, 20 s
-- past the minute), 1 minute .. 2 days long
create function pg_temp.windows() returns table (p_now timestamptz, minutes integer) language sql as $$
  select (a + make_interval(mins => o, secs => 20)) at time zone 'Asia/Kolkata', w
    from unnest(array[timestamp '2033-03-11 00:00', '2033-03-11 13:00', '2033-03-11 23:59', '2033-03-12 00:30',
                      '2033-03-12 23:00']) a,
         unnest(array[-61, -60, -1, 0, 1, 29]) o,
         unnest(array[1, 7, 59, 60, 61, 119, 1439, 1440, 1441, 2893]) w $$;
-- the window's figures from the raw values, with timestamps: minute values inside [from, to], hour
-- values whose hour overlaps it, day values whose whole day lies inside [from, to + 1 minute)
create function pg_temp.expected(p_now timestamptz, p_minutes integer)
returns table (window_start timestamp, window_end timestamp, sent numeric, delivered numeric, llm_success numeric,
               template_fallback numeric, llm_cost numeric, opt_outs numeric, active_users bigint, limit_users bigint)
language sql as $$
  with w as (
    select date_trunc('minute', (p_now - make_interval(mins => p_minutes)) at time zone 'Asia/Kolkata') as f,
           date_trunc('minute', p_now at time zone 'Asia/Kolkata') as t
  ), x as (
    select r.*, nullif(r.user_id, sms_monitor._system_wide_user()) as who
      from raw r, w
     where case
             when r.metric_hour is null then r.metric_date >= w.f and r.metric_date + 1 <= w.t + interval '1 minute'
             when r.metric_minute is null then r.metric_date + make_interval(hours => r.metric_hour, mins => 59) >= w.f
                                               and r.metric_date + make_interval(hours => r.metric_hour) <= w.t
             else r.metric_date + make_interval(hours => r.metric_hour, mins => r.metric_minute) between w.f and w.t
           end
  )
  select w.f, w.t + interval '1 minute',
         coalesce((select sum(x.metric_value) from x where x.metric_type = 'sent_count'), 0),
         coalesce((select sum(x.metric_value) from x where x.metric_type = 'delivered_count'), 0),
         coalesce((select sum(x.metric_value) from x where x.metric_type = 'llm_success_count'), 0),
         coalesce((select sum(x.metric_value) from x where x.metric_type = 'template_fallback_count'), 0),
         coalesce((select sum(x.metric_value) from x where x.metric_type = 'llm_cost_usd'), 0),
         coalesce((select sum(x.metric_value) from x where x.metric_type = 'opt_out_count'), 0),
         (select count(distinct x.who) from x),
         (select count(distinct x.who) from x where x.metric_type = 'daily_limit_hit_count' and x.metric_value > 0)
    from w $$;
-- the windows whose figures differ (0 when all agree; the first few are printed)
create function pg_temp.differing() returns bigint language plpgsql as $$
declare
  v_n bigint := 0;
  v record;
begin
  for v in
    select w.p_now, w.minutes, a as actual, e as expected
      from pg_temp.windows() w
     cross join lateral sms_monitor._alert_window_stats(w.p_now, w.minutes) a
     cross join lateral pg_temp.expected(w.p_now, w.minutes) e
     where a is distinct from e
  loop
    v_n := v_n + 1;
    if v_n <= 3 then
      raise notice '% / % min: got %, expected %', v.p_now, v.minutes, v.actual, v.expected;
    end if;
  end loop;
  return v_n;
end $$;
-- the grains as they are, against a rebuild from the minute rollups (0 = equal)
create function pg_temp.grains_off() returns bigint language plpgsql as $$
declare
  v_n bigint;
begin
  create temp table kept_system as select * from sms_monitor.sms_metric_rollups_system
   where metric_date between '2032-01-01' and '2033-12-31';
  create temp table kept_minutes as select * from sms_monitor.sms_metric_active_minutes
   where metric_date between '2032-01-01' and '2033-12-31';
  perform sms_monitor._rebuild_window_grains('2032-01-01', '2033-12-31');
  select count(*) into v_n from (
    (select * from kept_system except all select * from sms_monitor.sms_metric_rollups_system)
    union all (select * from sms_monitor.sms_metric_rollups_system where metric_date between '2032-01-01' and '2033-12-31'
               except all select * from kept_system)) d;
  select v_n + count(*) into v_n from (
    (select * from kept_minutes except all select * from sms_monitor.sms_metric_active_minutes)
    union all (select * from sms_monitor.sms_metric_active_minutes where metric_date between '2032-01-01' and '2033-12-31'
               except all select * from kept_minutes)) d;
  drop table kept_system, kept_minutes;
  return v_n;
end $$;

-- ---- rolled up, then a tail on top --------------------------------------------------------
select pg_temp.batch(0);
select pg_temp.batch(1);
select sms_monitor.rollup_sms_metrics();
select pg_temp.batch(2);
select pg_temp.copy_raw();
select is((select count(*) from pg_temp.windows()), 300::bigint, '300 windows');
select is(pg_temp.differing(), 0::bigint, 'every window equals the raw values (rolled-up days and a tail)');
select sms_monitor.rollup_sms_metrics();
select is(pg_temp.differing(), 0::bigint, '... and again once the tail is rolled up');
select is(pg_temp.grains_off(), 0::bigint, 'the grains equal a rebuild from the minute rollups');
select is((select last_id from sms_monitor.sms_metrics_window_grains), sms_monitor._rollup_watermark('sms_metrics'),
  'the grains'' watermark moves with the rollup''s');

-- ---- hour buckets imported through the view (owner only) ----------------------------------
insert into imported (user_id, metric_type, metric_date, metric_hour, metric_value)
values ('c3000000-0000-0000-0000-000000000007', 'sent_count', '2033-03-11', 12, 40),
       ('c3000000-0000-0000-0000-000000000008', 'daily_limit_hit_count', '2033-03-11', 23, 1),
       (sms_monitor._system_wide_user(), 'llm_cost_usd', '2033-03-12', 0, 0.5);
insert into sms_monitor.sms_metrics (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
select i.metric_date, i.metric_hour, nullif(i.user_id, sms_monitor._system_wide_user()), i.metric_type, i.metric_value, 1
  from imported i;
select pg_temp.copy_raw();
select is(pg_temp.differing(), 0::bigint, 'imported hour buckets count like hour values');
select is(pg_temp.grains_off(), 0::bigint, '... and are in the grains');

-- ---- a rollup run that leaves the grains behind (a run with the earlier rollup body) ----------
-- emulated: the grains and their watermark are put back as they were before the run
select pg_temp.batch(3);
create temp table stale_system as select * from sms_monitor.sms_metric_rollups_system;
create temp table stale_minutes as select * from sms_monitor.sms_metric_active_minutes;
create temp table stale_mark as select last_id from sms_monitor.sms_metrics_window_grains;
select sms_monitor.rollup_sms_metrics();
delete from sms_monitor.sms_metric_rollups_system;
insert into sms_monitor.sms_metric_rollups_system select * from stale_system;
delete from sms_monitor.sms_metric_active_minutes;
insert into sms_monitor.sms_metric_active_minutes select * from stale_minutes;
update sms_monitor.sms_metrics_window_grains set last_id = (select last_id from stale_mark);
select pg_temp.copy_raw();
select cmp_ok((select last_id from sms_monitor.sms_metrics_window_grains), '<', sms_monitor._rollup_watermark('sms_metrics'),
  'after the stale run the grains are behind the rollup');
select is(pg_temp.differing(), 0::bigint,
  'every window is still exact: the log rows between the two watermarks count once (grains behind, day tables not)');
select pg_temp.batch(4);
select pg_temp.copy_raw();
select sms_monitor.rollup_sms_metrics();
select is((select last_id from sms_monitor.sms_metrics_window_grains), sms_monitor._rollup_watermark('sms_metrics'),
  'the next run catches the grains up');
select is(pg_temp.grains_off(), 0::bigint, '... by summing the stale run''s days again: equal to a rebuild');
select is(pg_temp.differing(), 0::bigint, '... and every window equals the raw values');

-- ---- retention: minutes of the test days compacted into hours, a day past 400 days gone ------
select sms_monitor._record_metric('2032-01-05', 10, 'c3000000-0000-0000-0000-000000000009', 'sent_count', 5, '{}', 'metric_value', 3);
select pg_temp.copy_raw();  -- before retention may drop the log's partitions
select sms_monitor._apply_sms_retention('2033-03-25 12:00Z');
update raw set metric_minute = null where metric_date < '2033-03-17';
delete from raw where metric_date < date '2033-03-25' - 400;
select is((select count(*) from sms_monitor.sms_metric_rollups_system where metric_minute is not null
             and metric_date between '2033-03-10' and '2033-03-12'), 0::bigint,
  'retention compacts the system-wide minute rows with the minute rollups');
select is((select count(*) from sms_monitor.sms_metric_rollups_system where metric_date = '2032-01-05')
          + (select count(*) from sms_monitor.sms_metric_active_minutes where metric_date = '2032-01-05'), 0::bigint,
  'and deletes an expired day''s grains');
select is(pg_temp.differing(), 0::bigint, 'every window equals the raw values, compacted minutes counting as their hour');
select is(pg_temp.grains_off(), 0::bigint, 'the grains equal a rebuild from the compacted rollups');

select * from finish();
rollback;
