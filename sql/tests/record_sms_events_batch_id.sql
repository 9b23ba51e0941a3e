-- record_sms_events(p_events, p_batch_id): a batch id is recorded once with its result; a repeat
-- is a no-op returning the first result; a failed batch leaves no id behind; NULL id = no dedup.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(9);

create function pg_temp.batch(p_n int) returns jsonb language sql as $$
  select jsonb_agg(jsonb_build_object('metric_type', 'sent_count', 'occurred_at',
           to_char((now() - interval '1 minute') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
    from generate_series(1, p_n) $$;
create function pg_temp.sent() returns numeric language sql as $$
  select coalesce(sum(metric_value), 0) from sms_monitor.sms_metrics where metric_type = 'sent_count' $$;

select is(sms_monitor.record_sms_events(pg_temp.batch(3), 'a0000000-0000-0000-0000-0000000000b1'), 3, 'first call records 3');
select is(sms_monitor.record_sms_events(pg_temp.batch(3), 'a0000000-0000-0000-0000-0000000000b1'), 3, 'the repeat returns the first result');
select is(pg_temp.sent(), 3::numeric, 'and records nothing');
select is(sms_monitor.record_sms_events(pg_temp.batch(5), 'a0000000-0000-0000-0000-0000000000b1'), 3,
  'a different payload under the same id is still the first batch (one id, one batch)');
select is(pg_temp.sent(), 3::numeric, 'nothing added');
select is((select recorded from sms_monitor.sms_ingest_batches where batch_id = 'a0000000-0000-0000-0000-0000000000b1'), 3,
  'the id is stored with its result');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "nope"}]', 'a0000000-0000-0000-0000-0000000000b2')$$,
  '22023', 'events[0].metric_type: unknown metric type ''nope''', 'a refused batch');
select is((select count(*)::int from sms_monitor.sms_ingest_batches where batch_id = 'a0000000-0000-0000-0000-0000000000b2'), 0,
  'leaves no id behind (a corrected retry with it is recorded)');
select sms_monitor.record_sms_events(pg_temp.batch(2));
select sms_monitor.record_sms_events(pg_temp.batch(2));
select is(pg_temp.sent(), 7::numeric, 'without an id every call records (at least once)');

select * from finish();
rollback;
