-- GET /api/sms/metrics/user as a function: one user's daily rows and a summary. The summary's
-- delivery rate is recomputed from the summed counts (never an average of daily rates); a
-- self-only caller (request.jwt.claims.sub) reads only itself, and omitting the user means "me". Costs are JSON numbers rounded to 4 places.
create or replace function sms_monitor.api_user_metrics(
  p_user_id uuid default null,
  p_days integer default 30,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_user uuid := coalesce(p_user_id, sms_monitor._caller_user_id());
  v_metrics jsonb;
  v_summary jsonb;
begin
  if v_user is null then
    raise exception 'user_id: is required (or call as a signed-in user: request.jwt.claims.sub)'
      using errcode = '22023';
  end if;
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL')
      using errcode = '22023';
  end if;
  -- given, finite, 2000-01-01 .. 2199-12-31: a year of days back never leaves the date range (no 22008)
  if sms_monitor._reader_time_problem('now', p_now) is not null then
    raise exception '%', sms_monitor._reader_time_problem('now', p_now) using errcode = '22023';
  end if;
  perform sms_monitor._assert_can_read_user(v_user);

  select coalesce(jsonb_agg(to_jsonb(r) order by r.metric_date), '[]'::jsonb),
         jsonb_build_object(
           'total_scheduled', coalesce(sum(r.scheduled_count), 0),
           'total_sent', coalesce(sum(r.sent_count), 0),
           'total_delivered', coalesce(sum(r.delivered_count), 0),
           'total_failed', coalesce(sum(r.failed_count), 0),
           'total_cancelled', coalesce(sum(r.cancelled_count), 0),
           'delivery_rate_percent', round(100 * sum(r.delivered_count)::numeric / nullif(sum(r.sent_count), 0), 2),
           'total_llm_cost_usd', round(coalesce(sum(r.llm_cost_usd), 0), 4),
           'total_sms_cost_usd', round(coalesce(sum(r.sms_cost_usd), 0), 4),
           'days', p_days)
    into v_metrics, v_summary
    from sms_monitor.get_user_sms_metrics(v_user, p_days, p_now) r;
  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object('metrics', v_metrics, 'summary', v_summary),
    'user_id', v_user);
end;
$$;

comment on function sms_monitor.api_user_metrics(uuid, integer, timestamptz) is
  'Dashboard (GET /user): {success, data: {metrics: [daily rows], summary}, user_id} for the last p_days days '
  '(1-365, default 30) up to and including the reporting day of p_now (default now()); NULL user = the '
  'caller (request.jwt.claims.sub). Self-only callers get 42501 for anyone else.';
revoke all on function sms_monitor.api_user_metrics(uuid, integer, timestamptz) from public;
grant execute on function sms_monitor.api_user_metrics(uuid, integer, timestamptz)
  to sms_monitor_reader, sms_monitor_admin, sms_monitor_self;
