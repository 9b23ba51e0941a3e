-- The "unknown field" message for _message_event_problem (a sub-select there would stop inlining).
create or replace function sms_monitor._message_event_unknown_field(p_event jsonb)
returns text
language sql
stable
parallel safe
as $$
  select case when k ~ '^[a-z_][a-z0-9_]{0,62}$' then format('%s: unknown field', k)
              else format('(element): unknown field %s', to_json(left(k, 40))::text) end
         || ' (allowed: message_id, status, occurred_at, user_id, provider, sender, sender_type, carrier, '
         || 'country, error_code, segments, price_usd, message_class)'
    from jsonb_object_keys(p_event) k
   where k not in ('message_id', 'status', 'occurred_at', 'user_id', 'provider', 'sender', 'sender_type',
                   'carrier', 'country', 'error_code', 'segments', 'price_usd', 'message_class')
   order by k collate "C"
   limit 1;
$$;

comment on function sms_monitor._message_event_unknown_field(jsonb) is
  'Internal: "<field>: unknown field (allowed: ...)" for the first key of a message event that is not a field.';
revoke all on function sms_monitor._message_event_unknown_field(jsonb) from public;
