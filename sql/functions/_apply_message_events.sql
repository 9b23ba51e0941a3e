-- Applies the validated events of one message (a JSON array in batch order, each with its status
-- mapped into "_status") under the lock of its sms_messages row, and appends what changes:
--   - each (message, status) counts once: its first event is logged in sms_message_events; a
--     repeat (or another spelling of the status, such as read for delivered) is not, but may fill
--     attributes still unknown and an earlier time: a status's time is the earliest reported;
--   - attributes: the first value given for each stays (a carrier from a receipt, a sender from the
--     send: whichever event brings it);
--   - counters, each from the state before and after, so order does not matter: sent_count +1 when
--     the message first has a sent time; the winning final status (highest final_rank) +1 on its
--     counter, and a final status that loses to a later-arriving higher one gives its 1 back (-1);
--     one avg_delivery_time_ms sample (delivered minus sent, at least 0) once it is delivered and
--     has a sent time, whichever came first, from the times known then (a later repeat with an
--     earlier time corrects sms_messages, not the sample taken); sms_cost_usd + the first price.
--     Each counter lands in the bucket of the time it was counted at (final_at for the final
--     status, which is where a take-back goes).
-- Returns how many (message, status) pairs were new.
create or replace function sms_monitor._apply_message_events(p_message_id text, p_events jsonb, p_tz text)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  o sms_monitor.sms_messages;
  m sms_monitor.sms_messages;
  e jsonb;
  v_at timestamptz;
  v_status text;
  v_is_new boolean;
  v_new integer := 0;
  v_final text;
begin
  insert into sms_monitor.sms_messages (message_id) values (p_message_id) on conflict do nothing;
  select * into o from sms_monitor.sms_messages s where s.message_id = p_message_id for update;
  m := o;
  for e in select x.value from jsonb_array_elements(p_events) x loop
    v_status := e ->> '_status';
    v_at := (e ->> 'occurred_at')::timestamptz;
    m.user_id := coalesce(m.user_id, (e ->> 'user_id')::uuid);
    m.provider := coalesce(m.provider, e ->> 'provider');
    m.sender := coalesce(m.sender, e ->> 'sender');
    m.sender_type := coalesce(m.sender_type, e ->> 'sender_type');
    m.carrier := coalesce(m.carrier, e ->> 'carrier');
    m.country := coalesce(m.country, e ->> 'country');
    m.error_code := coalesce(m.error_code, e ->> 'error_code');
    m.segments := coalesce(m.segments, (e ->> 'segments')::smallint);
    m.message_class := coalesce(m.message_class, e ->> 'message_class');
    if m.price_usd is null and (e ->> 'price_usd') is not null then
      m.price_usd := (e ->> 'price_usd')::numeric;
      m.price_at := v_at;
    end if;
    v_is_new := case v_status
      when 'queued' then m.queued_at is null
      when 'sent' then m.sent_at is null
      when 'delivered' then m.delivered_at is null
      when 'undelivered' then m.undelivered_at is null
      when 'failed' then m.failed_at is null
      when 'canceled' then m.canceled_at is null
    end;
    -- a status's time is the earliest reported for it (least() ignores NULL)
    case v_status
      when 'queued' then m.queued_at := least(m.queued_at, v_at);
      when 'sent' then m.sent_at := least(m.sent_at, v_at);
      when 'delivered' then m.delivered_at := least(m.delivered_at, v_at);
      when 'undelivered' then m.undelivered_at := least(m.undelivered_at, v_at);
      when 'failed' then m.failed_at := least(m.failed_at, v_at);
      when 'canceled' then m.canceled_at := least(m.canceled_at, v_at);
    end case;
    if v_is_new then
      insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
      values (p_message_id, v_status, e ->> 'status', v_at, (e ->> 'user_id')::uuid,
              nullif(e - array['message_id', 'status', 'occurred_at', 'user_id', '_status'], '{}'::jsonb));
      v_new := v_new + 1;
    end if;
  end loop;
  if v_new = 0 and m is not distinct from o then
    return 0;
  end if;

  if o.sent_at is null and m.sent_at is not null then
    perform sms_monitor._message_counter(m.user_id, 'sent_count', 1, m.sent_at, p_tz);
  end if;
  select s.status into v_final
    from sms_monitor.sms_message_statuses s
   where s.final_rank is not null
     and (s.status = 'delivered' and m.delivered_at is not null or s.status = 'undelivered' and m.undelivered_at is not null
          or s.status = 'failed' and m.failed_at is not null or s.status = 'canceled' and m.canceled_at is not null)
   order by s.final_rank desc
   limit 1;
  if v_final is distinct from o.final_status then
    if o.final_status is not null then
      perform sms_monitor._message_counter(o.final_user_id, s.counter, -1, o.final_at, p_tz)
         from sms_monitor.sms_message_statuses s where s.status = o.final_status;
    end if;
    m.final_status := v_final;
    m.final_at := case v_final when 'delivered' then m.delivered_at when 'undelivered' then m.undelivered_at
                               when 'failed' then m.failed_at when 'canceled' then m.canceled_at end;
    m.final_user_id := m.user_id;
    perform sms_monitor._message_counter(m.final_user_id, s.counter, 1, m.final_at, p_tz)
       from sms_monitor.sms_message_statuses s where s.status = v_final;
  end if;
  if m.final_status = 'delivered' and m.sent_at is not null
     and not (o.final_status is not distinct from 'delivered' and o.sent_at is not null) then
    perform sms_monitor._message_counter(m.final_user_id, 'avg_delivery_time_ms',
      round(greatest(0, extract(epoch from m.delivered_at - m.sent_at) * 1000), 3), m.delivered_at, p_tz);
  end if;
  if o.price_usd is null and m.price_usd is not null then
    perform sms_monitor._message_counter(m.user_id, 'sms_cost_usd', m.price_usd, m.price_at, p_tz);
  end if;

  update sms_monitor.sms_messages s
     set user_id = m.user_id, provider = m.provider, sender = m.sender, sender_type = m.sender_type,
         carrier = m.carrier, country = m.country, error_code = m.error_code, segments = m.segments,
         price_usd = m.price_usd, price_at = m.price_at, message_class = m.message_class,
         queued_at = m.queued_at, sent_at = m.sent_at, delivered_at = m.delivered_at,
         undelivered_at = m.undelivered_at, failed_at = m.failed_at, canceled_at = m.canceled_at,
         final_status = m.final_status, final_at = m.final_at, final_user_id = m.final_user_id,
         updated_at = now()
   where s.message_id = p_message_id;
  return v_new;
end;
$$;

comment on function sms_monitor._apply_message_events(text, jsonb, text) is
  'Internal: applies one message''s events under its row lock and appends the counter changes they cause.';
revoke all on function sms_monitor._apply_message_events(text, jsonb, text) from public;
