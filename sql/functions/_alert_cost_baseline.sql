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
