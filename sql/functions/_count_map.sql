-- Count maps {key: count} as the minute buckets hold them (terminal messages by error code; the
-- latency histograms are integer arrays: _latency_histogram.sql), merged by adding counts per key:
--   _count_map(text): aggregate, the count of each non-NULL value;
--   _count_map_sum(jsonb): aggregate, the per-key sums of count maps (NULLs skipped; keys summing
--     to 0 left out, so subtracting a map takes it back; a single map is returned as it is: no
--     map holds a 0);
--   _count_map_add(a, b): a plus b, as _count_map_sum.
-- The states are arrays (array_append, built in); the final functions count in one set-based query.
create or replace function sms_monitor._count_map_final(p_values text[])
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(jsonb_object_agg(s.k, s.n), '{}'::jsonb)
    from (select x as k, count(*) as n from unnest(p_values) as u(x) where x is not null group by x) s
$$;

create or replace function sms_monitor._count_map_sum_final(p_maps jsonb[])
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  -- one map (a bucket read alone): itself, its counts are not 0
  select case when cardinality(p_maps) = 1 then coalesce(p_maps[1], '{}'::jsonb)
              else (select coalesce(jsonb_object_agg(s.k, s.n) filter (where s.n <> 0), '{}'::jsonb)
                      from (select e.key as k, sum(e.value::bigint) as n
                              from unnest(p_maps) as u(m) cross join lateral jsonb_each_text(u.m) as e
                             group by e.key) s) end
$$;

create or replace aggregate sms_monitor._count_map(text) (
  sfunc = pg_catalog.array_append, stype = text[], finalfunc = sms_monitor._count_map_final, initcond = '{}'
);

create or replace aggregate sms_monitor._count_map_sum(jsonb) (
  sfunc = pg_catalog.array_append, stype = jsonb[], finalfunc = sms_monitor._count_map_sum_final, initcond = '{}'
);

create or replace function sms_monitor._count_map_add(p_a jsonb, p_b jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select sms_monitor._count_map_sum_final(array[p_a, p_b])
$$;

comment on function sms_monitor._count_map_final(text[]) is 'Internal: the final function of _count_map.';
comment on function sms_monitor._count_map_sum_final(jsonb[]) is 'Internal: the final function of _count_map_sum.';
comment on aggregate sms_monitor._count_map(text) is 'Internal: {value: count} of the non-NULL values.';
comment on aggregate sms_monitor._count_map_sum(jsonb) is 'Internal: the per-key sums of count maps, zero sums left out.';
comment on function sms_monitor._count_map_add(jsonb, jsonb) is 'Internal: two count maps added per key, zero sums left out.';
revoke all on function sms_monitor._count_map_final(text[]) from public;
revoke all on function sms_monitor._count_map_sum_final(jsonb[]) from public;
revoke all on function sms_monitor._count_map(text) from public;
revoke all on function sms_monitor._count_map_sum(jsonb) from public;
revoke all on function sms_monitor._count_map_add(jsonb, jsonb) from public;
grant execute on function sms_monitor._count_map_final(text[]), sms_monitor._count_map_sum_final(jsonb[]),
  sms_monitor._count_map(text), sms_monitor._count_map_sum(jsonb), sms_monitor._count_map_add(jsonb, jsonb)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
