-- Least privilege: PUBLIC gets nothing, each role only its functions, definer functions pin
-- search_path, tables have row-level security, denials raise 42501.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(14);

create function pg_temp.sqlstate_as(p_role text, p_sql text) returns text language plpgsql as $$
begin
  execute format('set local role %I', p_role);
  begin
    execute p_sql;
  exception when others then
    reset role;
    return sqlstate;
  end;
  reset role;
  return '00000';
end $$;

select is((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'sms_monitor' and has_function_privilege('public', p.oid, 'execute')),
  0, 'PUBLIC may execute no sms_monitor function');
select is(has_schema_privilege('public', 'sms_monitor', 'usage'), false, 'PUBLIC has no usage on the schema');
select is((select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'sms_monitor' and c.relkind in ('r', 'v', 'm')
              and (has_table_privilege('public', c.oid, 'select') or has_table_privilege('public', c.oid, 'insert')
                   or has_table_privilege('public', c.oid, 'update') or has_table_privilege('public', c.oid, 'delete'))),
  0, 'PUBLIC may read or write no table or view');
select is((select string_agg(p.proname, ', ') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'sms_monitor' and p.prosecdef
              and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false)),
  null, 'every security definer function pins search_path = pg_catalog, pg_temp');
select is((select string_agg(c.relname, ', ') from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'sms_monitor' and c.relkind = 'r' and not c.relrowsecurity),
  null, 'every table has row-level security enabled');
select is((select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relname like 'sms%'), 0, 'nothing of ours in public');
select is((select string_agg(p.proname, ', ') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'sms_monitor' and p.proname !~ '^_' and obj_description(p.oid, 'pg_proc') is null),
  null, 'every public function has a comment');

-- Writers record; they cannot read, tune settings or refresh.
select is(pg_temp.sqlstate_as('sms_monitor_writer',
  $$select sms_monitor.record_sms_event('sent_count', null, 1, '2026-01-01T00:00:00Z')$$), '00000', 'writer records');
select is(pg_temp.sqlstate_as('sms_monitor_writer',
  $$select * from sms_monitor.get_sms_daily_metrics('2026-01-01')$$), '42501', 'writer cannot read daily metrics');
select is(pg_temp.sqlstate_as('sms_monitor_writer', $$select * from sms_monitor.sms_metrics$$), '42501',
  'writer cannot read the raw table');
select is(pg_temp.sqlstate_as('sms_monitor_writer', $$insert into sms_monitor.sms_metrics (metric_date, metric_type) values ('2026-01-01', 'sent_count')$$),
  '42501', 'writer cannot insert around the functions (forged metrics)');
select is(pg_temp.sqlstate_as('sms_monitor_reader',
  $$select sms_monitor.record_sms_event('sent_count', null, 1, '2026-01-01T00:00:00Z')$$), '42501',
  'reader cannot record');
select is(pg_temp.sqlstate_as('sms_monitor_reader', $$update sms_monitor.settings set reporting_timezone = 'UTC'$$),
  '42501', 'reader cannot change settings');
select is(pg_temp.sqlstate_as('sms_monitor_admin', $$update sms_monitor.settings set reporting_timezone = 'Europe/Paris'$$),
  '00000', 'admin can change settings');

select * from finish();
rollback;
