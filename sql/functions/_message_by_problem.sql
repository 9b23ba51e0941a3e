-- What is wrong with a message read's by= (NULL: nothing), for the api_message_* functions (22023):
-- one of the enum message_dimension's values; NULL only where p_optional.
create or replace function sms_monitor._message_by_problem(p_by text, p_optional boolean)
returns text
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
  select case
    when p_by is null and p_optional then null
    when p_by is null or p_by <> all (enum_range(null::sms_monitor.message_dimension)::text[]) then
      format('by: must be %s or %s (got %s)',
             array_to_string((enum_range(null::sms_monitor.message_dimension)::text[])[:cardinality(enum_range(null::sms_monitor.message_dimension)) - 1], ', '),
             (enum_range(null::sms_monitor.message_dimension)::text[])[cardinality(enum_range(null::sms_monitor.message_dimension))],
             coalesce(quote_literal(p_by), 'NULL'))
  end
$$;

comment on function sms_monitor._message_by_problem(text, boolean) is
  'Internal: the 22023 message for a by= that is not a message_dimension (NULL allowed when p_optional), or NULL.';
revoke all on function sms_monitor._message_by_problem(text, boolean) from public;
grant execute on function sms_monitor._message_by_problem(text, boolean)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
