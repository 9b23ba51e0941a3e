-- GET /api/sms/metrics/latency: how long delivery takes, overall or per value of one attribute.
-- Over the messages sent in the window [start, end) that are delivered: delivered minus sent (at
-- least 0), percentiles p50, p95 and p99 in whole ms from the messages' latency histogram
-- (_latency_histogram; percentile_disc rank as _histogram_percentile, relative error <= 1.48 %),
-- merged from the minute buckets and read in one query (_message_stats; sent in the window: a delivered message with a
-- sent time enters the pipeline when sent).
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

  with k as (
    select m.value as key, m.timed as delivered, m.p50, m.p95, m.p99
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to) m
     where m.timed > 0
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
