-- GET /api/sms/metrics/breakdown: where messages fail, per value of one attribute. The messages
-- counted are those that entered the pipeline in the window [start, end): sent then, or reaching a
-- final status then without a sent time. Per key (NULL: the attribute is not known):
--   sent: with a sent time; delivered / failed (undelivered + failed): by the winning final status;
--   terminal = delivered + failed; delivery_rate_percent = delivered / terminal (NULL when none);
--   failure_share_percent = the key's failed / all failed in the window;
--   terminal_share_percent = the key's terminal / all terminal (for by=error_code: each code's share);
--   latency_p50_ms, latency_p95_ms: percentiles of delivered minus sent over the key's delivered
--     messages with a sent time (NULL when none), from their latency histogram
--     (_message_stats, as _histogram_percentile: percentile_disc rank, relative error <= 1.48 %).
-- Sorted worst first: lowest delivery rate (keys without terminal messages last), then most
-- failures, then the key. Read from the minute buckets (_message_stats, exact to the instant), whose
-- attributes are complete whenever they arrived (a carrier named by the receipt counts for the
-- send). A self token sees its own messages (read from sms_messages under row security).
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
  if sms_monitor._message_by_problem(p_by, false) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, false) using errcode = '22023';
  end if;
  select w.from_at, w.to_at into v_from, v_to from sms_monitor._message_window(p_minutes, p_start, p_end, p_now) w;

  with k as (
    select m.value as key, m.sent, m.delivered, m.undelivered + m.failed as failed, m.p50, m.p95
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to) m
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
