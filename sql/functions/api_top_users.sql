-- Top users over the last p_days reporting days including today (the reporting day of p_now):
-- ranked by sent volume (p_by 'sent'), total cost ('cost': LLM + SMS, USD) or failures
-- ('failures': failed_count), highest first, ties by user_id; only users with a non-zero value of
-- the ranking figure. Each row has the user's delivery rate (delivered / sent, NULL when nothing
-- was sent). From sms_metrics_user_daily, live (rollups + the not-yet-rolled-up tail). p_live is
-- accepted for compatibility and has no effect: every read is live. Readers and admins only: it
-- names other users.
create or replace function sms_monitor.api_top_users(
  p_days integer default 7,
  p_by text default 'sent',
  p_limit integer default 10,
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
  v_by text := coalesce(p_by, 'sent');
  v_today date;
  v_data jsonb;
begin
  if p_days is null or p_days < 1 or p_days > 365 then
    raise exception 'days: must be between 1 and 365 (got %)', coalesce(p_days::text, 'NULL') using errcode = '22023';
  end if;
  if v_by not in ('sent', 'cost', 'failures') then
    raise exception 'by: must be sent, cost or failures (got %)', quote_literal(v_by) using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception 'limit: must be between 1 and 100 (got %)', coalesce(p_limit::text, 'NULL') using errcode = '22023';
  end if;
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.reporting_today(p_now);

  with days as (
    select d.user_id, d.sent_count as sent, d.delivered_count as delivered, d.failed_count as failed,
           d.llm_cost_usd as llm_cost, d.sms_cost_usd as sms_cost
      from sms_monitor._user_days_from_view(v_today - (p_days - 1), v_today) d
  ), per_user as (
    select d.user_id, sum(d.sent)::bigint as sent, sum(d.delivered)::bigint as delivered,
           sum(d.failed)::bigint as failed, sum(d.llm_cost) as llm_cost, sum(d.sms_cost) as sms_cost
      from days d
     group by d.user_id
  ), ranked as (
    select u.*, case v_by when 'sent' then u.sent::numeric
                          when 'cost' then u.llm_cost + u.sms_cost
                          else u.failed::numeric end as score
      from per_user u
  ), top as (
    select r.*, row_number() over (order by r.score desc, r.user_id) as rank
      from ranked r
     where r.score > 0
     order by r.score desc, r.user_id
     limit p_limit
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'rank', t.rank,
           'user_id', t.user_id,
           'sent', t.sent,
           'delivered', t.delivered,
           'failed', t.failed,
           'delivery_rate_percent', round(100 * t.delivered::numeric / nullif(t.sent, 0), 2),
           'llm_cost_usd', round(t.llm_cost, 4),
           'sms_cost_usd', round(t.sms_cost, 4),
           'cost_usd', round(t.llm_cost + t.sms_cost, 4)) order by t.rank), '[]'::jsonb)
    into v_data
    from top t;
  return jsonb_build_object(
    'success', true,
    'data', v_data,
    'by', v_by,
    'days', p_days,
    'date_range', jsonb_build_object('start', v_today - (p_days - 1), 'end', v_today));
end;
$$;

comment on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) is
  'Dashboard (GET /top-users): {success, data: [{rank, user_id, sent, delivered, failed, delivery_rate_percent, '
  'llm_cost_usd, sms_cost_usd, cost_usd}], by, days, date_range} for the last p_days (1-365, default 7) reporting '
  'days up to p_now, ranked by p_by sent|cost|failures (default sent; ties by user_id; zero values left out), '
  'at most p_limit (1-100, default 10) users; live (p_live is accepted and has no effect). Bad parameters: 22023.';
revoke all on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean) from public;
grant execute on function sms_monitor.api_top_users(integer, text, integer, timestamptz, boolean)
  to sms_monitor_reader, sms_monitor_admin;
