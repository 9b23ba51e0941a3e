-- Every enabled rule's (or only p_alert_type's) metric value and sample size at p_now, without side effects. Each window
-- length is computed once, however many rules share it. The formulas (also in sms_alert_metrics
-- and docs/alerts.md):
--   delivery_rate        = 100 * delivered / sent                           sample: sent
--   llm_failure_rate     = 100 * fallbacks / (llm successes + fallbacks)   sample: successes + fallbacks
--   llm_cost_spike       = (llm cost / active users in the window)
--                          / (sum of daily llm cost / sum of daily active users over the 30 days
--                             before today)                                 sample: active users
--                          (NULL = no_data unless >= 7 baseline days had traffic and the baseline > 0)
--   opt_out_rate         = 100 * opt-outs / active users                    sample: active users
--   daily_limit_hit_rate = 100 * users who hit the limit / active users     sample: active users
-- A rate with nothing to divide by is NULL (no data), never 0.
-- Rules over message metrics (sms_alert_metrics.source = 'messages') come from _alert_message_values,
-- one row per value of the rule's group_by (group_value; NULL for a system-wide value). A per-dimension
-- rule with no value at all has no row.
create or replace function sms_monitor._alert_rule_values(p_now timestamptz, p_alert_type text default null)
returns table (alert_type text, metric_value numeric, sample_size bigint, detail text, group_value text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
as $$
  with rules as materialized (
    select t.alert_type, t.metric, t.window_minutes
      from sms_monitor.sms_alert_thresholds t
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric and m.source = 'counters'
     where t.is_enabled and (p_alert_type is null or t.alert_type = p_alert_type)
  ), stats as materialized (
    select w.window_minutes, s.*
      from (select distinct r.window_minutes from rules r) w
     cross join lateral sms_monitor._alert_window_stats(p_now, w.window_minutes) s
  ), base as materialized (
    select b.cost_per_user_day, b.days
      from sms_monitor._alert_cost_baseline(sms_monitor.reporting_today(p_now)) b
     where exists (select from rules r where r.metric = 'llm_cost_spike')
  )
  select r.alert_type, round(v.value, 4), v.sample,
         format('%s; window %s to %s (%s)', v.detail, to_char(s.window_start, 'YYYY-MM-DD HH24:MI'),
                to_char(s.window_end, 'YYYY-MM-DD HH24:MI'), sms_monitor._reporting_timezone()),
         null::text
    from rules r
    join stats s on s.window_minutes = r.window_minutes
    left join base b on true
   cross join lateral (
     select case r.metric
         when 'delivery_rate' then 100 * s.delivered / nullif(s.sent, 0)
         when 'llm_failure_rate' then 100 * s.template_fallback / nullif(s.llm_success + s.template_fallback, 0)
         when 'llm_cost_spike' then case when b.days >= 7 and b.cost_per_user_day > 0 then
             (s.llm_cost / nullif(s.active_users, 0)) / b.cost_per_user_day end
         when 'opt_out_rate' then 100 * s.opt_outs / nullif(s.active_users, 0)
         when 'daily_limit_hit_rate' then 100 * s.limit_users / nullif(s.active_users, 0)
       end as value,
       case r.metric
         -- saturating: a sample past bigint is as "enough" as any other (the sums stay numeric)
         when 'delivery_rate' then least(s.sent, 9223372036854775807)::bigint
         when 'llm_failure_rate' then least(s.llm_success + s.template_fallback, 9223372036854775807)::bigint
         else s.active_users
       end as sample,
       case r.metric
         when 'delivery_rate' then format('%s delivered of %s sent', s.delivered, s.sent)
         when 'llm_failure_rate' then format('%s template fallbacks, %s LLM successes', s.template_fallback, s.llm_success)
         when 'llm_cost_spike' then format('LLM cost %s USD for %s active users; baseline %s USD per active user-day over %s days',
             round(s.llm_cost, 4), s.active_users, coalesce(round(b.cost_per_user_day, 6)::text, 'none'), coalesce(b.days, 0))
         when 'opt_out_rate' then format('%s opt-outs, %s active users', s.opt_outs, s.active_users)
         when 'daily_limit_hit_rate' then format('%s users hit the daily limit, %s active users', s.limit_users, s.active_users)
       end as detail
   ) v
  union all
  select x.alert_type, round(x.metric_value, 4), x.sample_size, x.detail, x.group_value
    from sms_monitor._alert_message_values(p_now, p_alert_type) x;
$$;

comment on function sms_monitor._alert_rule_values(timestamptz, text) is
  'Internal: every enabled rule''s (or p_alert_type''s) metric value, sample size and a detail line at p_now, over the hourly buckets '
  'overlapping the rule''s window (daily buckets only when their whole day is inside). delivery_rate = 100 * '
  'delivered / sent (sample: sent); llm_failure_rate = 100 * fallbacks / (llm successes + fallbacks) (sample: '
  'both); llm_cost_spike = (llm cost / active users) / (sum daily llm cost / sum daily active users over the 30 '
  'days before today, >= 7 days with traffic) (sample: active users); opt_out_rate = 100 * opt-outs / active '
  'users; daily_limit_hit_rate = 100 * users with a daily-limit hit / active users. Active user = a user_id with '
  'any bucket in the window. Nothing to divide by = NULL (no_data). Message metrics: _alert_message_values, one row '
  'per group_value of a per-dimension rule.';
revoke all on function sms_monitor._alert_rule_values(timestamptz, text) from public;
