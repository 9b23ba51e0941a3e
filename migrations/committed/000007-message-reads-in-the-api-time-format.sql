--! Previous: sha1:0c11777890816c22078ae185d1687bd8a6cc372c
--! Hash: sha1:509f7f7a96e8ed50ed09eb76e0279c456bb7c398
--! Message: message reads in the api time format

-- The message read functions write their times with _iso_utc, the API's one time format,
-- instead of a format of their own.
--! Included functions/api_message_breakdown.sql
-- GET /api/sms/metrics/breakdown: where messages fail, per value of one attribute. The messages
-- counted are those that entered the pipeline in the window [start, end): sent then, or reaching a
-- final status then without a sent time. Per key (NULL: the attribute is not known):
--   sent: with a sent time; delivered / failed (undelivered + failed): by the winning final status;
--   terminal = delivered + failed; delivery_rate_percent = delivered / terminal (NULL when none);
--   failure_share_percent = the key's failed / all failed in the window;
--   terminal_share_percent = the key's terminal / all terminal (for by=error_code: each code's share);
--   latency_p50_ms, latency_p95_ms: exact percentiles (linear interpolation, percentile_cont) of
--     delivered minus sent over the key's delivered messages with a sent time (NULL when none).
-- Sorted worst first: lowest delivery rate (keys without terminal messages last), then most
-- failures, then the key. Read from sms_messages, whose attributes are complete whenever they
-- arrived (a carrier named by the receipt counts for the send). Row security applies: a self
-- token sees its own messages.
create or replace function sms_monitor.api_message_breakdown(
  p_by text,
  p_minutes integer default 60,
  p_start timestamptz default null,
  p_end timestamptz default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_by is null or p_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    raise exception 'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got %)',
      coalesce(quote_literal(p_by), 'NULL') using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with m as (
    select case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class else s.provider end as key,
           s.sent_at is not null as is_sent,
           s.final_status = 'delivered' as is_delivered,
           s.final_status in ('undelivered', 'failed') as is_failed,
           case when s.final_status = 'delivered' and s.sent_at is not null
                then greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) end as latency_ms
      from sms_monitor.sms_messages s
     where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
  ), k as (
    select m.key, count(*) filter (where m.is_sent) as sent, count(*) filter (where m.is_delivered) as delivered,
           count(*) filter (where m.is_failed) as failed,
           percentile_cont(0.5) within group (order by m.latency_ms) as p50,
           percentile_cont(0.95) within group (order by m.latency_ms) as p95
      from m
     group by m.key
  ), t as (
    select k.*, k.delivered + k.failed as terminal,
           sum(k.failed) over () as all_failed, sum(k.delivered + k.failed) over () as all_terminal
      from k
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', t.key,
           'sent', t.sent,
           'delivered', t.delivered,
           'failed', t.failed,
           'terminal', t.terminal,
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.terminal, 0), 2),
           'failure_share_percent', round(100 * t.failed::numeric / nullif(t.all_failed, 0), 2),
           'terminal_share_percent', round(100 * t.terminal::numeric / nullif(t.all_terminal, 0), 2),
           'latency_p50_ms', round(t.p50::numeric),
           'latency_p95_ms', round(t.p95::numeric))
         order by t.delivered::numeric / nullif(t.terminal, 0) asc nulls last, t.failed desc, t.key collate "C" asc nulls last),
         '[]'::jsonb)
    into v_data
    from t;
  return jsonb_build_object(
    'success', true,
    'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /breakdown: {success, by, start, end, data: [{key, sent, delivered, failed, terminal, delivery_rate_percent, '
  'failure_share_percent, terminal_share_percent, latency_p50_ms, latency_p95_ms}]} per value of p_by (carrier, country, sender, sender_type, error_code, '
  'message_class, provider) for messages entering the pipeline in the last p_minutes (1-44640) or [p_start, p_end), '
  'worst delivery rate first. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_breakdown(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_breakdown.sql
--! Included functions/api_message_latency.sql
-- GET /api/sms/metrics/latency: how long delivery takes, overall or per value of one attribute.
-- Over the messages sent in the window [start, end) that are delivered: delivered minus sent (at
-- least 0), exact percentiles p50, p95 and p99 (percentile_cont, linear interpolation) in whole
-- ms, read from sms_messages (not from histograms: exact, and as costly as the window is large).
-- Rows: one (key NULL) without p_by; with p_by one per key, slowest p95 first. Row security
-- applies: a self token sees its own messages.
create or replace function sms_monitor.api_message_latency(
  p_by text default null,
  p_minutes integer default 60,
  p_start timestamptz default null,
  p_end timestamptz default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_by is not null and p_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    raise exception 'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got %)',
      quote_literal(p_by) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with m as (
    select case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class when 'provider' then s.provider end as key,
           greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) as ms
      from sms_monitor.sms_messages s
     where s.sent_at >= v_from and s.sent_at < v_to
       and s.final_status = 'delivered'
  ), k as (
    select m.key, count(*) as delivered,
           percentile_cont(0.5) within group (order by m.ms) as p50,
           percentile_cont(0.95) within group (order by m.ms) as p95,
           percentile_cont(0.99) within group (order by m.ms) as p99
      from m
     group by m.key
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', k.key, 'delivered', k.delivered,
           'p50_ms', round(k.p50::numeric), 'p95_ms', round(k.p95::numeric), 'p99_ms', round(k.p99::numeric))
         order by k.p95 desc, k.key collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k;
  return jsonb_build_object(
    'success', true,
    'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) is
  'GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: exact percentiles of '
  'delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall '
  '(p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. '
  'Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_latency.sql
--! Included functions/api_message_receipts.sql
-- GET /api/sms/metrics/receipts: receipt delays, apart from failures. Messages sent between
-- p_minutes and p_after_minutes before p_now (sent long enough ago that a receipt is due) that
-- still have no final status, per carrier and country: sent (all sent in that range), waiting
-- (without a final status), waiting_percent, and the oldest waiting send. Most waiting first; rows
-- with nothing waiting are left out. Row security applies: a self token sees its own messages.
create or replace function sms_monitor.api_message_receipts(
  p_after_minutes integer default 10,
  p_minutes integer default 1440,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_from timestamptz;
  v_to timestamptz;
  v_data jsonb;
begin
  if p_after_minutes is null or p_after_minutes < 1 or p_after_minutes > 10080 then
    raise exception 'after_minutes: must be between 1 and 10080 (7 days) (got %)', coalesce(p_after_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_minutes is null or p_minutes <= p_after_minutes or p_minutes > 44640 then
    raise exception 'minutes: must be more than after_minutes (%) and at most 44640 (got %)', p_after_minutes,
      coalesce(p_minutes::text, 'NULL') using errcode = '22023';
  end if;
  select w.from_at into v_from from sms_monitor._message_window(p_minutes, null, null, p_now) w;
  v_to := p_now - make_interval(mins => p_after_minutes);

  with k as (
    select s.carrier, s.country, count(*) as sent, count(*) filter (where s.final_status is null) as waiting,
           min(s.sent_at) filter (where s.final_status is null) as oldest
      from sms_monitor.sms_messages s
     where s.sent_at >= v_from and s.sent_at < v_to
     group by s.carrier, s.country
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'carrier', k.carrier, 'country', k.country, 'sent', k.sent, 'waiting', k.waiting,
           'waiting_percent', round(100 * k.waiting::numeric / k.sent, 2),
           'oldest_waiting_sent_at', sms_monitor._iso_utc(k.oldest))
         order by k.waiting desc, k.carrier collate "C" asc nulls last, k.country collate "C" asc nulls last), '[]'::jsonb)
    into v_data
    from k
   where k.waiting > 0;
  return jsonb_build_object(
    'success', true,
    'after_minutes', p_after_minutes,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_receipts(integer, integer, timestamptz) is
  'GET /receipts: {success, after_minutes, start, end, data: [{carrier, country, sent, waiting, waiting_percent, '
  'oldest_waiting_sent_at}]}: messages sent between p_minutes (default 1440) and p_after_minutes (default 10, 1-10080) '
  'ago still without a final status, per carrier and country, most waiting first. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_receipts(integer, integer, timestamptz) from public;
grant execute on function sms_monitor.api_message_receipts(integer, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_receipts.sql
--! Included functions/api_message_series.sql
-- GET /api/sms/metrics/series: the incident view's minute-grain series. Buckets of p_step minutes
-- (1, 5, 15 or 60, aligned to the UTC clock) covering the last p_minutes up to and including the
-- bucket that holds p_now; a message counts in the bucket of the time it entered the pipeline
-- (sent, or final without a send), as in the breakdown. Per bucket: sent, delivered, failed
-- (undelivered + failed), delivery_rate_percent (delivered / terminal, NULL without terminal) and
-- p95_ms (exact, of delivered minus sent). Without p_by every bucket is listed (zeros when quiet);
-- with p_by one row per bucket and key that has messages. Row security: self sees its own.
create or replace function sms_monitor.api_message_series(
  p_minutes integer default 180,
  p_step integer default 1,
  p_by text default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step interval;
  v_to timestamptz;
  v_from timestamptz;
  v_data jsonb;
begin
  if p_step is null or p_step not in (1, 5, 15, 60) then
    raise exception 'step: must be 1, 5, 15 or 60 minutes (got %)', coalesce(p_step::text, 'NULL') using errcode = '22023';
  end if;
  if p_minutes is null or p_minutes < p_step or p_minutes > 10080 or p_minutes % p_step <> 0 then
    raise exception 'minutes: must be a multiple of step (%) from % to 10080 (got %)', p_step, p_step,
      coalesce(p_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if p_by is not null and p_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    raise exception 'by: must be carrier, country, sender, sender_type, error_code, message_class or provider (got %)',
      quote_literal(p_by) using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_step := make_interval(mins => p_step);
  v_to := date_bin(v_step, p_now, timestamptz '2000-01-01 00:00:00+00') + v_step;
  v_from := v_to - make_interval(mins => p_minutes);

  with m as (
    select date_bin(v_step, coalesce(s.sent_at, s.final_at), timestamptz '2000-01-01 00:00:00+00') as bucket,
           case p_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                     when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                     when 'message_class' then s.message_class when 'provider' then s.provider end as key,
           s.sent_at is not null as is_sent, s.final_status = 'delivered' as is_delivered,
           s.final_status in ('undelivered', 'failed') as is_failed,
           case when s.final_status = 'delivered' and s.sent_at is not null
                then greatest(0, extract(epoch from s.delivered_at - s.sent_at) * 1000) end as latency_ms
      from sms_monitor.sms_messages s
     where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
  ), k as (
    select m.bucket, m.key, count(*) filter (where m.is_sent) as sent, count(*) filter (where m.is_delivered) as delivered,
           count(*) filter (where m.is_failed) as failed,
           percentile_cont(0.95) within group (order by m.latency_ms) as p95
      from m
     group by m.bucket, m.key
  ), rows as (
    select b.bucket, k.key, coalesce(k.sent, 0) as sent, coalesce(k.delivered, 0) as delivered,
           coalesce(k.failed, 0) as failed, k.p95
      from generate_series(v_from, v_to - v_step, v_step) b(bucket)
      left join k on k.bucket = b.bucket
     where p_by is null
    union all
    select k.bucket, k.key, k.sent, k.delivered, k.failed, k.p95 from k where p_by is not null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'at', sms_monitor._iso_utc(r.bucket),
           'key', r.key, 'sent', r.sent, 'delivered', r.delivered, 'failed', r.failed,
           'delivery_rate_percent', round(100 * r.delivered::numeric / nullif(r.delivered + r.failed, 0), 2),
           'p95_ms', round(r.p95::numeric))
         order by r.bucket, r.key collate "C" nulls last), '[]'::jsonb)
    into v_data
    from rows r;
  return jsonb_build_object(
    'success', true, 'step_minutes', p_step, 'by', p_by,
    'start', sms_monitor._iso_utc(v_from),
    'end', sms_monitor._iso_utc(v_to),
    'data', v_data);
end;
$$;

comment on function sms_monitor.api_message_series(integer, integer, text, timestamptz) is
  'GET /series: {success, step_minutes, by, start, end, data: [{at, key, sent, delivered, failed, delivery_rate_percent, '
  'p95_ms}]}: buckets of p_step (1, 5, 15, 60) minutes over the last p_minutes (a multiple of step, up to 10080) up to '
  'the bucket holding p_now; every bucket without p_by, non-empty (bucket, key) rows with it. Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_series(integer, integer, text, timestamptz) from public;
grant execute on function sms_monitor.api_message_series(integer, integer, text, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
--! EndIncluded functions/api_message_series.sql
