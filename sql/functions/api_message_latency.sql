-- GET /api/sms/metrics/latency: how long delivery takes, overall or per value of one attribute.
-- Over the messages sent in the window [start, end) that are delivered: delivered minus sent (at
-- least 0), percentiles p50, p95 and p99 in whole ms from the messages' latency histogram
-- (_latency_histogram, _histogram_percentile: percentile_disc rank, relative error <= 1.48 %),
-- read from sms_messages.
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
  if sms_monitor._message_by_problem(p_by, true) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, true) using errcode = '22023';
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
  ), k0 as (
    select m.key, count(*) as delivered,
           sms_monitor._latency_histogram(m.ms) as h
      from m
     group by m.key
  ), k as (
    select k0.key, k0.delivered, sms_monitor._histogram_percentile(k0.h, 0.5) as p50,
           sms_monitor._histogram_percentile(k0.h, 0.95) as p95, sms_monitor._histogram_percentile(k0.h, 0.99) as p99
      from k0
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
  'GET /latency: {success, by, start, end, data: [{key, delivered, p50_ms, p95_ms, p99_ms}]}: percentiles (log histogram, <= 1.48 % off) of '
  'delivered minus sent for messages sent in the last p_minutes (1-44640) or [p_start, p_end) and delivered, overall '
  '(p_by NULL) or per carrier, country, sender, sender_type, error_code, message_class or provider, slowest first. '
  'Bad parameters: 22023.';
revoke all on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz) from public;
grant execute on function sms_monitor.api_message_latency(text, integer, timestamptz, timestamptz, timestamptz)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
