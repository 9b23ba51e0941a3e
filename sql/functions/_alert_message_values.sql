-- The values of the enabled rules over message metrics (sms_alert_metrics.source = 'messages'), read
-- from the minute buckets (_message_stats), one row per rule (group_value NULL) or, for a rule with group_by, one row per
-- value of that attribute (messages whose attribute is unknown count for no value). Windows are
-- exact: [p_now - window_minutes, p_now), the same messages as api_message_breakdown(minutes) at
-- p_now: sent in the window, or reaching a final status in it without a sent time. Terminal =
-- winning final status delivered, undelivered or failed; bad = undelivered or failed. Every rate
-- is a ratio of sums over messages, never a mean of ratios:
--   message_delivery_rate = 100 * delivered / terminal                       sample: terminal
--   error_code_share      = 100 * terminal with error_code in params.error_codes / terminal
--                                                                           sample: terminal
--   receipt_delay_rate    = 100 * sent in [p_now - after - window, p_now - after) with no final
--                           status at p_now (final_at NULL or >= p_now) / sent in that span
--                           (after = params.after_minutes)                   sample: those sent
--   delivery_latency_p95  = p95 of delivered_at - sent_at in seconds (whole ms) from the latency histogram
--                           (_message_stats: percentile_disc rank, <= 1.48 % off)
--                           over delivered messages with a sent time          sample: those
--   delivery_slo_burn     = see _alert_slo_burn                              (system-wide only)
-- A value with nothing to divide by is not returned (no data).
create or replace function sms_monitor._alert_message_values(p_now timestamptz, p_alert_type text default null)
returns table (alert_type text, group_value text, metric_value numeric, sample_size bigint, detail text)
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
set plan_cache_mode = force_custom_plan
as $$
declare
  r record;
  v_from timestamptz;
  v_to timestamptz;
  v_codes text[];
  v_span text;
begin
  for r in
    select t.alert_type, t.metric, t.window_minutes, t.group_by, t.params, t.min_sample
      from sms_monitor.sms_alert_thresholds t
      join sms_monitor.sms_alert_metrics m on m.metric = t.metric and m.source = 'messages'
     where t.is_enabled and (p_alert_type is null or t.alert_type = p_alert_type)
     order by t.alert_type
  loop
    if r.metric = 'delivery_slo_burn' then
      return query select r.alert_type, null::text, b.value, b.sample, b.detail
                     from sms_monitor._alert_slo_burn(p_now, r.params, r.min_sample) b;
      continue;
    end if;
    if r.metric = 'receipt_delay_rate' then
      v_to := p_now - make_interval(mins => coalesce((r.params ->> 'after_minutes')::integer, 0));
    else
      v_to := p_now;
    end if;
    v_from := v_to - make_interval(mins => r.window_minutes);
    v_span := format('messages from %s to %s UTC', to_char(v_from at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                     to_char(v_to at time zone 'UTC', 'HH24:MI:SS'));
    v_codes := array(select jsonb_array_elements_text(coalesce(r.params -> 'error_codes', '[]'::jsonb)));

    if r.metric = 'receipt_delay_rate' then
      -- waiting at p_now: no final status now (the buckets' waiting), or one reached at or after p_now
      return query
      with late as (
        select sms_monitor._message_value(s, r.group_by::sms_monitor.message_dimension) as key, count(*) as n
          from sms_monitor.sms_messages s
         where s.final_at >= p_now and s.sent_at >= v_from and s.sent_at < v_to
         group by 1
      ), k as (
        select m.value as key, m.sent, m.waiting + coalesce((select l.n from late l where l.key is not distinct from m.value), 0) as waiting
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false) m
         where m.sent > 0 and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, 100 * k.waiting::numeric / k.sent, k.sent,
             format('%s of %s sent still without a final status; %s', k.waiting, k.sent, v_span)
        from k;
      continue;
    end if;

    if r.metric = 'delivery_latency_p95' then
      return query
      with k as (
        select m.value as key, m.timed, round(m.p95::numeric / 1000, 3) as p95
          from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to) m
         where m.timed > 0 and (r.group_by is null or m.value is not null)
      )
      select r.alert_type, k.key, k.p95, k.timed, format('p95 %s s over %s delivered; %s', round(k.p95, 3), k.timed, v_span)
        from k;
      continue;
    end if;

    -- message_delivery_rate, error_code_share: counts of terminal messages
    return query
    with k as (
      select m.value as key, m.delivered + m.undelivered + m.failed as terminal, m.delivered,
             m.undelivered + m.failed as bad,
             coalesce((select sum(e.value::bigint) from jsonb_each_text(m.error_codes) e where e.key = any (v_codes)), 0)::bigint as coded
        from sms_monitor._message_stats(r.group_by::sms_monitor.message_dimension, v_from, v_to, null, false,
                                       r.metric = 'error_code_share') m  -- the code counts only where they are read
       where m.delivered + m.undelivered + m.failed > 0 and (r.group_by is null or m.value is not null)
    )
    select r.alert_type, k.key,
           case r.metric
             when 'message_delivery_rate' then 100 * k.delivered::numeric / k.terminal
             else 100 * k.coded::numeric / k.terminal
           end,
           k.terminal,
           case r.metric
             when 'message_delivery_rate' then format('%s delivered of %s terminal (%s undelivered or failed); %s',
               k.delivered, k.terminal, k.bad, v_span)
             else format('%s of %s terminal with error code %s; %s', k.coded, k.terminal, array_to_string(v_codes, ', '), v_span)
           end
      from k;
  end loop;
end;
$$;

comment on function sms_monitor._alert_message_values(timestamptz, text) is
  'Internal: every enabled message-metric rule''s (or p_alert_type''s) value, sample and detail at p_now, per value '
  'of its group_by (group_value NULL: system-wide), from the message minute buckets over [p_now - window, p_now).';
revoke all on function sms_monitor._alert_message_values(timestamptz, text) from public;
