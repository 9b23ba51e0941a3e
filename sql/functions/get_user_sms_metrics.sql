-- One row per reporting day for one user: the last p_days days including today (the reporting day
-- that contains p_now, default now()), oldest first, never a day after it. Days without traffic
-- are present with zero counts and NULL rates/means. Counts are numeric, never bigint: a sum of
-- buckets can never overflow a reader (each bucket holds at most 1e15, but a day has many).
-- Readers and admins may ask for anyone; the self-only role (PostgREST) only for its own sub.
-- Read from the user's day grain (sms_metric_rollups_daily: a row per type and day, whatever the
-- minute or hour rows it sums) plus the user's log rows past the rollup's watermark, in one
-- snapshot: live, each value once.
create or replace function sms_monitor.get_user_sms_metrics(
  p_user_id uuid,
  p_days integer default 30,
  p_now timestamptz default now()
)
returns table (
  metric_date date,
  scheduled_count numeric,
  sent_count numeric,
  delivered_count numeric,
  failed_count numeric,
  cancelled_count numeric,
  llm_success_count numeric,
  template_fallback_count numeric,
  opt_out_count numeric,
  quiet_hours_skip_count numeric,
  daily_limit_hit_count numeric,
  llm_cost_usd numeric,
  sms_cost_usd numeric,
  avg_delivery_time_ms numeric,
  avg_generation_time_ms numeric,
  delivery_rate_percent numeric,
  llm_success_rate_percent numeric
)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today date;
begin
  if p_user_id is null then
    raise exception 'user_id: is required' using errcode = '22023';
  end if;
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL')
      using errcode = '22023';
  end if;
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);
  perform sms_monitor._assert_can_read_user(p_user_id);

  return query
  with agg as (
    select m.metric_date as d,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'scheduled_count'), 0) as scheduled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sent_count'), 0) as sent,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'delivered_count'), 0) as delivered,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'failed_count'), 0) as failed,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'cancelled_count'), 0) as cancelled,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_success_count'), 0) as llm_ok,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'template_fallback_count'), 0) as fallback,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'opt_out_count'), 0) as opt_out,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'quiet_hours_skip_count'), 0) as quiet,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'daily_limit_hit_count'), 0) as limit_hit,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd'), 0) as llm_cost,
           coalesce(sum(m.metric_value) filter (where m.metric_type = 'sms_cost_usd'), 0) as sms_cost,
           sum(m.metric_value) filter (where m.metric_type = 'avg_delivery_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_delivery_time_ms'), 0) as delivery_ms,
           sum(m.metric_value) filter (where m.metric_type = 'avg_generation_time_ms')
             / nullif(sum(m.sample_count) filter (where m.metric_type = 'avg_generation_time_ms'), 0) as generation_ms
      from (
        select d.metric_date, d.metric_type, d.metric_value, d.sample_count
          from sms_monitor.sms_metric_rollups_daily d
         where d.user_id = p_user_id
           and d.metric_date between v_today - (p_days - 1) and v_today
        union all
        select e.metric_date, e.metric_type, e.metric_value, 1
          from sms_monitor.sms_metric_events e
         where e.id > sms_monitor._rollup_watermark('sms_metrics')
           and e.user_id = p_user_id
           and e.metric_date between v_today - (p_days - 1) and v_today
      ) m
     group by m.metric_date
  )
  select g.d::date,
         coalesce(a.scheduled, 0), coalesce(a.sent, 0), coalesce(a.delivered, 0),
         coalesce(a.failed, 0), coalesce(a.cancelled, 0), coalesce(a.llm_ok, 0),
         coalesce(a.fallback, 0), coalesce(a.opt_out, 0), coalesce(a.quiet, 0),
         coalesce(a.limit_hit, 0), coalesce(a.llm_cost, 0), coalesce(a.sms_cost, 0),
         round(a.delivery_ms, 2), round(a.generation_ms, 2),
         round(100 * a.delivered::numeric / nullif(a.sent, 0), 2),
         round(100 * a.llm_ok::numeric / nullif(a.llm_ok + a.fallback, 0), 2)
    from generate_series(v_today - (p_days - 1), v_today, interval '1 day') as g(d)
    left join agg a on a.d = g.d::date
   order by g.d;
end;
$$;

comment on function sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz) is
  'One row per reporting day for p_user_id over the last p_days days (1-365) up to and including '
  'the reporting day of p_now (default now()). '
  'Self-only callers may read only the user in request.jwt.claims.sub (else 42501).';
revoke all on function sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz) from public;
grant execute on function sms_monitor.get_user_sms_metrics(uuid, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
