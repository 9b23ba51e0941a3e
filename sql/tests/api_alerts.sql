-- api_alerts and api_resolve_alert: open incidents and history by reporting day, limits, every
-- validation error, P0002 for an unknown id, success false for an already resolved incident.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(21);

create function pg_temp.sqlstate_as(p_role text, p_sql text) returns text language plpgsql as $$
begin
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when others then
    reset role;
    return sqlstate || ' ' || sqlerrm;
  end;
  reset role;
  return '00000';
end $$;
create function pg_temp.types(p_body jsonb) returns text language sql as $$
  select string_agg(e ->> 'alert_type', ',' order by n) from jsonb_array_elements(p_body -> 'data') with ordinality x(e, n)
$$;

-- Reporting days in Los Angeles (UTC-7 in May): 2026-05-10T05:00Z is still 05-09 there.
update sms_monitor.settings set reporting_timezone = 'America/Los_Angeles';
insert into sms_monitor.sms_alert_history
  (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, message,
   triggered_at, resolved_at, resolved_by)
values
  ('22222222-0000-0000-0000-000000000001', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80, 90, 60,
   'delivery 80 %', '2026-05-10T10:00:00Z', null, null),
  ('22222222-0000-0000-0000-000000000002', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60,
   'opt-out 12 %', '2026-05-10T11:00:00Z', null, null),
  ('22222222-0000-0000-0000-000000000003', 'llm_cost_spike_warning', 'warning', 'llm_cost_spike', '>', 3, 2, 60,
   'cost 3x', '2026-05-10T05:00:00Z', '2026-05-10T06:00:00Z', 'ops'),
  ('22222222-0000-0000-0000-000000000004', 'llm_cost_spike_warning', 'warning', 'llm_cost_spike', '>', 4, 2, 60,
   'cost 4x', '2026-05-08T07:00:00Z', '2026-05-08T08:00:00Z', 'ops');

select is(pg_temp.types(sms_monitor.api_alerts()), 'opt_out_rate_warning,delivery_rate_critical',
  'default: unresolved incidents, newest first');
select is(sms_monitor.api_alerts('unresolved', 1), jsonb_build_object('success', true, 'type', 'unresolved',
    'data', (select jsonb_agg(to_jsonb(h) || jsonb_build_object(
                 'triggered_at', '2026-05-10T11:00:00Z', 'created_at', sms_monitor._iso_utc(h.created_at),
                 'duration_seconds', null, 'unit', 'percent', 'value_text', '12.00 %', 'threshold_text', '10.00 %'))
               from sms_monitor.sms_alert_history h
              where h.id = '22222222-0000-0000-0000-000000000002')),
  'limit 1: only the newest, every column of the incident, its unit and values with the unit');
set local timezone = 'Asia/Tokyo';
select is((select jsonb_object_agg(k, v) from jsonb_each(sms_monitor.api_alerts('history', 50, '2026-05-09', '2026-05-09') #> '{data,0}') x(k, v)
             where k in ('triggered_at', 'resolved_at', 'resolved_by', 'acknowledged_at', 'last_evaluated_at',
                         'last_notified_at', 'duration_seconds')),
  '{"triggered_at": "2026-05-10T05:00:00Z", "resolved_at": "2026-05-10T06:00:00Z", "resolved_by": "ops",
    "acknowledged_at": null, "last_evaluated_at": null, "last_notified_at": null, "duration_seconds": 3600}'::jsonb,
  'times are ISO 8601 UTC with Z whatever the session''s time zone; a resolved incident has its duration');
set local timezone = 'UTC';
select is(pg_temp.types(sms_monitor.api_alerts('history', 50, '2026-05-09', '2026-05-09')), 'llm_cost_spike_warning',
  'history of 05-09 (Los Angeles): the incident of 05-10 05:00 UTC belongs to it');
select is(sms_monitor.api_alerts('history', 50, '2026-05-09', '2026-05-09') -> 'date_range',
  '{"start": "2026-05-09", "end": "2026-05-09"}'::jsonb, 'the range echoed back');
select is(pg_temp.types(sms_monitor.api_alerts('history', 50, '2026-05-08', '2026-05-10')),
  'opt_out_rate_warning,delivery_rate_critical,llm_cost_spike_warning,llm_cost_spike_warning',
  'end_date is inclusive; resolved and open incidents alike');
select is(pg_temp.types(sms_monitor.api_alerts('history', 2, '2026-05-08', '2026-05-10')),
  'opt_out_rate_warning,delivery_rate_critical', 'history honours the limit');
select is(sms_monitor.api_alerts('history', 50, '2020-01-01', '2020-01-31') -> 'data', '[]'::jsonb,
  'an empty range: an empty list');
select is(jsonb_array_length(sms_monitor.api_alerts('history', 200, '2026-05-08') -> 'data'), 4,
  'end_date omitted: through today; limit 200 is allowed');

select throws_ok($$select sms_monitor.api_alerts('open')$$, '22023', 'type: must be unresolved or history (got ''open'')',
  'unknown type refused');
select throws_ok($$select sms_monitor.api_alerts('unresolved', 0)$$, '22023', 'limit: must be between 1 and 200 (got 0)',
  'limit 0 refused');
select throws_ok($$select sms_monitor.api_alerts('unresolved', 201)$$, '22023', 'limit: must be between 1 and 200 (got 201)',
  'limit 201 refused');
select throws_ok($$select sms_monitor.api_alerts('history')$$, '22023',
  'start_date: is required when type is history (YYYY-MM-DD)', 'history needs start_date');
select throws_ok($$select sms_monitor.api_alerts('history', 50, '2026-05-10', '2026-05-09')$$, '22023',
  'end_date: 2026-05-09 is before start_date 2026-05-10', 'end before start refused');

-- api_resolve_alert
select is(sms_monitor.api_resolve_alert('22222222-0000-0000-0000-000000000001', 'alice') - 'resolved_at',
  '{"success": true, "message": "Alert resolved successfully", "alert_id": "22222222-0000-0000-0000-000000000001",
    "resolved_by": "alice"}'::jsonb, 'resolving an open incident');
select is((select resolved_by from sms_monitor.sms_alert_history where id = '22222222-0000-0000-0000-000000000001'),
  'alice', 'the incident is resolved, by the given name');
select is(sms_monitor.api_resolve_alert('22222222-0000-0000-0000-000000000001', 'bob'),
  (select jsonb_build_object('success', false,
     'message', format('Alert already resolved at %s by alice', t.z),
     'alert_id', h.id, 'resolved_at', t.z, 'resolved_by', 'alice')
     from sms_monitor.sms_alert_history h,
          regexp_replace(to_char(h.resolved_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '\.000000Z$', 'Z') t(z)
    where h.id = '22222222-0000-0000-0000-000000000001'),
  'resolving it again: success false, saying when and by whom (not "resolved successfully")');
select throws_ok($$select sms_monitor.api_resolve_alert('00000000-0000-0000-0000-000000000000')$$, 'P0002',
  'alert_id: alert 00000000-0000-0000-0000-000000000000 does not exist', 'an unknown id: P0002');
select throws_ok($$select sms_monitor.api_resolve_alert(null)$$, '22023', 'alert_id: is required', 'a NULL id refused');
select is(pg_temp.sqlstate_as('sms_monitor_reader', $$select sms_monitor.api_resolve_alert('22222222-0000-0000-0000-000000000002')$$),
  '42501 permission denied for function api_resolve_alert', 'a reader may not resolve');
select is(pg_temp.sqlstate_as('sms_monitor_admin', $$select sms_monitor.api_resolve_alert('22222222-0000-0000-0000-000000000002')$$),
  '00000', 'an admin may');

select * from finish();
rollback;
