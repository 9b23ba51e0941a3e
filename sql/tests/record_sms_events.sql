-- record_sms_events: batches are all or nothing, duplicates add up, errors name the element.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(17);
-- fixed dates that must not age out: retention as long as it goes (the bounds themselves: input_bounds.sql)
update sms_monitor.settings set metric_retention_days = 36500;

select is(sms_monitor.record_sms_events($$[
  {"metric_type": "sent_count", "user_id": "c0000000-0000-0000-0000-000000000001", "occurred_at": "2026-04-01T10:15:00Z"},
  {"metric_type": "sent_count", "user_id": "c0000000-0000-0000-0000-000000000001", "occurred_at": "2026-04-01T10:45:00Z", "value": 2},
  {"metric_type": "sent_count", "occurred_at": "2026-04-01T10:20:00+00:00"},
  {"metric_type": "sent_count", "occurred_at": "2026-04-01T10:25:00Z"},
  {"metric_type": "avg_delivery_time_ms", "value": 1000, "occurred_at": "2026-04-01T10:00:00Z", "metadata": {"a": 1}},
  {"metric_type": "avg_delivery_time_ms", "value": 3000, "occurred_at": "2026-04-01T10:59:59Z", "metadata": {"b": 2}}
]$$::jsonb), 6, 'returns how many events it recorded');
select is((select metric_value from sms_monitor.sms_metrics
            where user_id = 'c0000000-0000-0000-0000-000000000001'), 3::numeric,
  'duplicate keys inside one batch add up (1 + 2)');
select is((select sample_count from sms_monitor.sms_metrics
            where user_id = 'c0000000-0000-0000-0000-000000000001'), 2::bigint, 'as two samples');
select is((select metric_value from sms_monitor.sms_metrics
            where user_id is null and metric_type = 'sent_count'), 2::numeric,
  'NULL-user duplicates add up into one row');
select is((select metric_value::text || '/' || sample_count from sms_monitor.sms_metrics
            where metric_type = 'avg_delivery_time_ms'), '4000/2', 'timings: sum and sample count');
select is((select metadata from sms_monitor.sms_metrics where metric_type = 'avg_delivery_time_ms'),
  '{"a": 1, "b": 2}'::jsonb, 'metadata of the batch merges');
select is(sms_monitor.record_sms_events('[]'), 0, 'an empty batch records nothing');
select is(sms_monitor.record_sms_events('[{"metric_type": "cancelled_count", "metadata": null, "user_id": null, "occurred_at": null}]'),
  1, 'explicit JSON nulls mean "not given" (metadata, user, time)');

-- A second batch adds into the same buckets.
select sms_monitor.record_sms_events($$[{"metric_type": "sent_count", "occurred_at": "2026-04-01T10:30:00Z", "value": 5}]$$);
select is((select metric_value from sms_monitor.sms_metrics where user_id is null and metric_type = 'sent_count'),
  7::numeric, 'later batches add into the existing bucket');

-- All or nothing: a bad element anywhere writes nothing, and the error names it.
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "failed_count", "occurred_at": "2026-04-02T00:00:00Z"},
                                                          {"metric_type": "failed_count", "value": -2}]')$$,
  '22023', 'events[1].value: must not be negative (got -2)', 'negative value in element 1');
select is((select count(*)::int from sms_monitor.sms_metrics where metric_type = 'failed_count'), 0,
  'the good element 0 was not written either');
select throws_ok($$select sms_monitor.record_sms_events('{"metric_type": "sent_count"}')$$,
  '22023', 'events: must be a JSON array of event objects (got object)', 'not an array');
select throws_ok($$select sms_monitor.record_sms_events('[1]')$$,
  '22023', 'events[0].(element): must be an object (got number)', 'element not an object');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "user_id": "bob"}]')$$,
  '22023', 'events[0].user_id: must be a UUID string or null', 'bad user id');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count", "occurred_at": "2026-04-01 10:00"}]')$$,
  '22023', 'events[0].occurred_at: must be an ISO 8601 time with an offset, e.g. 2026-03-29T01:30:00Z',
  'a time without an offset is ambiguous and refused');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "sent_count"}, {"metric_type": "sent_count", "occurred_at": "2026-02-30T10:00:00Z"}]')$$,
  '22023', 'events[1].occurred_at: 2026-02-30T10:00:00Z is not a valid time', 'February 30th');
select throws_ok($$select sms_monitor.record_sms_events('[{"metric_type": "delivery_success_rate"}]')$$,
  '22023', 'events[0].metric_type: delivery_success_rate is derived (delivered_count / sent_count) and cannot be recorded',
  'derived type refused in a batch');

select * from finish();
rollback;
