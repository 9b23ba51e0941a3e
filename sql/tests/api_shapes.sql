-- The shapes every dashboard body shares: each time is ISO 8601 UTC with "Z" whatever the
-- session's time zone, each figure (counts, costs, rates, values) is a JSON number, and /today,
-- /summary and /health carry one health object. Walks every key of every body, so a new field
-- that returns a time the session's way, or a number as a string, fails here.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(8);

-- Every (key, value) pair of a body, at any depth.
create function pg_temp.pairs(p_body jsonb) returns table (k text, v jsonb) language sql as $$
  with recursive walk(k, v) as (
    select null::text, p_body
    union all
    select e.k, e.v
      from walk w
      cross join lateral (
        select o.key as k, o.value as v from jsonb_each(case when jsonb_typeof(w.v) = 'object' then w.v end) o
        union all
        select w.k, a.value from jsonb_array_elements(case when jsonb_typeof(w.v) = 'array' then w.v end) a) e)
  select k, v from walk where k is not null and jsonb_typeof(v) not in ('object', 'array');
$$;

-- A session far from UTC: jsonb would write its offset.
set local timezone = 'Pacific/Chatham';
select sms_monitor.record_sms_metric(sms_monitor.reporting_today(), 0, 'b0000000-0000-0000-0000-000000000001', 'sent_count', 100);
select sms_monitor.record_sms_metric(sms_monitor.reporting_today(), 0, 'b0000000-0000-0000-0000-000000000001', 'delivered_count', 60);
select sms_monitor.record_sms_metric(sms_monitor.reporting_today(), 0, 'b0000000-0000-0000-0000-000000000001', 'llm_cost_usd', 0.25);
select sms_monitor.record_sms_metric(sms_monitor.reporting_today(), 0, 'b0000000-0000-0000-0000-000000000001', 'sms_cost_usd', 0.79);
select sms_monitor.refresh_sms_metrics_daily();
insert into sms_monitor.sms_alert_history
  (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, message,
   triggered_at, last_value, last_evaluated_at, acknowledged_at, acknowledged_by, dedup_key)
values ('c0000000-0000-0000-0000-000000000001', 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 60, 90, 60,
        'delivery 60 %', now() - interval '10 minutes', 61.5, now(), now() - interval '5 minutes', 'ops', 'k1'),
       ('c0000000-0000-0000-0000-000000000002', 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60,
        'opt-outs 12 %', now() - interval '2 hours', 11, now() - interval '1 hour', null, null, 'k2');
update sms_monitor.sms_alert_history set resolved_at = now() - interval '30 minutes', resolved_by = 'auto'
 where id = 'c0000000-0000-0000-0000-000000000002';
insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload, status, sent_at)
values ('c0000000-0000-0000-0000-000000000001', 'log', 'trigger', '{}', 'sent', now());

create temp table bodies as
select 'today' as name, sms_monitor.api_today_metrics(now(), true) as body
union all select 'summary', sms_monitor.api_metrics_summary(now(), true)
union all select 'health', sms_monitor.api_health(now())
union all select 'alerts', sms_monitor.api_alerts()
union all select 'history', sms_monitor.api_alerts('history', 50, sms_monitor.reporting_today() - 1, sms_monitor.reporting_today())
union all select 'detail', sms_monitor.api_alert_detail('c0000000-0000-0000-0000-000000000001')
union all select 'rules', sms_monitor.api_alert_rules()
union all select 'user', sms_monitor.api_user_metrics('b0000000-0000-0000-0000-000000000001', 7)
union all select 'resolve', sms_monitor.api_resolve_alert('c0000000-0000-0000-0000-000000000002');

select is((select count(*)::int from bodies b, pg_temp.pairs(b.body) p where p.k ~ '(_at|_until|^as_of)$' and jsonb_typeof(p.v) = 'string'), 
          (select count(*)::int from bodies b, pg_temp.pairs(b.body) p where p.k ~ '(_at|_until|^as_of)$' and jsonb_typeof(p.v) = 'string'
              and p.v #>> '{}' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$'),
  'every time in every body is ISO 8601 UTC with Z, in a session at +13:45');
select cmp_ok((select count(*)::int from bodies b, pg_temp.pairs(b.body) p where p.k ~ '(_at|_until|^as_of)$' and jsonb_typeof(p.v) = 'string'),
  '>=', 15, '...and there are times to check (triggered, acknowledged, resolved, evaluated, sent, as_of)');
select is((select array_agg(distinct b.name || '.' || p.k order by b.name || '.' || p.k) from bodies b, pg_temp.pairs(b.body) p
            where p.k ~ '(_count|_usd|_percent|^value|_value|_seconds|_minutes|^sent|^delivered|^failed|^total_\w+)$'
              and jsonb_typeof(p.v) not in ('number', 'null')),
  null, 'every count, cost, rate, value and duration is a JSON number (or null), never a string');
select is((select body #> '{data,week,avg_daily_cost_usd}' from bodies where name = 'summary'), '0.1486'::jsonb,
  'avg_daily_cost_usd: (0.25 + 0.79) / 7 rounded to 4 places, a number');
select is((select body #> '{data,summary,total_llm_cost_usd}' from bodies where name = 'user'), '0.2500'::jsonb,
  'the user summary''s costs are numbers');
select is((select body #> '{data,health}' from bodies where name = 'today'),
          (select (body -> 'data') - 'rules' - 'open_incidents' from bodies where name = 'health'),
  '/today''s health is /health''s');
select is((select body #> '{data,health}' from bodies where name = 'summary'),
          (select body #> '{data,health}' from bodies where name = 'today'),
  '/summary''s health is /today''s');
select is((select array[e ->> 'alert_type', e ->> 'duration_seconds', e ->> 'acknowledged_by', e ->> 'value_text']
             from bodies b, jsonb_array_elements(b.body -> 'data') e where b.name = 'history' and e ->> 'resolved_at' is not null),
  array['opt_out_rate_warning', '5400', null, '11.00 %'],
  'history: a resolved incident with how long it was open and its last value with its unit');

select * from finish();
rollback;
