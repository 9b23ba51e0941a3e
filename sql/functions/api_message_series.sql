-- GET /api/sms/metrics/series: the incident view's minute-grain series. Buckets of p_step minutes
-- (1, 5, 15 or 60, aligned to the UTC clock) covering the last p_minutes up to and including the
-- bucket that holds p_now; a message counts in the bucket of the time it entered the pipeline
-- (sent, or final without a send), as in the breakdown. Per bucket: sent, delivered, failed
-- (undelivered + failed), delivery_rate_percent (delivered / terminal, NULL without terminal) and
-- p95_ms (of delivered minus sent, from the latency histogram, every bucket's in one query:
-- _message_stats, percentile_disc rank as _histogram_percentile). Without
-- p_by every bucket is listed (zeros when quiet);
-- with p_by one row per bucket and key that has messages. Read from the minute buckets
-- (_message_stats). Row security: self sees its own.
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
  if sms_monitor._message_by_problem(p_by, true) is not null then
    raise exception '%', sms_monitor._message_by_problem(p_by, true) using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_step := make_interval(mins => p_step);
  v_to := date_bin(v_step, p_now, timestamptz '2000-01-01 00:00:00+00') + v_step;
  v_from := v_to - make_interval(mins => p_minutes);

  with k as (
    select m.at as bucket, m.value as key, m.sent, m.delivered, m.undelivered + m.failed as failed,
           m.p95
      from sms_monitor._message_stats(p_by::sms_monitor.message_dimension, v_from, v_to, v_step) m
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
