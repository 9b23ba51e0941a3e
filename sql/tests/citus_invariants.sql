-- What Citus needs of the tables docs/scaling.md distributes, checked on plain PostgreSQL (Citus
-- itself is not installed here): the distribution column user_id exists with one type and is NOT
-- NULL; every unique index and primary key includes it; foreign keys only towards the reference
-- tables; column defaults only those Citus evaluates on the coordinator or pushes down. And the
-- guarded script sql/citus/distribute.sql changes nothing where the extension is missing.
begin;
set local search_path = pgtap, pg_catalog;
select plan(8);

create temp table distributed(rel regclass);
insert into distributed values ('sms_monitor.sms_metric_events'), ('sms_monitor.sms_metric_rollups'),
  ('sms_monitor.sms_metric_rollups_daily');
-- the log's partitions are distributed with it
insert into distributed
select i.inhrelid::regclass from pg_inherits i where i.inhparent = 'sms_monitor.sms_metric_events'::regclass;
create temp table reference(rel regclass);
insert into reference values ('sms_monitor.metric_types'), ('sms_monitor.settings'), ('sms_monitor.sms_rollup_watermarks');

select is((select count(*)::int from distributed d
            join pg_attribute a on a.attrelid = d.rel and a.attname = 'user_id'
           where a.atttypid = 'uuid'::regtype and a.attnotnull),
  (select count(*)::int from distributed), 'every distributed table has user_id uuid NOT NULL (Citus refuses NULL there)');
select is((select array_agg(i.indexrelid::regclass::text order by 1) from distributed d
            join pg_index i on i.indrelid = d.rel
           where (i.indisunique or i.indisprimary)
             and not exists (select from pg_attribute a
                              where a.attrelid = d.rel and a.attname = 'user_id' and a.attnum = any (i.indkey))),
  null, 'every unique index and primary key of a distributed table includes user_id');
select ok((select count(*) from distributed d join pg_index i on i.indrelid = d.rel
            where i.indrelid in ('sms_monitor.sms_metric_rollups'::regclass, 'sms_monitor.sms_metric_rollups_daily'::regclass)
              and i.indisunique) = 2,
  'the rollups'' unique keys exist (the rollup upserts on them)');
select is((select array_agg(c.conname::text) from pg_constraint c
            where c.contype = 'f'
              and c.conrelid in (select rel from distributed)
              and c.confrelid not in (select rel from reference)),
  null, 'foreign keys from distributed tables point only at reference tables');
select is((select array_agg(c.conname::text) from pg_constraint c
            where c.contype = 'f' and c.confrelid in (select rel from distributed)),
  null, 'no foreign key points at a distributed table');
select set_eq($$select a.attrelid::regclass::text || '.' || a.attname || ' = ' || pg_get_expr(d.adbin, d.adrelid)
                  from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
                 where d.adrelid in (select rel from distributed where rel::text not like 'sms_monitor.sms_metric_events_%')$$,
  array['sms_monitor.sms_metric_events.id = nextval(''sms_monitor.sms_metric_events_id_seq''::regclass)',
        'sms_monitor.sms_metric_events.recorded_on = ((now() AT TIME ZONE ''UTC''::text))::date',
        'sms_monitor.sms_metric_rollups.metadata = ''{}''::jsonb'],
  'defaults: a sequence (evaluated on the coordinator), now() and a constant; nothing volatile pushed to workers');
select is((select count(distinct a.atttypid)::int from distributed d
            join pg_attribute a on a.attrelid = d.rel and a.attname = 'user_id'), 1,
  'the co-located tables share the distribution column''s type');

set local client_min_messages = warning;  -- its notice says "nothing distributed"
\ir ../citus/distribute.sql
select is((select count(*)::int from pg_extension where extname = 'citus'), 0,
  'without citus the guarded script ran and distributed nothing (it raised a notice)');

select * from finish();
rollback;
