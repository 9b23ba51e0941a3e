-- What is wrong with a rule's group_by and params for its metric (NULL: nothing), a message naming
-- the column, for _alert_thresholds_validate (22023). group_by only for message metrics; params:
--   error_code_share:   {"error_codes": [1 to 50 distinct non-empty strings of <= 16 characters]}
--   receipt_delay_rate: {"after_minutes": integer 0 to 10080} (absent: 0)
--   delivery_slo_burn:  {"slo_percent": number > 0 and < 100,
--                        "windows": [1 to 4 [long minutes, short minutes, factor > 0]], short < long <= 43200}
--                       system-wide only
--   other metrics:      {} (no parameters)
create or replace function sms_monitor._alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_source text := (select m.source from sms_monitor.sms_alert_metrics m where m.metric = p_metric);
  v_keys text[];
  v_allowed text[] := case p_metric when 'error_code_share' then array['error_codes']
                                    when 'receipt_delay_rate' then array['after_minutes']
                                    when 'delivery_slo_burn' then array['slo_percent', 'windows']
                                    else array[]::text[] end;
  v_pair jsonb;
begin
  if p_group_by is not null and p_group_by <> all (enum_range(null::sms_monitor.message_dimension)::text[]) then
    return format('group_by: must be NULL or one of %s (got %s)',
                  array_to_string(enum_range(null::sms_monitor.message_dimension)::text[], ', '), quote_literal(p_group_by));
  end if;
  if p_group_by is not null and (v_source is distinct from 'messages' or p_metric = 'delivery_slo_burn') then
    return format('group_by: metric %s is system-wide only (per-dimension rules need a message metric)', p_metric);
  end if;
  if p_params is null or jsonb_typeof(p_params) <> 'object' then
    return 'params: must be a JSON object';
  end if;
  v_keys := array(select jsonb_object_keys(p_params) except select unnest(v_allowed));
  if cardinality(v_keys) > 0 then
    return format('params: unknown key %s for metric %s (allowed: %s)', quote_literal(v_keys[1]), p_metric,
                  coalesce(nullif(array_to_string(v_allowed, ', '), ''), 'none'));
  end if;
  if p_metric = 'error_code_share' then
    if jsonb_typeof(p_params -> 'error_codes') is distinct from 'array'
       or jsonb_array_length(p_params -> 'error_codes') not between 1 and 50
       or exists (select from jsonb_array_elements(p_params -> 'error_codes') c
                   where jsonb_typeof(c) <> 'string' or length(c #>> '{}') not between 1 and 16)
       or (select count(distinct c) from jsonb_array_elements_text(p_params -> 'error_codes') c)
          <> jsonb_array_length(p_params -> 'error_codes') then
      return 'params.error_codes: must list 1 to 50 distinct error codes as strings of 1 to 16 characters';
    end if;
  elsif p_metric = 'receipt_delay_rate' and p_params ? 'after_minutes' then
    if jsonb_typeof(p_params -> 'after_minutes') <> 'number'
       or (p_params ->> 'after_minutes')::numeric not between 0 and 10080
       or scale((p_params ->> 'after_minutes')::numeric) > 0 then
      return 'params.after_minutes: must be a whole number of minutes from 0 to 10080';
    end if;
  elsif p_metric = 'delivery_slo_burn' then
    if jsonb_typeof(p_params -> 'slo_percent') is distinct from 'number'
       or (p_params ->> 'slo_percent')::numeric <= 0 or (p_params ->> 'slo_percent')::numeric >= 100 then
      return 'params.slo_percent: must be a number above 0 and below 100';
    end if;
    if jsonb_typeof(p_params -> 'windows') is distinct from 'array'
       or jsonb_array_length(p_params -> 'windows') not between 1 and 4 then
      return 'params.windows: must list 1 to 4 [long minutes, short minutes, factor] pairs';
    end if;
    for v_pair in select jsonb_array_elements(p_params -> 'windows') loop
      if jsonb_typeof(v_pair) <> 'array' or jsonb_array_length(v_pair) <> 3
         or exists (select from jsonb_array_elements(v_pair) x where jsonb_typeof(x) <> 'number')
         or scale((v_pair ->> 0)::numeric) > 0 or scale((v_pair ->> 1)::numeric) > 0
         or (v_pair ->> 1)::numeric < 1 or (v_pair ->> 1)::numeric >= (v_pair ->> 0)::numeric
         or (v_pair ->> 0)::numeric > 43200 or (v_pair ->> 2)::numeric <= 0 or (v_pair ->> 2)::numeric > 1000 then
        return format('params.windows: %s is not [long minutes, short minutes, factor] with whole minutes '
                      '1 <= short < long <= 43200 and 0 < factor <= 1000', v_pair);
      end if;
    end loop;
  end if;
  return null;
end;
$$;

comment on function sms_monitor._alert_rule_params_problem(text, text, jsonb) is
  'Internal: what is wrong with a rule''s group_by and params for its metric (NULL: nothing).';
revoke all on function sms_monitor._alert_rule_params_problem(text, text, jsonb) from public;
