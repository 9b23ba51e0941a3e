-- GET /metrics as a function: the Prometheus text exposition format (version 0.0.4), for people
-- who already run Prometheus and Grafana. Every family has HELP and TYPE; all are gauges (today's
-- figures restart at midnight of the reporting timezone, so they are not counters):
--   sms_monitor_today_events{type}                today's count per counter type
--   sms_monitor_today_cost_usd{kind}              today's LLM and SMS cost
--   sms_monitor_today_rate_percent{rate}          delivery and LLM success rate (absent without traffic)
--   sms_monitor_today_active_users                distinct users today
--   sms_monitor_open_incidents{rule,severity}     1 while the rule has an open incident, else 0
--   sms_monitor_outbox_notifications{channel,status}  outbox rows (every channel x status, zeros included)
--   sms_monitor_oldest_pending_notification_age_seconds  0 when nothing is pending
-- Today's figures come from api_today_metrics (sms_metrics_daily: rollups plus the live tail).
create or replace function sms_monitor.api_prometheus_metrics(p_now timestamptz default now())
returns text
language plpgsql
stable
security invoker
set search_path = pg_catalog, pg_temp
as $$
declare
  v_today jsonb;
  v_out text[] := '{}';
  v_type text;
  v_line text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;
  v_today := sms_monitor.api_today_metrics(p_now) -> 'data';

  v_out := v_out || '# HELP sms_monitor_today_events Events recorded today (reporting timezone), per metric type.'::text
                 || '# TYPE sms_monitor_today_events gauge'::text;
  foreach v_type in array array['scheduled_count', 'sent_count', 'delivered_count', 'failed_count', 'cancelled_count',
                                'llm_success_count', 'template_fallback_count', 'opt_out_count',
                                'quiet_hours_skip_count', 'daily_limit_hit_count'] loop
    v_out := v_out || format('sms_monitor_today_events{type="%s"} %s', v_type, v_today ->> v_type);
  end loop;
  v_out := v_out || '# HELP sms_monitor_today_cost_usd Cost recorded today in USD, per kind.'::text
                 || '# TYPE sms_monitor_today_cost_usd gauge'::text
                 || format('sms_monitor_today_cost_usd{kind="llm"} %s', v_today ->> 'llm_cost_usd')
                 || format('sms_monitor_today_cost_usd{kind="sms"} %s', v_today ->> 'sms_cost_usd');
  v_out := v_out || '# HELP sms_monitor_today_rate_percent Today''s delivery rate (delivered / sent) and LLM success rate, in percent; absent without traffic.'::text
                 || '# TYPE sms_monitor_today_rate_percent gauge'::text;
  if v_today ->> 'delivery_rate_percent' is not null then
    v_out := v_out || format('sms_monitor_today_rate_percent{rate="delivery"} %s', v_today ->> 'delivery_rate_percent');
  end if;
  if v_today ->> 'llm_success_rate_percent' is not null then
    v_out := v_out || format('sms_monitor_today_rate_percent{rate="llm_success"} %s', v_today ->> 'llm_success_rate_percent');
  end if;
  v_out := v_out || '# HELP sms_monitor_today_active_users Distinct users with any metric today.'::text
                 || '# TYPE sms_monitor_today_active_users gauge'::text
                 || format('sms_monitor_today_active_users %s', v_today ->> 'active_users');

  v_out := v_out || '# HELP sms_monitor_open_incidents 1 while the alert rule has an open incident, else 0.'::text
                 || '# TYPE sms_monitor_open_incidents gauge'::text;
  for v_line in
    select format('sms_monitor_open_incidents{rule="%s",severity="%s"} %s', t.alert_type, t.severity,
                  (exists (select from sms_monitor.sms_alert_history h
                            where h.alert_type = t.alert_type and h.resolved_at is null))::int)
      from sms_monitor.sms_alert_thresholds t
     order by t.alert_type
  loop
    v_out := v_out || v_line;
  end loop;

  v_out := v_out || '# HELP sms_monitor_outbox_notifications Notification outbox rows per channel and status.'::text
                 || '# TYPE sms_monitor_outbox_notifications gauge'::text;
  for v_line in
    select format('sms_monitor_outbox_notifications{channel="%s",status="%s"} %s', c.channel, s.status,
                  (select count(*) from sms_monitor.sms_alert_notifications n
                    where n.channel = c.channel and n.status = s.status))
      from unnest(enum_range(null::sms_monitor.notification_channel)::text[]) c(channel)
     cross join unnest(enum_range(null::sms_monitor.notification_status)::text[]) s(status)
     order by c.channel, s.status
  loop
    v_out := v_out || v_line;
  end loop;

  v_out := v_out || '# HELP sms_monitor_oldest_pending_notification_age_seconds Age of the oldest pending notification (0 when none).'::text
                 || '# TYPE sms_monitor_oldest_pending_notification_age_seconds gauge'::text
                 || format('sms_monitor_oldest_pending_notification_age_seconds %s', coalesce((
                      select round(greatest(extract(epoch from p_now - min(n.created_at)), 0), 3)
                        from sms_monitor.sms_alert_notifications n where n.status = 'pending'), 0));
  return array_to_string(v_out, E'\n') || E'\n';
end;
$$;

comment on function sms_monitor.api_prometheus_metrics(timestamptz) is
  'GET /metrics: Prometheus text format (0.0.4): today''s events, costs, rates and active users, open incidents by '
  'rule and severity, outbox rows by channel and status, the age of the oldest pending notification. All gauges.';
revoke all on function sms_monitor.api_prometheus_metrics(timestamptz) from public;
grant execute on function sms_monitor.api_prometheus_metrics(timestamptz) to sms_monitor_reader, sms_monitor_admin;
