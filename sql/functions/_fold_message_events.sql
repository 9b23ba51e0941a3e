-- The message fold (rollup_sms_messages): applies the logged message events with ids in
-- (p_from_id, p_to_id] to sms_messages and the counters, in a few set-based statements; returns
-- how many events it folded. Only the fold writes sms_messages, serialized by its claim's advisory
-- lock (_rollup_claim_range), so writers only append to the log and never update a shared row.
-- First the range's messages get their sms_messages row (in message_id order). Then, from each
-- message's state before (o) and after (f) the range:
--   - each (message, status) counts once: a repeat (or another spelling of the status, such as
--     read for delivered) may fill attributes still unknown and an earlier time: a status's time
--     is the earliest reported;
--   - attributes: the first value given for each stays (a carrier from a receipt, a sender from the
--     send: whichever event brings it; inside a range, the event logged first);
--   - counters, each from the state before and after, so order does not matter: sent_count +1 when
--     the message first has a sent time; the winning final status (highest final_rank) +1 on its
--     counter, and a final status that loses to a later-arriving higher one gives its 1 back (-1);
--     one avg_delivery_time_ms sample (delivered minus sent, at least 0) once it is delivered and
--     has a sent time, whichever came first, from the times known then (a later repeat with an
--     earlier time corrects sms_messages, not the sample taken); sms_cost_usd + the first price.
--     Each counter lands in the minute of the time it was counted at (final_at for the final
--     status, which is where a take-back goes), appended to sms_metric_events.
-- The minute buckets (sms_message_minute_stats) change by deltas in the same statement: each changed
-- message's rows before (_message_contributions of the old row) are subtracted and its rows after
-- added, keys upserted in a fixed order, and their sums per hour likewise to sms_message_hour_stats;
-- buckets left without messages are deleted. Minutes before the retention cut (_message_bucket_cut)
-- get no delta: retention deleted their buckets (a late receipt of a message sent before the cut
-- would leave a negative or partial row there); sms_messages is updated all the same. The cut is
-- read after the claim, which holds the row retention advances it in.
create or replace function sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_cut timestamptz := sms_monitor._message_bucket_cut();
begin
  insert into sms_monitor.sms_messages as s (message_id)
  select i.id
    from (select distinct l.message_id as id from sms_monitor.sms_message_events l
           where l.id > p_from_id and l.id <= p_to_id) i
   order by i.id collate "C"
  on conflict on constraint sms_messages_pkey do update set updated_at = now();

  with e as (
    select l.id as n, l.message_id, l.status, l.occurred_at as t_at, l.user_id, coalesce(l.attributes, '{}'::jsonb) as v
      from sms_monitor.sms_message_events l
     where l.id > p_from_id and l.id <= p_to_id
  ), g as (
    select e.message_id,
           (array_agg(e.user_id order by e.n) filter (where e.user_id is not null))[1] as user_id,
           (array_agg(e.v ->> 'provider' order by e.n) filter (where e.v ->> 'provider' is not null))[1] as provider,
           (array_agg(e.v ->> 'sender' order by e.n) filter (where e.v ->> 'sender' is not null))[1] as sender,
           (array_agg(e.v ->> 'sender_type' order by e.n) filter (where e.v ->> 'sender_type' is not null))[1] as sender_type,
           (array_agg(e.v ->> 'carrier' order by e.n) filter (where e.v ->> 'carrier' is not null))[1] as carrier,
           (array_agg(e.v ->> 'country' order by e.n) filter (where e.v ->> 'country' is not null))[1] as country,
           (array_agg(e.v ->> 'error_code' order by e.n) filter (where e.v ->> 'error_code' is not null))[1] as error_code,
           (array_agg((e.v ->> 'segments')::smallint order by e.n) filter (where e.v ->> 'segments' is not null))[1] as segments,
           (array_agg(e.v ->> 'message_class' order by e.n) filter (where e.v ->> 'message_class' is not null))[1] as message_class,
           (array_agg((e.v ->> 'price_usd')::numeric order by e.n) filter (where e.v ->> 'price_usd' is not null))[1] as price_usd,
           (array_agg(e.t_at order by e.n) filter (where e.v ->> 'price_usd' is not null))[1] as price_at,
           min(e.t_at) filter (where e.status = 'queued') as queued_at,
           min(e.t_at) filter (where e.status = 'sent') as sent_at,
           min(e.t_at) filter (where e.status = 'delivered') as delivered_at,
           min(e.t_at) filter (where e.status = 'undelivered') as undelivered_at,
           min(e.t_at) filter (where e.status = 'failed') as failed_at,
           min(e.t_at) filter (where e.status = 'canceled') as canceled_at
      from e
     group by e.message_id
  ), n as (
    select o.message_id,
           coalesce(o.user_id, g.user_id) as user_id, coalesce(o.provider, g.provider) as provider,
           coalesce(o.sender, g.sender) as sender, coalesce(o.sender_type, g.sender_type) as sender_type,
           coalesce(o.carrier, g.carrier) as carrier, coalesce(o.country, g.country) as country,
           coalesce(o.error_code, g.error_code) as error_code, coalesce(o.segments, g.segments) as segments,
           coalesce(o.message_class, g.message_class) as message_class,
           case when o.price_usd is null then g.price_usd else o.price_usd end as price_usd,
           case when o.price_usd is null then g.price_at else o.price_at end as price_at,
           least(o.queued_at, g.queued_at) as queued_at, least(o.sent_at, g.sent_at) as sent_at,
           least(o.delivered_at, g.delivered_at) as delivered_at, least(o.undelivered_at, g.undelivered_at) as undelivered_at,
           least(o.failed_at, g.failed_at) as failed_at, least(o.canceled_at, g.canceled_at) as canceled_at,
           o.final_status as old_final, o.final_at as old_final_at, o.final_user_id as old_final_user,
           o.sent_at as old_sent_at, o.price_usd as old_price
      from g join sms_monitor.sms_messages o on o.message_id = g.message_id
  ), w as (
    select n.*, (select s.status from sms_monitor.sms_message_statuses s
                  where s.final_rank is not null
                    and case s.status when 'delivered' then n.delivered_at when 'undelivered' then n.undelivered_at
                                      when 'failed' then n.failed_at when 'canceled' then n.canceled_at end is not null
                  order by s.final_rank desc limit 1) as final_status
      from n
  ), f as (
    select w.*, w.final_status is distinct from w.old_final as final_changed,
           case when w.final_status is distinct from w.old_final
                then case w.final_status when 'delivered' then w.delivered_at when 'undelivered' then w.undelivered_at
                                         when 'failed' then w.failed_at when 'canceled' then w.canceled_at end
                else w.old_final_at end as final_at,
           case when w.final_status is distinct from w.old_final then w.user_id else w.old_final_user end as final_user_id
      from w
  ), effects as (
    select f.user_id, 'sent_count' as metric_type, 1::numeric as value, f.sent_at as t_at
      from f where f.old_sent_at is null and f.sent_at is not null
    union all
    select f.old_final_user, c.counter, -1, f.old_final_at
      from f join sms_monitor.sms_message_statuses c on c.status = f.old_final where f.final_changed
    union all
    select f.final_user_id, c.counter, 1, f.final_at
      from f join sms_monitor.sms_message_statuses c on c.status = f.final_status where f.final_changed
    union all
    select f.final_user_id, 'avg_delivery_time_ms', round(greatest(0, extract(epoch from f.delivered_at - f.sent_at) * 1000), 3),
           f.delivered_at
      from f
     where f.final_status = 'delivered' and f.sent_at is not null
       and not (f.old_final is not distinct from 'delivered' and f.old_sent_at is not null)
    union all
    select f.user_id, 'sms_cost_usd', f.price_usd, f.price_at
      from f where f.old_price is null and f.price_usd is not null
  ), counted as (
    insert into sms_monitor.sms_metric_events
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, metadata)
    select coalesce(x.user_id, sms_monitor._system_wide_user()), x.metric_type, (l.t_local)::date,
           extract(hour from l.t_local)::smallint, extract(minute from l.t_local)::smallint, x.value, null
      from effects x cross join lateral (select x.t_at at time zone p_tz as t_local) l
    returning 1
  ), updated as (
    update sms_monitor.sms_messages s
       set user_id = f.user_id, provider = f.provider, sender = f.sender, sender_type = f.sender_type,
           carrier = f.carrier, country = f.country, error_code = f.error_code, segments = f.segments,
           price_usd = f.price_usd, price_at = f.price_at, message_class = f.message_class,
           queued_at = f.queued_at, sent_at = f.sent_at, delivered_at = f.delivered_at,
           undelivered_at = f.undelivered_at, failed_at = f.failed_at, canceled_at = f.canceled_at,
           final_status = f.final_status, final_at = f.final_at, final_user_id = f.final_user_id,
           updated_at = now()
      from f
     where s.message_id = f.message_id
    returning s as m
  ), moved as (
    select -1 as sign, c.*
      from sms_monitor.sms_messages o
      join f on f.message_id = o.message_id
     cross join lateral sms_monitor._message_contributions(o) c
     where c.minute >= v_cut
    union all
    select 1, c.* from updated u cross join lateral sms_monitor._message_contributions(u.m) c
     where c.minute >= v_cut
  ), pre as (
    -- summed per bucket key and latency bucket / error code first, so the histograms and count maps
    -- of the minutes (delta) and of the hours (hourly) are built from these few sums rather than
    -- from one per moved row
    select d.minute, d.dimension, d.value, d.carrier_country, sms_monitor._latency_bucket(d.latency_ms) as bucket, d.error_code,
           sum(d.sign) as messages, sum(d.sign * d.sent) as sent,
           sum(d.sign * d.delivered) as delivered, sum(d.sign * d.undelivered) as undelivered,
           sum(d.sign * d.failed) as failed, sum(d.sign * d.canceled) as canceled, sum(d.sign * d.waiting) as waiting
      from moved d
     group by 1, 2, 3, 4, 5, 6
  ), delta as (
    select d.minute, d.dimension, d.value, d.carrier_country, sum(d.messages)::bigint as messages, sum(d.sent)::bigint as sent,
           sum(d.delivered)::bigint as delivered, sum(d.undelivered)::bigint as undelivered,
           sum(d.failed)::bigint as failed, sum(d.canceled)::bigint as canceled, sum(d.waiting)::bigint as waiting,
           sms_monitor._latency_histogram_of(case when d.bucket is not null and d.messages <> 0
                                                  then array[d.bucket, d.messages::integer] end) as latency,
           sms_monitor._count_map_sum(case when d.error_code is not null and d.messages <> 0
                                           then jsonb_build_object(d.error_code, d.messages) end) as error_codes
      from pre d
     group by d.minute, d.dimension, d.value, d.carrier_country
  ), bucketed as (
    insert into sms_monitor.sms_message_minute_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select d.* from delta d
     where d.messages <> 0 or d.sent <> 0 or d.delivered <> 0 or d.undelivered <> 0 or d.failed <> 0
        or d.canceled <> 0 or d.waiting <> 0 or cardinality(d.latency) > 0 or d.error_codes <> '{}'
     order by d.dimension, d.minute, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_minute_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._latency_histogram_add(t.latency, excluded.latency),
           error_codes = sms_monitor._count_map_add(t.error_codes, excluded.error_codes)
    returning 1
  ), hourly as (
    insert into sms_monitor.sms_message_hour_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select date_bin('1 hour', d.minute, timestamptz '2000-01-01 00:00:00+00'), d.dimension, d.value, d.carrier_country, sum(d.messages),
           sum(d.sent), sum(d.delivered), sum(d.undelivered), sum(d.failed), sum(d.canceled), sum(d.waiting),
           sms_monitor._latency_histogram_of(case when d.bucket is not null and d.messages <> 0
                                                  then array[d.bucket, d.messages::integer] end),
           sms_monitor._count_map_sum(case when d.error_code is not null and d.messages <> 0
                                           then jsonb_build_object(d.error_code, d.messages) end)
      from pre d
     group by 1, d.dimension, d.value, d.carrier_country
     order by d.dimension, 1, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_hour_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._latency_histogram_add(t.latency, excluded.latency),
           error_codes = sms_monitor._count_map_add(t.error_codes, excluded.error_codes)
    returning 1
  )
  select count(*) into v_count from e;
  -- a bucket every message has left (its attribute arrived, or its time changed minute) goes
  delete from sms_monitor.sms_message_minute_stats t where t.messages = 0;
  delete from sms_monitor.sms_message_hour_stats t where t.messages = 0;
  return v_count;
end;
$$;

comment on function sms_monitor._fold_message_events(bigint, bigint, text) is
  'Internal: folds the logged message events (p_from_id, p_to_id] into sms_messages and appends the counter changes '
  'they cause; the caller holds the fold''s claim (rollup_sms_messages).';
revoke all on function sms_monitor._fold_message_events(bigint, bigint, text) from public;
