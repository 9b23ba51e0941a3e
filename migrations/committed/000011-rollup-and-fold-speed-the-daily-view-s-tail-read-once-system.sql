--! Previous: sha1:5f98c3e8cf383a13ea470cec8190bdb513c7e26d
--! Hash: sha1:3fcf340b8d194e6c6efaa4f32cf9029d6577ed45
--! Message: Rollup and fold speed, the daily view's tail read once, system-wide days summed again

-- The rollup and the message fold back to their speed, the daily view's tail read once, and the
-- system-wide day rows summed again under the rollup's lock.

-- == the rollup and the message fold ==
-- rollup_sms_metrics reads the claimed range once (its minute buckets feed every grain) instead of
-- once per grain; the message fold sums its bucket deltas per latency bucket and error code before
-- building the count maps, instead of building a map per moved row; a message's contributions are
-- computed once per message, not once per bucket kind.
--! Included functions/_message_contributions.sql
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
--! EndIncluded functions/_message_contributions.sql
--! Included functions/rollup_sms_metrics.sql
-- The incremental rollup (every 2 s by run_sms_rollups, the pg_cron job 'sms-monitor-rollup'; also refresh_sms_metrics_daily
-- and apply_sms_retention): adds the log rows past the watermark into sms_metric_rollups, one
-- transaction with the watermark (_rollup_claim_range), so every event counts exactly once however
-- runs overlap, retry or die; the day grains (sms_metric_rollups_daily per user, sms_metric_rollups_system_daily
-- for all users, sms_metric_active_users_daily) in the same transaction.
-- Returns how many log rows it rolled up.
create or replace function sms_monitor.rollup_sms_metrics()
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_range record;
  v_written record;
begin
  if to_regclass(format('sms_monitor.sms_metric_events_%s',
                        to_char((now() at time zone 'UTC')::date + 1, 'YYYYMMDD'))) is null then
    -- (a day with rows in the default partition is left there: see _ensure_sms_event_partitions)
    perform sms_monitor._ensure_sms_event_partitions((now() at time zone 'UTC')::date, 3);
  end if;
  select * into v_range
    from sms_monitor._rollup_claim_range('sms_metrics', 'sms_monitor.sms_metric_events',
                                         'sms_monitor.sms_metric_events_id_seq');
  if v_range.to_id <= v_range.from_id then
    return 0;
  end if;
  -- one pass over the range: its minute buckets (m), from which every grain is added, keys in a
  -- fixed order (retention's compaction takes the same rows' locks in the same order), and the
  -- tables in a fixed order too: the select list reads each insert's result in turn
  with m as materialized (
    select e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute,
           sum(e.metric_value) as metric_value, count(*) as sample_count,
           coalesce(sms_monitor._jsonb_merge_agg(e.metadata order by e.id) filter (where e.metadata is not null),
                    '{}'::jsonb) as metadata
      from sms_monitor.sms_metric_events e
     where e.id > v_range.from_id and e.id <= v_range.to_id
     group by e.user_id, e.metric_type, e.metric_date, e.metric_hour, e.metric_minute
  ), minutes as (
    insert into sms_monitor.sms_metric_rollups as r
      (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
    select m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute, m.metric_value, m.sample_count, m.metadata
      from m
     order by m.user_id, m.metric_type, m.metric_date, m.metric_hour, m.metric_minute
    on conflict on constraint sms_metric_rollups_key do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count,
          metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata)
    returning 1
  ), days as (
    insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
    select m.user_id, m.metric_type, m.metric_date, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.user_id, m.metric_type, m.metric_date
     order by m.user_id, m.metric_type, m.metric_date
    on conflict on constraint sms_metric_rollups_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), system_days as (
    -- the system-wide day grain and the day's users (what sms_metrics_daily reads)
    insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
    select m.metric_date, m.metric_type, sum(m.metric_value), sum(m.sample_count)
      from m
     group by m.metric_date, m.metric_type
     order by m.metric_date, m.metric_type
    on conflict on constraint sms_metric_rollups_system_daily_pkey do update
      set metric_value = r.metric_value + excluded.metric_value,
          sample_count = r.sample_count + excluded.sample_count
    returning 1
  ), users as (
    insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
    select distinct m.metric_date, m.user_id
      from m
     where m.user_id <> sms_monitor._system_wide_user()
     order by m.metric_date, m.user_id
    on conflict on constraint sms_metric_active_users_daily_pkey do nothing
    returning 1
  )
  select (select coalesce(sum(m.sample_count), 0)::bigint from m) as events, (select count(*) from minutes) as minutes,
         (select count(*) from days) as days, (select count(*) from system_days) as system_days,
         (select count(*) from users) as users
    into v_written;
  return v_written.events;
end;
$$;

comment on function sms_monitor.rollup_sms_metrics() is
  'Rolls the sms_metric_events rows past the watermark up into sms_metric_rollups, exactly once (one transaction '
  'with the watermark); returns how many rows. Readers never wait for it: the views add the tail.';
revoke all on function sms_monitor.rollup_sms_metrics() from public;
grant execute on function sms_monitor.rollup_sms_metrics() to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/rollup_sms_metrics.sql
--! Included functions/_fold_message_events.sql
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
-- buckets left without messages are deleted.
create or replace function sms_monitor._fold_message_events(p_from_id bigint, p_to_id bigint, p_tz text)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
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
    union all
    select 1, c.* from updated u cross join lateral sms_monitor._message_contributions(u.m) c
  ), pre as (
    -- summed per bucket key and latency bucket / error code first, so the count maps are built from
    -- these few sums rather than from one map per moved row
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
           sms_monitor._count_map_sum(case when d.bucket is not null and d.messages <> 0
                                           then jsonb_build_object(d.bucket, d.messages) end) as latency,
           sms_monitor._count_map_sum(case when d.error_code is not null and d.messages <> 0
                                           then jsonb_build_object(d.error_code, d.messages) end) as error_codes
      from pre d
     group by d.minute, d.dimension, d.value, d.carrier_country
  ), bucketed as (
    insert into sms_monitor.sms_message_minute_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select d.* from delta d
     where d.messages <> 0 or d.sent <> 0 or d.delivered <> 0 or d.undelivered <> 0 or d.failed <> 0
        or d.canceled <> 0 or d.waiting <> 0 or d.latency <> '{}' or d.error_codes <> '{}'
     order by d.dimension, d.minute, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_minute_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._count_map_add(t.latency, excluded.latency),
           error_codes = sms_monitor._count_map_add(t.error_codes, excluded.error_codes)
    returning 1
  ), hourly as (
    insert into sms_monitor.sms_message_hour_stats as t
      (minute, dimension, value, carrier_country, messages, sent, delivered, undelivered, failed, canceled, waiting, latency, error_codes)
    select date_bin('1 hour', d.minute, timestamptz '2000-01-01 00:00:00+00'), d.dimension, d.value, d.carrier_country, sum(d.messages),
           sum(d.sent), sum(d.delivered), sum(d.undelivered), sum(d.failed), sum(d.canceled), sum(d.waiting),
           sms_monitor._count_map_sum(d.latency), sms_monitor._count_map_sum(d.error_codes)
      from delta d
     group by 1, d.dimension, d.value, d.carrier_country
     order by d.dimension, 1, d.value collate "C", d.carrier_country collate "C"
    on conflict on constraint sms_message_hour_stats_key do update
       set messages = t.messages + excluded.messages, sent = t.sent + excluded.sent,
           delivered = t.delivered + excluded.delivered, undelivered = t.undelivered + excluded.undelivered,
           failed = t.failed + excluded.failed, canceled = t.canceled + excluded.canceled,
           waiting = t.waiting + excluded.waiting,
           latency = sms_monitor._count_map_add(t.latency, excluded.latency),
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
--! EndIncluded functions/_fold_message_events.sql

-- == readers and retention ==
-- sms_metrics_daily finds the tail's new users in its one scan of the tail (was: a scan per day)
--! Included views/sms_metrics_daily.sql
-- One row per reporting day (metric_date is already in the reporting timezone: rows are bucketed
-- at record time), live: the system-wide day rollups (sms_metric_rollups_system_daily, a row per day
-- and metric type) plus the log rows past the rollup's watermark, in one snapshot, so a value counts
-- from its commit on, once. A filter on metric_date reaches both tables' date ranges. Active users:
-- users (not the system-wide nil UUID) with any value that day: the rolled-up ones
-- (sms_metric_active_users_daily) plus those the tail adds, found in the same single scan of the
-- tail that sums its values.
-- Sums are summed, timings are sum / samples (true means, never an average of averages), rates come from the day's summed counts and are NULL when there is nothing to divide
-- by. numeric without a typmod: a ratio above 999 % (duplicate receipts) never overflows, and the
-- counters are numeric too (not bigint): no sum of accepted buckets can make a reader fail.
create or replace view sms_monitor.sms_metrics_daily as
select s.metric_date,
       s.scheduled_count, s.sent_count, s.delivered_count, s.failed_count, s.cancelled_count,
       s.llm_success_count, s.template_fallback_count, s.opt_out_count,
       s.quiet_hours_skip_count, s.daily_limit_hit_count,
       s.llm_cost_usd, s.sms_cost_usd,
       round(s.delivery_time_sum / nullif(s.delivery_time_samples, 0), 2) as avg_delivery_time_ms,
       round(s.generation_time_sum / nullif(s.generation_time_samples, 0), 2) as avg_generation_time_ms,
       round(100 * s.delivered_count::numeric / nullif(s.sent_count, 0), 2) as delivery_rate_percent,
       round(100 * s.llm_success_count::numeric
             / nullif(s.llm_success_count + s.template_fallback_count, 0), 2) as llm_success_rate_percent,
       s.active_users
  from (
    select m.metric_date,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0) as scheduled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0) as sent_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0) as delivered_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0) as failed_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0) as cancelled_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0) as llm_success_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0) as template_fallback_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0) as opt_out_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0) as quiet_hours_skip_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0) as daily_limit_hit_count,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost_usd,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost_usd,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms') as delivery_time_samples,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_sum,
           sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms') as generation_time_samples,
           -- the day's users: the rolled-up ones (an index probe per day) plus those only in the tail
           -- so far (marked in the tail's one scan below)
           coalesce((select count(*) from sms_monitor.sms_metric_active_users_daily a
                      where a.metric_date = m.metric_date), 0)
           + count(distinct m.new_user) as active_users
      from (
        select d.metric_date, d.metric_type, d.metric_value, d.sample_count, null::uuid as new_user
          from sms_monitor.sms_metric_rollups_system_daily d
        union all
        select e.metric_date, e.metric_type, e.metric_value, 1,
               case when e.user_id <> sms_monitor._system_wide_user()
                     and not exists (select from sms_monitor.sms_metric_active_users_daily a
                                      where a.metric_date = e.metric_date and a.user_id = e.user_id)
                    then e.user_id end
          from sms_monitor.sms_metric_events e
         where e.id > sms_monitor._rollup_watermark('sms_metrics')
      ) m
     group by m.metric_date
  ) s;

comment on view sms_monitor.sms_metrics_daily is
  'One row per reporting day: counters, costs, true mean timings, rates from summed counts (NULL '
  'without traffic) and active_users (distinct users with any metric that day). Live (day rollups + the not-yet-rolled-up log).';
revoke all on sms_monitor.sms_metrics_daily from public;
grant select on sms_monitor.sms_metrics_daily to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded views/sms_metrics_daily.sql
-- message rules merge error-code counts only for error_code_share
--! Included functions/_alert_message_values.sql
-- The values of the enabled rules over message metrics (sms_alert_metrics.source = 'messages'), read
-- from the minute buckets (_message_stats), one row per rule (group_value NULL) or, for a rule with group_by, one row per
-- value of that attribute (messages whose attribute is unknown count for no value). Windows are
-- exact: [p_now - window_minutes, p_now), the same messages as api_message_breakdown(minutes) at
-- p_now: sent in the window, or reaching a final status in it without a sent time. Terminal =
-- winning final status delivered, undelivered or failed; bad = undelivered or failed. Every rate
-- is a ratio of sums over messages, never a mean of ratios:
--   message_delivery_rate = 100 * delivered / terminal                       sample: terminal
--   error_code_share      = 100 * terminal with error_code in params.error_codes / terminal
--                                                                           sample: terminal
--   receipt_delay_rate    = 100 * sent in [p_now - after - window, p_now - after) with no final
--                           status at p_now (final_at NULL or >= p_now) / sent in that span
--                           (after = params.after_minutes)                   sample: those sent
--   delivery_latency_p95  = p95 of delivered_at - sent_at in seconds (whole ms) from the latency histogram
--                           (_histogram_percentile: percentile_disc rank, <= 1.48 % off)
--                           over delivered messages with a sent time          sample: those
--   delivery_slo_burn     = see _alert_slo_burn                              (system-wide only)
-- A value with nothing to divide by is not returned (no data).
create or replace function sms_monitor._alert_message_values(p_now timestamptz, p_alert_type text default null)
returns table (alert_type text, group_value text, metric_value numeric, sample_size bigint, detail text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
set plan_cache_mode = force_custom_plan
as $$
declare
  r record;
  v_from timestamptz;
  v_to timestamptz;
  v_codes text[];
  v_span text;
begin
  for r in
    select t.alert_type, t.metric, t.window_minutes, t.group_by, t.params, t.min_sample
      from sms_monitor.sms_alert_thresholds t
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric and m.source = 'messages'
     where t.is_enabled and (p_alert_type is null or t.alert_type = p_alert_type)
     order by t.alert_type
  loop
    if r.metric = 'delivery_slo_burn' then
      return query select r.alert_type, null::text, b.value, b.sample, b.detail
                     from sms_monitor._alert_slo_burn(p_now, r.params, r.min_sample) b;
      continue;
    end if;
    if r.metric = 'receipt_delay_rate' then
      v_to := p_now - make_interval(mins => coalesce((r.params ->> 'after_minutes')::integer, 0));
    else
      v_to := p_now;
    end if;
    v_from := v_to - make_interval(mins => r.window_minutes);
    v_span := format('messages from %s to %s UTC', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                     to_char(v_to at time zone 'UTC', 'HH24:MI:SS'));
    v_codes := array(select jsonb_array_elements_text(coalesce(r.params -> 'error_codes', '[]'::jsonb)));

    if r.metric = 'receipt_delay_rate' then
      -- waiting at p_now: no final status now (the buckets' waiting), or one reached at or after p_now
      return query
      with late as (
        select sms_monitor._message_value(s, r.group_by::sms_monitor.message_dimension) as key, count(*) as n
          from sms_monitor.sms_messages s
         where s.final_at >= p_now and s.sent_at >= v_from and s.sent_at < v_to
         group by 1
      ), k as (
        select m.value as key, m.sent, m.waiting + coalesce((select l.n from late l where l.key is not distinct from m.value), 0) as waiting
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false) m
         where m.sent > 0 and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, 100 * k.waiting::numeric / k.sent, k.sent,
             format('%s of %s sent still without a final status; %s', k.waiting, k.sent, v_span)
        from k;
      continue;
    end if;

    if r.metric = 'delivery_latency_p95' then
      return query
      with k as (
        select m.value as key, (select sum(e.value::bigint) from jsonb_each_text(m.latency) e)::bigint as timed,
               round(sms_monitor._histogram_percentile(m.latency, 0.95)::numeric / 1000, 3) as p95
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to) m
         where m.latency <> '{}' and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, k.p95, k.timed, format('p95 %s s over %s delivered; %s', round(k.p95, 3), k.timed, v_span)
        from k;
      continue;
    end if;

    -- message_delivery_rate, error_code_share: counts of terminal messages
    return query
    with k as (
      select m.value as key, m.delivered + m.undelivered + m.failed as terminal, m.delivered,
             m.undelivered + m.failed as bad,
             coalesce((select sum(e.value::bigint) from jsonb_each_text(m.error_codes) e where e.key = any (v_codes)), 0)::bigint as coded
        from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false,
                                       r.metric = 'error_code_share') m  -- the code counts only where they are read
       where m.delivered + m.undelivered + m.failed > 0 and (r.group_by is null or m.value is not null)
    )
    select r.alert_type, k.key,
           case r.metric
             when 'message_delivery_rate' then 100 * k.delivered::numeric / k.terminal
             else 100 * k.coded::numeric / k.terminal
           end,
           k.terminal,
           case r.metric
             when 'message_delivery_rate' then format('%s delivered of %s terminal (%s undelivered or failed); %s',
               k.delivered, k.terminal, k.bad, v_span)
             else format('%s of %s terminal with error code %s; %s', k.coded, k.terminal, array_to_string(v_codes, ', '), v_span)
           end
      from k;
  end loop;
end;
$$;

comment on function sms_monitor._alert_message_values(timestamptz, text) is
  'Internal: every enabled message-metric rule''s (or p_alert_type''s) value, sample and detail at p_now, per value '
  'of its group_by (group_value NULL: system-wide), from the message minute buckets over [p_now - window, p_now).';
revoke all on function sms_monitor._alert_message_values(timestamptz, text) from public;
--! EndIncluded functions/_alert_message_values.sql
-- message reads use hour buckets only for steps of whole hours
--! Included functions/_message_stats.sql
-- The message counts of the window [p_from, p_to) for the message readers, per value of
-- p_dimension (NULL: every message, value NULL) and, with p_step, per bucket of p_step aligned to
-- the UTC clock (at; NULL without p_step): merged from the minute buckets
-- (sms_message_minute_stats; sms_message_hour_stats for its whole hours unless p_step is not a
-- whole number of hours) for the window's whole minutes and computed from sms_messages
-- (_message_minute_rows) for the partial minutes at its edges, so the window stays exact to the
-- instant. A caller that may not read the buckets (a self token: they count every user's
-- messages) gets the whole window from sms_messages, under its row security. Only values with
-- messages are returned. Columns as in sms_message_minute_stats; latency and error_codes are merged
-- only when asked for (p_latency, p_error_codes; else {}), as merging them costs most. With
-- p_carrier_country (p_dimension carrier) the rows are per carrier and country (carrier_country).
create or replace function sms_monitor._message_stats(
  p_dimension sms_monitor.message_dimension, p_from timestamptz, p_to timestamptz, p_step interval default null,
  p_latency boolean default true, p_error_codes boolean default false, p_carrier_country boolean default false
)
returns table (at timestamptz, value text, messages bigint, sent bigint, delivered bigint, undelivered bigint,
               failed bigint, canceled bigint, waiting bigint, latency jsonb, error_codes jsonb, carrier_country text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  v_lo timestamptz := date_bin('1 minute', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_hi timestamptz := date_bin('1 minute', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_h_lo timestamptz;
  v_h_hi timestamptz;
begin
  if v_lo < p_from then
    v_lo := v_lo + interval '1 minute';
  end if;
  if v_hi <= v_lo or not has_table_privilege('sms_monitor.sms_message_minute_stats', 'select') then
    v_lo := p_to;
    v_hi := p_to;
  end if;
  -- whole hours inside [v_lo, v_hi) from the hour buckets (not for steps below an hour)
  v_h_lo := date_bin('1 hour', v_lo, timestamptz '2000-01-01 00:00:00+00');
  if v_h_lo < v_lo then
    v_h_lo := v_h_lo + interval '1 hour';
  end if;
  v_h_hi := date_bin('1 hour', v_hi, timestamptz '2000-01-01 00:00:00+00');
  if v_h_hi <= v_h_lo or (p_step is not null and (p_step < interval '1 hour' or extract(epoch from p_step) % 3600 <> 0)) then
    v_h_lo := v_hi;
    v_h_hi := v_hi;
  end if;
  -- the buckets' part only where it reads something: a caller without the privilege may not name the table
  return query execute format($q$
  with parts as (
    %3$s
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country
      from sms_monitor._message_minute_rows($2, $3, false, $1) r
    union all
    select r.minute, r.value, r.messages, r.sent, r.delivered, r.undelivered, r.failed, r.canceled, r.waiting,
           r.latency, r.error_codes, r.carrier_country
      from sms_monitor._message_minute_rows($4, $5, false, $1) r
  )
  select case when $6::interval is not null then date_bin($6, p.minute, timestamptz '2000-01-01 00:00:00+00') end,
         p.value, sum(p.messages)::bigint, sum(p.sent)::bigint, sum(p.delivered)::bigint, sum(p.undelivered)::bigint,
         sum(p.failed)::bigint, sum(p.canceled)::bigint, sum(p.waiting)::bigint,
         %1$s, %2$s, %4$s
    from parts p
   group by 1, p.value, 12
  having sum(p.messages) > 0$q$,
    case when p_latency then 'sms_monitor._count_map_sum(p.latency)' else '''{}''::jsonb' end,
    case when p_error_codes then 'sms_monitor._count_map_sum(p.error_codes)' else '''{}''::jsonb' end,
    case when v_lo < v_hi then format($b$
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country
      from sms_monitor.sms_message_minute_stats t
     where %1$s and ((t.minute >= $3 and t.minute < $7) or (t.minute >= $8 and t.minute < $4))
    union all
    select t.minute, t.value, t.messages, t.sent, t.delivered, t.undelivered, t.failed, t.canceled, t.waiting,
           t.latency, t.error_codes, t.carrier_country
      from sms_monitor.sms_message_hour_stats t
     where %1$s and t.minute >= $7 and t.minute < $8
    union all$b$, case when p_dimension is null then 't.dimension is null'
                       else format('t.dimension = %L', p_dimension) end) else '' end,
    case when p_carrier_country then 'p.carrier_country' else 'null::text' end)
  using p_dimension, p_from, v_lo, v_hi, p_to, p_step, v_h_lo, v_h_hi;
end;
$$;

comment on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) is
  'Internal: the message counts of [p_from, p_to) per value of p_dimension (and p_step bucket): minute buckets for '
  'whole minutes, sms_messages for the edges (or for all of it when the caller may not read the buckets).';
revoke all on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean) from public;
grant execute on function sms_monitor._message_stats(sms_monitor.message_dimension, timestamptz, timestamptz, interval, boolean, boolean, boolean)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/_message_stats.sql
-- message bucket retention cuts minutes and hours at the same whole hour
--! Included functions/_apply_sms_message_retention.sql
-- Retention of the message tables (called by _apply_sms_retention with metric_retention_days):
-- messages nothing has arrived for in p_days days (sms_messages.updated_at), and message log rows
-- that arrived before then, and the message buckets (sms_message_minute_stats,
-- sms_message_hour_stats) before the whole hour that contains then: both grains are cut at the same
-- hour, so every hour bucket kept is still the sum of its minute buckets. Their counters live on in
-- the rollups until those age out too.
create or replace function sms_monitor._apply_sms_message_retention(p_now timestamptz, p_days integer)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
  v_bucket_cut timestamptz := date_bin('1 hour', p_now - make_interval(days => p_days), timestamptz '2000-01-01 00:00:00+00');
begin
  delete from sms_monitor.sms_messages m where m.updated_at < p_now - make_interval(days => p_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_messages'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_events e
   where e.recorded_on < ((p_now - make_interval(days => p_days)) at time zone 'UTC')::date;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_events'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_minute_stats t where t.minute < v_bucket_cut;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_minute_stats'; deleted := v_count; return next;
  delete from sms_monitor.sms_message_hour_stats t where t.minute < v_bucket_cut;
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_message_hour_stats'; deleted := v_count; return next;
end;
$$;

comment on function sms_monitor._apply_sms_message_retention(timestamptz, integer) is
  'Internal: deletes messages untouched for p_days days, message log rows recorded before then, and the minute '
  'and hour buckets before the whole hour containing then.';
revoke all on function sms_monitor._apply_sms_message_retention(timestamptz, integer) from public;
--! EndIncluded functions/_apply_sms_message_retention.sql
-- comments and dead checks that still spoke of a view that could be unrefreshed
--! Included functions/_alert_cost_baseline.sql
-- The cost-spike baseline: mean daily LLM cost per active user over the 30 reporting days before
-- p_today, from sms_metrics_daily (30 rows, not 30 days of raw buckets): sum(llm_cost_usd) /
-- sum(active_users), i.e. cost per active user-day (a true mean, not an average of daily ratios).
-- days = how many of those days had traffic (0, and a NULL mean, without any).
create or replace function sms_monitor._alert_cost_baseline(p_today date)
returns table (cost_per_user_day numeric, days integer)
language plpgsql
stable
rows 1
security invoker
set search_path = pg_catalog, pg_temp
-- sms_metrics_daily with a long log tail is costed past jit_above_cost: compiling would take
-- about 0.5 s, the read itself tens of milliseconds
set jit = off
as $$
begin
  return query
  select sum(d.llm_cost_usd) / nullif(sum(d.active_users), 0),
         (count(*) filter (where d.active_users > 0))::integer
    from sms_monitor.sms_metrics_daily d
   where d.metric_date between p_today - 30 and p_today - 1;
end;
$$;

comment on function sms_monitor._alert_cost_baseline(date) is
  'Internal: sum(llm_cost_usd) / sum(active_users) over the 30 reporting days before p_today (sms_metrics_daily), '
  'and how many of them had active users.';
revoke all on function sms_monitor._alert_cost_baseline(date) from public;
--! EndIncluded functions/_alert_cost_baseline.sql
--! Included functions/api_metrics_summary.sql
-- GET /api/sms/metrics/summary as a function: today, the last 7 reporting days, open alerts and
-- health. The week is 7 days including today; unresolved_count counts every open incident (not
-- the length of the limited list). health is the alert engine's, the same object as
-- api_today_metrics' data.health (api_health at the same p_now): {status
-- critical|degraded|healthy|unknown, overall_healthy (NULL when unknown), driving_rule, reason,
-- as_of}. Figures are JSON numbers (avg_daily_cost_usd too, rounded to 4 places); incidents are
-- _incident_json's (times ISO 8601 UTC with Z).
-- The week reads the six previous days from sms_metrics_daily (rollups plus the not yet rolled-up
-- tail, so live; a day with no values has no row) and today as api_today_metrics(p_now, p_live) does.
create or replace function sms_monitor.api_metrics_summary(
  p_now timestamptz default now(),
  p_live boolean default false
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today_body jsonb;
  v_today jsonb;
  v_date date;
  v_week jsonb;
  v_prior jsonb;
  v_alerts jsonb;
  v_open_critical bigint;
begin
  v_today_body := sms_monitor.api_today_metrics(p_now, p_live);
  v_today := v_today_body -> 'data';
  v_date := (v_today ->> 'metric_date')::date;

  select jsonb_build_object(
           'scheduled', coalesce(sum(d.scheduled_count), 0), 'sent', coalesce(sum(d.sent_count), 0),
           'delivered', coalesce(sum(d.delivered_count), 0), 'failed', coalesce(sum(d.failed_count), 0),
           'cancelled', coalesce(sum(d.cancelled_count), 0), 'llm_success', coalesce(sum(d.llm_success_count), 0),
           'template_fallback', coalesce(sum(d.template_fallback_count), 0),
           'opt_out', coalesce(sum(d.opt_out_count), 0), 'llm_cost_usd', coalesce(sum(d.llm_cost_usd), 0),
           'sms_cost_usd', coalesce(sum(d.sms_cost_usd), 0))
    into v_prior
    from sms_monitor.sms_metrics_daily d
   where d.metric_date between v_date - 6 and v_date - 1;
  with t as (
    select coalesce((v_prior ->> 'scheduled')::numeric, 0) + (v_today ->> 'scheduled_count')::numeric as scheduled,
           coalesce((v_prior ->> 'sent')::numeric, 0) + (v_today ->> 'sent_count')::numeric as sent,
           coalesce((v_prior ->> 'delivered')::numeric, 0) + (v_today ->> 'delivered_count')::numeric as delivered,
           coalesce((v_prior ->> 'failed')::numeric, 0) + (v_today ->> 'failed_count')::numeric as failed,
           coalesce((v_prior ->> 'cancelled')::numeric, 0) + (v_today ->> 'cancelled_count')::numeric as cancelled,
           coalesce((v_prior ->> 'llm_success')::numeric, 0) + (v_today ->> 'llm_success_count')::numeric as llm_ok,
           coalesce((v_prior ->> 'template_fallback')::numeric, 0) + (v_today ->> 'template_fallback_count')::numeric as fallback,
           coalesce((v_prior ->> 'opt_out')::numeric, 0) + (v_today ->> 'opt_out_count')::numeric as opt_out,
           coalesce((v_prior ->> 'llm_cost_usd')::numeric, 0) + (v_today ->> 'llm_cost_usd')::numeric as llm_cost,
           coalesce((v_prior ->> 'sms_cost_usd')::numeric, 0) + (v_today ->> 'sms_cost_usd')::numeric as sms_cost
  )
  select jsonb_build_object(
           'start_date', v_date - 6,
           'end_date', v_date,
           'days', 7,
           'totals', jsonb_build_object(
             'scheduled', t.scheduled, 'sent', t.sent, 'delivered', t.delivered, 'failed', t.failed,
             'cancelled', t.cancelled, 'llm_success', t.llm_ok, 'template_fallback', t.fallback,
             'opt_out', t.opt_out, 'llm_cost_usd', t.llm_cost, 'sms_cost_usd', t.sms_cost),
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_success_rate_percent', round(100 * t.llm_ok::numeric / nullif(t.llm_ok + t.fallback, 0), 2),
           'avg_daily_cost_usd', round((t.llm_cost + t.sms_cost) / 7, 4))
    into v_week
    from t;

  select count(*) filter (where h.severity = 'critical')
    into v_open_critical
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;
  select jsonb_build_object(
           'unresolved_count', (select count(*) from sms_monitor.sms_alert_history h where h.resolved_at is null),
           'has_critical', v_open_critical > 0,
           'recent', coalesce(jsonb_agg(sms_monitor._incident_json(r.h)
             order by (r.h).triggered_at desc, (r.h).id), '[]'::jsonb))
    into v_alerts
    from (select h from sms_monitor.sms_alert_history h
           where h.resolved_at is null
           order by h.triggered_at desc, h.id
           limit 5) r;

  return jsonb_build_object(
    'success', true,
    'source', v_today_body -> 'source',
    'as_of', v_today_body -> 'as_of',
    'data', jsonb_build_object(
      'today', v_today,
      'week', v_week,
      'alerts', v_alerts,
      'health', v_today -> 'health'));
end;
$$;

comment on function sms_monitor.api_metrics_summary(timestamptz, boolean) is
  'Dashboard (GET /summary): {success, data: {today, week (7 days incl. today), alerts {unresolved_count, '
  'has_critical, recent (5)}, health (api_health''s status, overall_healthy, driving_rule, reason, as_of)}}.';
revoke all on function sms_monitor.api_metrics_summary(timestamptz, boolean) from public;
grant execute on function sms_monitor.api_metrics_summary(timestamptz, boolean) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_metrics_summary.sql
--! Included functions/_apply_sms_retention.sql
-- Internal (owner only): retention at any p_now, for tests. Everyone else runs apply_sms_retention(),
-- which uses the server's now(): a caller who could choose the cut-off could delete everything.
-- The daily retention job (pg_cron 'sms-monitor-retention'). Deletes, per sms_monitor.settings:
--   first the rollup (rollup_sms_metrics), so every committed event is in the rollups; then
--   sms_metrics buckets (rollup rows, target 'sms_monitor.sms_metrics', which counts them; the
--     per-user and system-wide day rows and the day's users of those days go with them) whose reporting day
--     is more than metric_retention_days (default 400) before the reporting day of p_now, and minute rollups
--     older than _minute_rollup_days() compacted into their hour (one statement: no figure changes);
--   whole partitions of the event log (target 'sms_monitor.sms_metric_events': how many partitions)
--     whose UTC day ended more than _event_log_retention() (3 days) before p_now and whose rows are
--     all rolled up (no DELETE of events, no VACUUM); rolled-up rows of the default partition older
--     than that are deleted (it only holds rows whose day had no partition);
--   the next days' partitions are created (_ensure_sms_event_partitions);
--   outbox rows delivered (status sent) more than notification_retention_days (default 30) ago, of
--     incidents resolved before that too (an open incident keeps them: they say whom to tell when it
--     is resolved); failed and dead rows stay as evidence until an operator looks at them;
--   pg_cron's cron.job_run_details rows that ended more than job_run_retention_days (default 14)
--     ago, when pg_cron is installed here (that table grows by a row per job run, forever).
--   batch ids of record_sms_events (sms_ingest_batches) older than 7 days: a retry later than that
--     would be recorded again (the buffered client gives up on a batch long before);
--   messages untouched for metric_retention_days, their older log rows and the message buckets
--     before then (_apply_sms_message_retention: targets sms_messages, sms_message_events,
--     sms_message_minute_stats, sms_message_hour_stats);
-- Returns one row per target with how many rows went.
create or replace function sms_monitor._apply_sms_retention(p_now timestamptz)
returns table (target text, deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_settings sms_monitor.settings;
  v_count bigint;
  v_watermark bigint;
  v_cutoff date;
  v_part record;
  v_pending boolean;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  select * into v_settings from sms_monitor.settings;

  perform sms_monitor.rollup_sms_metrics();
  select w.last_id into v_watermark from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_metrics';

  delete from sms_monitor.sms_metric_rollups r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  get diagnostics v_count = row_count;
  delete from sms_monitor.sms_metric_rollups_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  delete from sms_monitor.sms_metric_rollups_system_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  delete from sms_monitor.sms_metric_active_users_daily r
   where r.metric_date < sms_monitor.reporting_today(p_now) - v_settings.metric_retention_days;
  target := 'sms_monitor.sms_metrics'; deleted := v_count; return next;

  -- minutes past _minute_rollup_days() become their hour (keys in the rollup's order)
  with moved as (
    delete from sms_monitor.sms_metric_rollups r
     where r.metric_minute is not null
       and r.metric_date < sms_monitor.reporting_today(p_now) - sms_monitor._minute_rollup_days()
    returning r.*
  )
  insert into sms_monitor.sms_metric_rollups as r
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
  select m.user_id, m.metric_type, m.metric_date, m.metric_hour, null,
         sum(m.metric_value), sum(m.sample_count), sms_monitor._jsonb_merge_agg(m.metadata)
    from moved m
   group by m.user_id, m.metric_type, m.metric_date, m.metric_hour
   order by m.user_id, m.metric_type, m.metric_date, m.metric_hour
  on conflict on constraint sms_metric_rollups_key do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count,
        metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata);

  v_cutoff := ((p_now - sms_monitor._event_log_retention()) at time zone 'UTC')::date;
  v_count := 0;
  for v_part in
    select c.oid::regclass as part, substring(c.relname from '_(\d{8})$') as day
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'sms_monitor.sms_metric_events'::regclass
       and c.relname ~ '^sms_metric_events_\d{8}$'
       and to_date(substring(c.relname from '_(\d{8})$'), 'YYYYMMDD') + 1 <= v_cutoff
     order by c.relname
  loop
    execute format('select exists (select from %s e where e.id > $1)', v_part.part) into v_pending using v_watermark;
    if not v_pending then
      execute format('drop table %s', v_part.part);
      v_count := v_count + 1;
    end if;
  end loop;
  delete from sms_monitor.sms_metric_events_default e where e.id <= v_watermark and e.recorded_on < v_cutoff;
  target := 'sms_monitor.sms_metric_events'; deleted := v_count; return next;
  perform sms_monitor._ensure_sms_event_partitions((p_now at time zone 'UTC')::date, 3);

  -- only of incidents resolved before the cut-off: an open incident's sent trigger is how its
  -- acknowledge and resolve find the channels that were told (_alert_told_channels)
  delete from sms_monitor.sms_alert_notifications n
   using sms_monitor.sms_alert_history h
   where h.id = n.alert_id
     and n.status = 'sent' and n.sent_at < p_now - make_interval(days => v_settings.notification_retention_days)
     and h.resolved_at < p_now - make_interval(days => v_settings.notification_retention_days);
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_alert_notifications'; deleted := v_count; return next;

  delete from sms_monitor.sms_ingest_batches b where b.created_at < p_now - interval '7 days';
  get diagnostics v_count = row_count;
  target := 'sms_monitor.sms_ingest_batches'; deleted := v_count; return next;
  return query select * from sms_monitor._apply_sms_message_retention(p_now, v_settings.metric_retention_days);

  if to_regclass('cron.job_run_details') is not null then
    execute 'delete from cron.job_run_details where end_time < $1'
      using p_now - make_interval(days => v_settings.job_run_retention_days);
    get diagnostics v_count = row_count;
    target := 'cron.job_run_details'; deleted := v_count; return next;
  end if;
end;
$$;

comment on function sms_monitor._apply_sms_retention(timestamptz) is
  'Internal: apply_sms_retention at any p_now (owner only).';
revoke all on function sms_monitor._apply_sms_retention(timestamptz) from public;
--! EndIncluded functions/_apply_sms_retention.sql

-- == the system-wide day rows, summed again ==
-- Under the rollup's lock: while the previous migration ran, a rollup that was already waiting
-- kept its earlier function body, which added to the per-user days only; summing them again here
-- counts those runs too (the rollups run with the current bodies from here on).
--! Included functions/_rebuild_system_rollups.sql
-- Rebuilds the system-wide day rollups (sms_metric_rollups_system_daily: one row per day and metric
-- type for all users together; sms_metric_active_users_daily: which users had any row that day) for
-- the reporting days p_from .. p_to from the per-user day grain (sms_metric_rollups_daily), the way
-- rollup_sms_metrics, the sms_metrics insert trigger and retention keep them. The migration's
-- backfill and the benchmark seeders (which write rollup rows directly) call it; the log tail past
-- the watermark stays out, as in every rollup table (readers add it). It holds the rollup's lock,
-- so no rollup run changes the per-user days while they are summed. Returns the day rows written.
create or replace function sms_monitor._rebuild_system_rollups(p_from date, p_to date)
returns bigint
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_count bigint;
begin
  if p_from is null or p_to is null then
    raise exception 'from and to: both days are needed' using errcode = '22023';
  end if;
  -- the rollup's own lock (_rollup_claim_range): no run adds to the day grain while it is summed
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext('sms_metrics'));
  delete from sms_monitor.sms_metric_rollups_system_daily s where s.metric_date between p_from and p_to;
  delete from sms_monitor.sms_metric_active_users_daily a where a.metric_date between p_from and p_to;
  insert into sms_monitor.sms_metric_rollups_system_daily (metric_date, metric_type, metric_value, sample_count)
  select d.metric_date, d.metric_type, sum(d.metric_value), sum(d.sample_count)
    from sms_monitor.sms_metric_rollups_daily d
   where d.metric_date between p_from and p_to
   group by d.metric_date, d.metric_type
   order by d.metric_date, d.metric_type;
  get diagnostics v_count = row_count;
  insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
  select distinct d.metric_date, d.user_id
    from sms_monitor.sms_metric_rollups_daily d
   where d.metric_date between p_from and p_to
     and d.user_id <> sms_monitor._system_wide_user()
   order by d.metric_date, d.user_id;
  return v_count;
end;
$$;

comment on function sms_monitor._rebuild_system_rollups(date, date) is
  'Internal: rebuilds sms_metric_rollups_system_daily and sms_metric_active_users_daily for the days p_from .. p_to '
  'from sms_metric_rollups_daily (migration backfill, benchmark seeds); returns the day rows written.';
revoke all on function sms_monitor._rebuild_system_rollups(date, date) from public;
--! EndIncluded functions/_rebuild_system_rollups.sql
select sms_monitor._rebuild_system_rollups(min(d.metric_date), max(d.metric_date))
  from sms_monitor.sms_metric_rollups_daily d
having count(*) > 0;
