-- What one message adds to the minute buckets (sms_message_minute_stats): nothing while it has no
-- time entering the pipeline, else one row per bucket kind (dimension NULL: every message, then one
-- per message_dimension with the message's value of it) in the minute of coalesce(sent_at,
-- final_at), the time the message readers window on; the carrier row also names the message's
-- country (carrier_country: receipts are read per carrier and country). Per row: sent (has a sent time), its winning
-- final status as delivered / undelivered / failed / canceled, waiting (sent, no final status),
-- latency_ms (delivered minus sent, at least 0, when delivered with a sent time) and error_code
-- (when terminal: delivered, undelivered or failed). The fold adds a message's rows after a change
-- and subtracts those from before it; _message_minute_rows groups them from scratch. The per-message
-- values are computed once (OFFSET 0 keeps the planner from copying them into each kind's row), then
-- one row per kind. No SET clause, every name qualified: the planner inlines it.
create or replace function sms_monitor._message_contributions(p_message sms_monitor.sms_messages)
returns table (minute timestamptz, dimension sms_monitor.message_dimension, value text, carrier_country text, sent integer,
               delivered integer, undelivered integer, failed integer, canceled integer, waiting integer,
               latency_ms double precision, error_code text)
language sql
stable
parallel safe
as $$
  select m.minute, k.d, sms_monitor._message_value(p_message, k.d), case when k.d = 'carrier' then (p_message).country end,
         m.sent, m.delivered, m.undelivered, m.failed, m.canceled, m.waiting, m.latency_ms, m.error_code
    from (select pg_catalog.date_bin('1 minute', coalesce((p_message).sent_at, (p_message).final_at),
                                     timestamptz '2000-01-01 00:00:00+00') as minute,
                 ((p_message).sent_at is not null)::integer as sent,
                 ((p_message).final_status is not distinct from 'delivered')::integer as delivered,
                 ((p_message).final_status is not distinct from 'undelivered')::integer as undelivered,
                 ((p_message).final_status is not distinct from 'failed')::integer as failed,
                 ((p_message).final_status is not distinct from 'canceled')::integer as canceled,
                 ((p_message).sent_at is not null and (p_message).final_status is null)::integer as waiting,
                 case when (p_message).final_status = 'delivered' and (p_message).sent_at is not null
                      then greatest(0, extract(epoch from (p_message).delivered_at - (p_message).sent_at) * 1000)::double precision
                 end as latency_ms,
                 case when (p_message).final_status in ('delivered', 'undelivered', 'failed') then (p_message).error_code end as error_code
            where coalesce((p_message).sent_at, (p_message).final_at) is not null
           offset 0) m
   cross join pg_catalog.unnest(array[null::sms_monitor.message_dimension]
                                || pg_catalog.enum_range(null::sms_monitor.message_dimension)) as k(d)
$$;

comment on function sms_monitor._message_contributions(sms_monitor.sms_messages) is
  'Internal: the rows one message adds to sms_message_minute_stats (one per kind: all, then each dimension).';
revoke all on function sms_monitor._message_contributions(sms_monitor.sms_messages) from public;
grant execute on function sms_monitor._message_contributions(sms_monitor.sms_messages)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
