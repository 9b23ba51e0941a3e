--! Previous: sha1:b6b09cc58db7b7738ae2f76c914da4d306c22f7c
--! Hash: sha1:0c11777890816c22078ae185d1687bd8a6cc372c
--! Message: rules that know sms

-- Rules that know SMS: a rule may name a dimension (group_by) and take parameters; message-based
-- metrics (delivery rate, error-code share, receipt delay, latency p95, SLO burn rate); one
-- incident and one state per value; five seeded message rules.

-- ---------------------------------------------------------------------------------------------
-- Rules that know SMS: per-dimension rules (group_by), rule parameters, message-based metrics.
-- ---------------------------------------------------------------------------------------------
alter table sms_monitor.sms_alert_thresholds
  add column if not exists group_by text,
  add column if not exists params jsonb not null default '{}'::jsonb;
alter table sms_monitor.sms_alert_thresholds
  drop constraint if exists sms_alert_thresholds_group_by_check,
  add constraint sms_alert_thresholds_group_by_check check (group_by in
    ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider')),
  drop constraint if exists sms_alert_thresholds_params_check,
  add constraint sms_alert_thresholds_params_check check (jsonb_typeof(params) = 'object' and length(params::text) <= 2000);
comment on column sms_monitor.sms_alert_thresholds.group_by is
  'NULL: one value system-wide. Else the message attribute the rule is evaluated per value of (message metrics '
  'only): each value has its own sample, incident and lifecycle.';
comment on column sms_monitor.sms_alert_thresholds.params is
  'The metric''s parameters (see sms_alert_metrics.params): error_codes for error_code_share, after_minutes for '
  'receipt_delay_rate, slo_percent and windows for delivery_slo_burn.';

alter table sms_monitor.sms_alert_metrics
  add column if not exists params text not null default '',
  add column if not exists source text not null default 'counters';
alter table sms_monitor.sms_alert_metrics
  drop constraint if exists sms_alert_metrics_source_check,
  add constraint sms_alert_metrics_source_check check (source in ('counters', 'messages'));
comment on column sms_monitor.sms_alert_metrics.source is
  'counters: computed from the pushed counters (system-wide only); messages: from sms_messages (group_by allowed).';
insert into sms_monitor.sms_alert_metrics (metric, label, unit, formula, sample, params, source) values
  ('message_delivery_rate', 'Delivery rate', 'percent',
   '100 * delivered / (delivered + undelivered + failed) over the messages sent in [now - window, now) (or reaching '
   'a final status then without a sent time), by each message''s winning final status',
   'terminal messages (delivered + undelivered + failed)', '', 'messages'),
  ('error_code_share', 'Error-code share', 'percent',
   '100 * terminal messages whose error_code is one of params.error_codes / terminal messages, same messages as '
   'message_delivery_rate',
   'terminal messages', '{"error_codes": ["30007"]} (1 to 50 codes)', 'messages'),
  ('receipt_delay_rate', 'Receipt-delay rate', 'percent',
   '100 * messages sent in [now - after_minutes - window, now - after_minutes) without a final status at now / '
   'messages sent then',
   'messages sent in that span', '{"after_minutes": 10} (0 to 10080)', 'messages'),
  ('delivery_latency_p95', 'Delivery latency p95', 'seconds',
   'exact 95th percentile (linear interpolation) of delivered_at - sent_at over the delivered messages sent in '
   '[now - window, now)',
   'delivered messages with a sent time', '', 'messages'),
  ('delivery_slo_burn', 'Delivery SLO burn rate', 'ratio',
   'per window pair (long, short, factor): burn = (undelivered + failed) / terminal / (1 - slo_percent / 100) in '
   'each window [now - minutes, now); value = the highest min(burn long, burn short) / factor over the pairs whose '
   'short window has >= min_sample terminal messages: >= 1 means both windows of a pair burn at its factor',
   'terminal messages in the longest window', '{"slo_percent": 98, "windows": [[60, 5, 14.4], [360, 30, 6]]}', 'messages')
on conflict (metric) do update
  set label = excluded.label, unit = excluded.unit, formula = excluded.formula, sample = excluded.sample,
      params = excluded.params, source = excluded.source;

alter table sms_monitor.sms_alert_history
  add column if not exists group_by text,
  add column if not exists group_value text;
comment on column sms_monitor.sms_alert_history.group_value is
  'For a per-dimension rule: the value of group_by the incident is about (NULL: system-wide).';
drop index if exists sms_monitor.sms_alert_history_one_open_per_rule;
create unique index if not exists sms_alert_history_one_open_per_value
  on sms_monitor.sms_alert_history (alert_type, coalesce(group_value, '')) where resolved_at is null;

-- Per-value state of per-dimension rules (the rule's own row in sms_alert_rule_state stays its lock
-- and its last evaluation as a whole).
create table if not exists sms_monitor.sms_alert_group_state (
  alert_type text not null,
  group_value text not null,
  pending_since timestamptz,
  last_evaluated_at timestamptz,
  last_action text check (last_action = any (enum_range(null::sms_monitor.alert_action)::text[])),
  last_value numeric,
  last_sample_size bigint,
  primary key (alert_type, group_value)
);
comment on table sms_monitor.sms_alert_group_state is
  'One row per (per-dimension rule, value) that was evaluated: its pending timer and what its last evaluation did.';
alter table sms_monitor.sms_alert_group_state enable row level security;
grant select on sms_monitor.sms_alert_group_state to sms_monitor_reader;
drop policy if exists sms_alert_group_state_read on sms_monitor.sms_alert_group_state;
create policy sms_alert_group_state_read on sms_monitor.sms_alert_group_state for select to sms_monitor_reader using (true);

create index if not exists sms_messages_final_at_idx on sms_monitor.sms_messages (final_at);

insert into sms_monitor.sms_alert_thresholds
  (alert_type, metric, comparison, threshold_value, recovery_value, window_minutes, min_sample,
   pending_minutes, cooldown_minutes, severity, notification_channels, group_by, params, description)
values
  ('carrier_delivery_rate_critical', 'message_delivery_rate', '<', 85, null, 15, 50, 0, 60, 'critical', '{pagerduty}',
   'carrier', '{}',
   'Per carrier: delivery rate (delivered / terminal messages) below 85 % over the last 15 minutes, with at least 50 '
   'terminal messages for that carrier.'),
  ('sender_filtering_warning', 'error_code_share', '>', 2, null, 60, 100, 0, 120, 'warning', '{slack}',
   'sender', '{"error_codes": ["30007"]}',
   'Per sender: more than 2 % of terminal messages failed with 30007 (carrier filtering) over the last hour, with at '
   'least 100 terminal messages.'),
  ('receipt_delay_warning', 'receipt_delay_rate', '>', 5, null, 60, 50, 0, 60, 'warning', '{slack}',
   'carrier', '{"after_minutes": 10}',
   'Per carrier: more than 5 % of the messages sent 10 to 70 minutes ago still have no final status, with at least '
   '50 sent.'),
  ('delivery_latency_warning', 'delivery_latency_p95', '>', 60, null, 15, 50, 0, 60, 'warning', '{slack}',
   null, '{}',
   'p95 of sent-to-delivered time above 60 s over the last 15 minutes, with at least 50 delivered messages.'),
  ('delivery_slo_burn_critical', 'delivery_slo_burn', '>=', 1, null, 360, 20, 0, 60, 'critical', '{pagerduty}',
   null, '{"slo_percent": 98, "windows": [[60, 5, 14.4], [360, 30, 6]]}',
   'Delivery success SLO 98 % over 30 days: pages when both the 1 h and the 5 min windows burn the error budget at '
   '14.4x or more, or both the 6 h and the 30 min windows at 6x or more (each pair needs 20 terminal messages in its '
   'short window).')
on conflict (alert_type) do nothing;

drop function if exists sms_monitor.preview_sms_alerts(timestamptz);
drop function if exists sms_monitor.check_sms_alerts(timestamptz);
drop function if exists sms_monitor._alert_evaluate(timestamptz, boolean);
drop function if exists sms_monitor._alert_rule_values(timestamptz, text);
--! Included functions/_alert_format_value.sql
create or replace function sms_monitor._alert_format_value(p_value numeric, p_unit text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select case
    when p_value is null then 'no data'
    when p_unit = 'percent' then to_char(round(p_value, 2), 'FM999999999990.00') || ' %'
    when p_unit = 'ratio' then to_char(round(p_value, 2), 'FM999999999990.00') || 'x'
    when p_unit = 'seconds' then to_char(round(p_value, 1), 'FM999999999990.0') || ' s'
    else round(p_value, 4)::text
  end;
$$;

comment on function sms_monitor._alert_format_value(numeric, text) is
  'Internal: a metric value for a message: 85.30 % (percent), 2.50x (ratio), 61.5 s (seconds).';
revoke all on function sms_monitor._alert_format_value(numeric, text) from public;
--! EndIncluded functions/_alert_format_value.sql
--! Included functions/_alert_dedup_key.sql
-- An incident's PagerDuty dedup_key: sms-monitor/<alert_type>/<id>, cut to the Events API's 255
-- characters. The one formula: the insert trigger on sms_alert_history stores it when the incident
-- opens, and every notification carries the stored key (the notifier never computes one).
create or replace function sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return left('sms-monitor/' || p_alert_type || '/' || p_id::text, 255);

comment on function sms_monitor._alert_dedup_key(text, uuid) is
  'Internal: the PagerDuty dedup_key of an incident (sms-monitor/<alert_type>/<id>, at most 255 characters).';
revoke all on function sms_monitor._alert_dedup_key(text, uuid) from public;

-- An incident of a per-dimension rule names its value: sms-monitor/<alert_type>/<group_by>=<value>/<id>
-- (the value cut to 100 characters, so the id always fits in the 255); system-wide (p_group_by or
-- p_group_value NULL): the key above.
create or replace function sms_monitor._alert_dedup_key(p_alert_type text, p_id uuid, p_group_by text, p_group_value text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return case when p_group_by is null or p_group_value is null then sms_monitor._alert_dedup_key(p_alert_type, p_id)
            else left('sms-monitor/' || left(p_alert_type, 63) || '/' || p_group_by || '=' || left(p_group_value, 100)
                      || '/' || p_id::text, 255) end;

comment on function sms_monitor._alert_dedup_key(text, uuid, text, text) is
  'Internal: the PagerDuty dedup_key of an incident of a per-dimension rule (sms-monitor/<alert_type>/<group_by>=<value>/<id>).';
revoke all on function sms_monitor._alert_dedup_key(text, uuid, text, text) from public;
--! EndIncluded functions/_alert_dedup_key.sql
--! Included functions/_alert_history_dedup_key.sql
-- Trigger (BEFORE INSERT on sms_alert_history): fixes the incident's PagerDuty dedup_key when it
-- opens, from its rule name and id at that moment (_alert_dedup_key); every later event of the incident (repeat,
-- acknowledge, resolve) is queued with this key, so renaming the rule while it is open cannot split
-- the trigger and the resolve into two PagerDuty incidents. An update cannot change it.
create or replace function sms_monitor._alert_history_dedup_key()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    new.dedup_key := coalesce(new.dedup_key, sms_monitor._alert_dedup_key(new.alert_type, new.id, new.group_by, new.group_value));
  else
    new.dedup_key := old.dedup_key;
  end if;
  return new;
end;
$$;

comment on function sms_monitor._alert_history_dedup_key() is
  'Internal trigger: sets sms_alert_history.dedup_key at insert (sms-monitor/<alert_type>[/<group_by>=<value>]/<id>) and keeps it on update.';
revoke all on function sms_monitor._alert_history_dedup_key() from public;
--! EndIncluded functions/_alert_history_dedup_key.sql
--! Included functions/_alert_slo_burn.sql
-- Multiwindow, multi-burn-rate alerting on the delivery-success SLO (as in the SRE workbook). The
-- error budget is 1 - slo_percent / 100; a window's burn rate is (bad / terminal) / budget over the
-- messages of [p_now - minutes, p_now) (sent then, or final then without a sent time; bad =
-- undelivered or failed, terminal = delivered + bad). p_params.windows lists pairs
-- [long minutes, short minutes, factor]; a pair is breached when both its windows burn at >= factor.
-- value = the highest min(burn long, burn short) / factor over the pairs whose short window has at
-- least p_min_sample terminal messages (>= 1: some pair is breached); NULL when no pair qualifies.
-- sample = terminal messages in the longest window.
create or replace function sms_monitor._alert_slo_burn(p_now timestamptz, p_params jsonb, p_min_sample integer)
returns table (value numeric, sample bigint, detail text)
language sql
stable
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
as $$
  with cfg as (
    select 1 - (p_params ->> 'slo_percent')::numeric / 100 as budget
  ), pairs as (
    select (p ->> 0)::integer as long_min, (p ->> 1)::integer as short_min, (p ->> 2)::numeric as factor, n
      from jsonb_array_elements(p_params -> 'windows') with ordinality as x(p, n)
  ), w as (
    select distinct x.mins from pairs cross join lateral (values (pairs.long_min), (pairs.short_min)) x(mins)
  ), c as (
    -- one index range scan per distinct window (sms_messages_window_idx)
    select w.mins, x.terminal, x.bad
      from w cross join lateral (
        select count(*) as terminal, count(*) filter (where s.final_status in ('undelivered', 'failed')) as bad
          from sms_monitor.sms_messages s
         where coalesce(s.sent_at, s.final_at) >= p_now - make_interval(mins => w.mins)
           and coalesce(s.sent_at, s.final_at) < p_now
           and s.final_status in ('delivered', 'undelivered', 'failed')
      ) x
  ), b as (
    select p.n, p.long_min, p.short_min, p.factor, l.terminal as l_terminal, s.terminal as s_terminal,
           l.bad::numeric / nullif(l.terminal, 0) / cfg.budget as l_burn,
           s.bad::numeric / nullif(s.terminal, 0) / cfg.budget as s_burn
      from pairs p cross join cfg
      join c l on l.mins = p.long_min
      join c s on s.mins = p.short_min
  )
  select max(least(b.l_burn, b.s_burn) / b.factor) filter (where b.s_terminal >= p_min_sample and b.l_terminal > 0),
         (select c.terminal from c order by c.mins desc limit 1),
         string_agg(format('%s min burn %sx and %s min burn %sx (pages at %sx; %s and %s terminal)',
                      b.long_min, coalesce(round(b.l_burn, 2)::text, '-'), b.short_min, coalesce(round(b.s_burn, 2)::text, '-'),
                      b.factor, b.l_terminal, b.s_terminal), '; ' order by b.n)
         || format('; SLO %s %% up to %s UTC', (p_params ->> 'slo_percent'),
                   to_char(p_now at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS'))
    from b;
$$;

comment on function sms_monitor._alert_slo_burn(timestamptz, jsonb, integer) is
  'Internal: the delivery SLO burn-rate value of a delivery_slo_burn rule at p_now: the highest min(burn long, burn '
  'short) / factor over params.windows pairs [long, short, factor] whose short window has >= p_min_sample terminal '
  'messages (>= 1: breached), the terminal messages of the longest window, and a detail line per pair.';
revoke all on function sms_monitor._alert_slo_burn(timestamptz, jsonb, integer) from public;
--! EndIncluded functions/_alert_slo_burn.sql
--! Included functions/_alert_message_values.sql
-- The values of the enabled rules over message metrics (sms_alert_metrics.source = 'messages'), read
-- from sms_messages, one row per rule (group_value NULL) or, for a rule with group_by, one row per
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
--   delivery_latency_p95  = exact p95 (percentile_cont) of delivered_at - sent_at in seconds
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
      return query
      with m as (
        select case r.group_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                  when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                  when 'message_class' then s.message_class when 'provider' then s.provider end as key,
               s.final_at is null or s.final_at >= p_now as is_waiting
          from sms_monitor.sms_messages s
         where s.sent_at >= v_from and s.sent_at < v_to
      )
      select r.alert_type, m.key, 100 * count(*) filter (where m.is_waiting)::numeric / count(*), count(*),
             format('%s of %s sent still without a final status; %s', count(*) filter (where m.is_waiting), count(*), v_span)
        from m
       where r.group_by is null or m.key is not null
       group by m.key;
      continue;
    end if;

    if r.metric = 'delivery_latency_p95' then
      return query
      with m as (
        select case r.group_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                            when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                            when 'message_class' then s.message_class when 'provider' then s.provider end as key,
               greatest(0, extract(epoch from s.delivered_at - s.sent_at)) as latency_s
          from sms_monitor.sms_messages s
         where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
           and s.final_status = 'delivered' and s.sent_at is not null
      ), k as (
        select m.key, count(*) as timed, percentile_cont(0.95) within group (order by m.latency_s)::numeric as p95
          from m
         where r.group_by is null or m.key is not null
         group by m.key
      )
      select r.alert_type, k.key, k.p95, k.timed, format('p95 %s s over %s delivered; %s', round(k.p95, 3), k.timed, v_span)
        from k;
      continue;
    end if;

    -- message_delivery_rate, error_code_share: counts of terminal messages
    return query
    with m as (
      select case r.group_by when 'carrier' then s.carrier when 'country' then s.country when 'sender' then s.sender
                            when 'sender_type' then s.sender_type when 'error_code' then s.error_code
                            when 'message_class' then s.message_class when 'provider' then s.provider end as key,
             s.final_status = 'delivered' as is_delivered,
             s.final_status in ('undelivered', 'failed') as is_bad,
             s.error_code = any (v_codes) as has_code
        from sms_monitor.sms_messages s
       where coalesce(s.sent_at, s.final_at) >= v_from and coalesce(s.sent_at, s.final_at) < v_to
         and s.final_status in ('delivered', 'undelivered', 'failed')
    ), k as (
      select m.key, count(*) as terminal, count(*) filter (where m.is_delivered) as delivered,
             count(*) filter (where m.is_bad) as bad, count(*) filter (where m.has_code) as coded
        from m
       where r.group_by is null or m.key is not null
       group by m.key
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
  'of its group_by (group_value NULL: system-wide), from sms_messages over [p_now - window, p_now).';
revoke all on function sms_monitor._alert_message_values(timestamptz, text) from public;
--! EndIncluded functions/_alert_message_values.sql
--! Included functions/_alert_rule_values.sql
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
--! EndIncluded functions/_alert_rule_values.sql
--! Included functions/_alert_evaluate_value.sql
-- One step of the alert engine (_alert_evaluate, which has locked the rule): an enabled rule, for
-- one value of its group_by (p_group; NULL for a system-wide rule), with its metric value, sample
-- and detail at p_now. Moves that value's incident along and stores its state: a system-wide rule
-- in sms_alert_rule_state, a value of a per-dimension rule in sms_alert_group_state. Returns the
-- action (see _alert_evaluate.sql), the incident, and what it reports.
create or replace function sms_monitor._alert_evaluate_value(
  p_now timestamptz, p_preview boolean, p_alert_type text, p_group text,
  p_value numeric, p_sample bigint, p_detail text, p_values_error text
)
returns table (action text, alert_id uuid, metric_value numeric, sample_size bigint, detail text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_pending_since timestamptz;
  v_open sms_monitor.sms_alert_history;
  v_no_data boolean;
  v_breached boolean;
  v_recovered boolean;
  v_silenced boolean;
  v_action text;
  v_alert uuid;
begin
  select t.alert_type, t.metric, t.comparison, t.threshold_value, t.recovery_value, t.window_minutes,
         t.min_sample, t.pending_minutes, t.cooldown_minutes, t.severity, t.notification_channels,
         t.group_by, m.label, m.unit
    into strict v_rule
    from sms_monitor.sms_alert_thresholds t
    join sms_monitor.sms_alert_metrics m on m.metric = t.metric
   where t.alert_type = p_alert_type;

  if p_group is null then
    select s.pending_since into v_pending_since from sms_monitor.sms_alert_rule_state s where s.alert_type = p_alert_type;
  else
    select s.pending_since into v_pending_since
      from sms_monitor.sms_alert_group_state s where s.alert_type = p_alert_type and s.group_value = p_group;
  end if;
  select * into v_open from sms_monitor.sms_alert_history h
   where h.alert_type = p_alert_type and h.resolved_at is null and h.group_value is not distinct from p_group;
  v_alert := v_open.id;

  v_no_data := p_value is null or coalesce(p_sample, 0) < v_rule.min_sample;
  v_breached := not v_no_data and sms_monitor._alert_compare(p_value, v_rule.comparison, v_rule.threshold_value);
  v_recovered := not v_no_data and not sms_monitor._alert_compare(
    p_value, v_rule.comparison, coalesce(v_rule.recovery_value, v_rule.threshold_value));
  v_silenced := exists (
    select from sms_monitor.sms_alert_silences s
     where (s.alert_type is null or s.alert_type = p_alert_type)
       and s.starts_at <= p_now and s.ends_at > p_now
       and (s.lifted_at is null or s.lifted_at > p_now));

  if v_open.id is null then
    if not v_breached then
      v_action := case when v_no_data then 'no_data' else 'ok' end;
      v_pending_since := null;
    elsif v_rule.pending_minutes > 0
          and coalesce(v_pending_since, p_now) + make_interval(mins => v_rule.pending_minutes) > p_now then
      v_action := 'pending';
      v_pending_since := coalesce(v_pending_since, p_now);
    else
      -- dedup_key is fixed here, at open, for every later event of the incident (a renamed
      -- rule keeps its incidents' keys): _alert_history_dedup_key sets it from the id and the value
      insert into sms_monitor.sms_alert_history as h
        (alert_type, severity, metric, comparison, metric_value, threshold_value, recovery_value,
         window_minutes, sample_size, message, triggered_at, last_value, last_evaluated_at, silenced,
         last_notified_at, group_by, group_value)
      values
        (p_alert_type, v_rule.severity, v_rule.metric, v_rule.comparison, p_value,
         v_rule.threshold_value, v_rule.recovery_value, v_rule.window_minutes, p_sample,
         format('%s%s is %s (threshold: %s %s) over the last %s min: %s.', v_rule.label,
           case when p_group is not null then format(' on %s %s', replace(v_rule.group_by, '_', ' '), p_group) end,
           sms_monitor._alert_format_value(p_value, v_rule.unit), v_rule.comparison,
           sms_monitor._alert_format_value(v_rule.threshold_value, v_rule.unit), v_rule.window_minutes, p_detail),
         p_now, p_value, p_now, v_silenced, case when v_silenced then null else p_now end,
         case when p_group is not null then v_rule.group_by end, p_group)
      returning h.id into v_alert;
      if v_silenced then
        v_action := 'silenced';
      else
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_alert, 'trigger', v_rule.notification_channels);
        end if;
        v_action := 'fired';
      end if;
      v_pending_since := null;
    end if;
  else
    v_pending_since := null;
    if v_no_data then
      v_action := 'no_data';
      update sms_monitor.sms_alert_history h set last_evaluated_at = p_now where h.id = v_open.id;
    elsif v_recovered then
      update sms_monitor.sms_alert_history h
         set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'auto', resolution_value = p_value,
             last_value = p_value, last_evaluated_at = p_now, silenced = false
       where h.id = v_open.id;
      if not p_preview then
        perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
      end if;
      v_action := 'resolved';
    else
      -- (silenced is left alone: it says "opened under a silence and not announced yet")
      update sms_monitor.sms_alert_history h
         set last_value = p_value, last_evaluated_at = p_now
       where h.id = v_open.id;
      if v_silenced then
        v_action := 'silenced';
      elsif v_open.last_notified_at is null and v_breached then
        -- opened under a silence that has ended, and still breached: announce it now (in the
        -- hysteresis band it waits: it either breaches again or resolves without a word)
        update sms_monitor.sms_alert_history h set last_notified_at = p_now, silenced = false where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'trigger', v_rule.notification_channels);
          if v_open.acknowledged_at is not null then
            -- acknowledged while nobody had been told: tell them both now
            perform sms_monitor._alert_enqueue(v_open.id, 'acknowledge', v_rule.notification_channels);
          end if;
        end if;
        v_action := 'unsilenced';
      elsif not v_breached then
        v_action := 'recovering';
      elsif v_open.acknowledged_at is not null then
        v_action := 'acknowledged';
      elsif v_open.last_notified_at + make_interval(mins => v_rule.cooldown_minutes) <= p_now then
        update sms_monitor.sms_alert_history h
           set last_notified_at = p_now, repeat_count = h.repeat_count + 1
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'repeat', v_rule.notification_channels);
        end if;
        v_action := 'repeated';
      else
        v_action := 'cooldown';
      end if;
    end if;
  end if;

  if p_group is null then
    update sms_monitor.sms_alert_rule_state s
       set pending_since = v_pending_since, last_evaluated_at = p_now, last_action = v_action,
           last_value = p_value, last_sample_size = p_sample, last_error = p_values_error
     where s.alert_type = p_alert_type;
  else
    insert into sms_monitor.sms_alert_group_state as s
      (alert_type, group_value, pending_since, last_evaluated_at, last_action, last_value, last_sample_size)
    values (p_alert_type, p_group, v_pending_since, p_now, v_action, p_value, p_sample)
    on conflict on constraint sms_alert_group_state_pkey do update
      set pending_since = excluded.pending_since, last_evaluated_at = excluded.last_evaluated_at,
          last_action = excluded.last_action, last_value = excluded.last_value,
          last_sample_size = excluded.last_sample_size;
  end if;

  action := v_action;
  alert_id := v_alert;
  metric_value := p_value;
  sample_size := p_sample;
  detail := case when p_values_error is null then p_detail else concat_ws(' ', p_detail, '(' || p_values_error || ')') end;
  return next;
end;
$$;

comment on function sms_monitor._alert_evaluate_value(timestamptz, boolean, text, text, numeric, bigint, text, text) is
  'Internal: the alert engine''s step for one enabled rule and one value of its group_by (NULL: system-wide): '
  'opens, repeats, resolves the value''s incident and stores its state; returns the action.';
revoke all on function sms_monitor._alert_evaluate_value(timestamptz, boolean, text, text, numeric, bigint, text, text) from public;
--! EndIncluded functions/_alert_evaluate_value.sql
--! Included functions/_alert_evaluate.sql
-- The alert engine behind check_sms_alerts (which bounds p_now to the server clock) and
-- preview_sms_alerts (which runs it with p_preview and rolls it back). Internal: owner only, so
-- tests can drive it at any instant.
-- Evaluates every enabled rule at p_now and moves its incident along (and resolves the open
-- incident of a rule that was disabled); returns one row per rule with what it did:
--   no_data      too little data (value NULL or sample < min_sample): never a breach; an open
--                incident stays open, a pending timer restarts
--   ok           not breached, nothing open
--   pending      breached, but not yet for pending_minutes
--   fired        opened an incident and queued a trigger per channel
--   silenced     breached under a silence: the incident is recorded (silenced), nobody is told
--   unsilenced   the silence ended while the incident is open: the trigger is queued now
--   repeated     still breached, unacknowledged, cooldown elapsed since the last notification:
--                a repeat is queued
--   cooldown     still breached, within the cooldown
--   acknowledged still breached, acknowledged: no repeats
--   recovering   open, no longer breached but not yet past the recovery value (hysteresis)
--   resolved     past the recovery value (or the threshold): resolved automatically, a resolve
--                queued to the channels that were told
--   disabled_resolved  the rule was disabled while its incident was open: resolved with
--                resolved_by 'rule disabled', a resolve queued to the channels that were told
--   skipped      the rule was already evaluated at p_now or later (a concurrent or newer run):
--                nothing changed, so an older run can never undo a newer one
--   error        the rule's evaluation raised: detail (and sms_alert_status.last_error) says
--                "SQLSTATE: message"; everything it had done is rolled back (an open incident
--                stays open) and the other rules are evaluated as usual
-- Isolation: each rule runs in its own subtransaction (a BEGIN ... EXCEPTION block). The metric
-- values of all rules are computed in one statement (shared windows); if that statement fails,
-- each rule computes its own, so one rule's failure is that rule's alone, and the shared failure
-- stays visible: every rule's detail and sms_alert_status.last_error say "computed alone: the
-- shared computation failed with SQLSTATE: message".
-- The actions are the enum type sms_monitor.alert_action (sms_alert_rule_state.last_action is
-- checked against it).
-- p_preview: queue no notifications (no outbox rows, no NOTIFY, no sequence use); the caller
-- (preview_sms_alerts) rolls back everything else.
-- Concurrency: first every rule to evaluate (enabled, or disabled with an open incident) is locked
-- (_alert_lock_rule), in alert_type order; only then are the metric values computed, in a
-- statement whose snapshot sees everything committed before the locks were granted. Concurrent
-- runs serialise, and each sees the previous one's incidents and rule state (READ COMMITTED: every
-- statement takes a fresh snapshot). The partial unique index on open incidents is the last guard.
-- Per-dimension rules (group_by set): the rule is evaluated per value of its attribute, each value
-- with its own sample, pending timer (sms_alert_group_state), incident and lifecycle: one row per
-- value that has data, an open incident or a running pending timer, in group_value order (one
-- no_data row with group_value NULL when there is none). The rule's own sms_alert_rule_state row
-- stays its lock and records the run: last_action is the most urgent action of its values.
-- The per-value step is _alert_evaluate_value.
create or replace function sms_monitor._alert_evaluate(p_now timestamptz, p_preview boolean default false)
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text,
  group_by text,
  group_value text
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
set jit = off
as $$
#variable_conflict use_column
declare
  v_rule record;
  v_unit record;
  v_state sms_monitor.sms_alert_rule_state;
  v_open record;
  v_step record;
  v_types text[];
  v_type text;
  v_values jsonb;
  v_rule_values jsonb;
  v_error text;
  v_values_error text;
  v_actions text[];
  -- most urgent first: what a per-dimension rule's own state row records
  c_urgency constant text[] := array['error', 'fired', 'unsilenced', 'repeated', 'silenced', 'pending',
    'acknowledged', 'cooldown', 'recovering', 'resolved', 'disabled_resolved', 'ok', 'no_data'];
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  -- Lock first, compute after: values computed before the locks could be older than what a run
  -- that held them meanwhile saw and acted on.
  v_types := array(
    select t.alert_type from sms_monitor.sms_alert_thresholds t
     where t.is_enabled
        or exists (select from sms_monitor.sms_alert_history h where h.alert_type = t.alert_type and h.resolved_at is null)
     order by t.alert_type);
  foreach v_type in array v_types loop
    perform sms_monitor._alert_lock_rule(v_type);
  end loop;

  -- Every rule's values in one statement (an array per rule, one element per group value); when it
  -- fails, each rule computes its own below, and the failure is kept: each row (detail) and rule
  -- state (last_error) say it was computed alone and why.
  begin
    select jsonb_object_agg(x.alert_type, x.vals) into v_values
      from (select v.alert_type, jsonb_agg(jsonb_build_object('group', v.group_value, 'value', v.metric_value,
                     'sample', v.sample_size, 'detail', v.detail)) as vals
              from sms_monitor._alert_rule_values(p_now) v
             group by v.alert_type) x;
    v_values := coalesce(v_values, '{}'::jsonb);
  exception when others then
    v_values := null;
    v_values_error := left(format('computed alone: the shared computation failed with %s: %s', sqlstate, sqlerrm), 1000);
  end;

  for v_rule in
    select t.alert_type, t.threshold_value, t.is_enabled, t.group_by
      from unnest(v_types) l(alert_type)
      join sms_monitor.sms_alert_thresholds t on t.alert_type = l.alert_type
     order by t.alert_type
  loop
    select * into v_state from sms_monitor.sms_alert_rule_state s where s.alert_type = v_rule.alert_type;
    v_actions := '{}';

    if v_state.last_evaluated_at >= p_now then
      -- a newer (or concurrent, same-instant) run got here first: acting on p_now could undo it
      -- (a system-wide rule still reports the value it has now)
      alert_type := v_rule.alert_type; action := 'skipped';
      metric_value := case when v_rule.group_by is null then (v_values #>> array[v_rule.alert_type, '0', 'value'])::numeric end;
      sample_size := case when v_rule.group_by is null then (v_values #>> array[v_rule.alert_type, '0', 'sample'])::bigint end;
      threshold_value := v_rule.threshold_value; group_by := v_rule.group_by; group_value := null;
      alert_id := (select h.id from sms_monitor.sms_alert_history h
                    where h.alert_type = v_rule.alert_type and h.resolved_at is null order by h.group_value limit 1);
      detail := format('already evaluated at %s (%s): nothing changed',
        to_char(v_state.last_evaluated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US "UTC"'), v_state.last_action);
      return next;
      continue;
    end if;

    if not v_rule.is_enabled then
      -- every open incident of the disabled rule is resolved (none: nothing to report)
      for v_open in
        select h.id, h.group_value from sms_monitor.sms_alert_history h
         where h.alert_type = v_rule.alert_type and h.resolved_at is null order by h.group_value
      loop
        update sms_monitor.sms_alert_history h
           set resolved_at = greatest(p_now, h.acknowledged_at), resolved_by = 'rule disabled', silenced = false
         where h.id = v_open.id;
        if not p_preview then
          perform sms_monitor._alert_enqueue(v_open.id, 'resolve', sms_monitor._alert_told_channels(v_open.id));
        end if;
        if v_open.group_value is not null then
          update sms_monitor.sms_alert_group_state s
             set pending_since = null, last_evaluated_at = p_now, last_action = 'disabled_resolved'
           where s.alert_type = v_rule.alert_type and s.group_value = v_open.group_value;
        end if;
        alert_type := v_rule.alert_type; action := 'disabled_resolved'; metric_value := null;
        threshold_value := v_rule.threshold_value; sample_size := null; alert_id := v_open.id;
        detail := 'the rule is disabled: its open incident is resolved';
        group_by := v_rule.group_by; group_value := v_open.group_value;
        v_actions := v_actions || 'disabled_resolved'::text;
        return next;
      end loop;
      if cardinality(v_actions) > 0 then
        update sms_monitor.sms_alert_rule_state s
           set pending_since = null, last_evaluated_at = p_now, last_action = 'disabled_resolved',
               last_value = null, last_sample_size = null, last_error = null
         where s.alert_type = v_rule.alert_type;
      end if;
      continue;
    end if;

    v_error := null;
    if v_values is not null then
      v_rule_values := coalesce(v_values -> v_rule.alert_type, '[]'::jsonb);
    else
      begin
        select coalesce(jsonb_agg(jsonb_build_object('group', v.group_value, 'value', v.metric_value,
                 'sample', v.sample_size, 'detail', v.detail)), '[]'::jsonb)
          into v_rule_values
          from sms_monitor._alert_rule_values(p_now, v_rule.alert_type) v;
      exception when others then
        v_error := left(format('%s: %s', sqlstate, sqlerrm), 2000);
        v_rule_values := '[]'::jsonb;
      end;
    end if;

    for v_unit in
      -- system-wide: the one value; per dimension: every value with data, an open incident or a
      -- pending timer (a value that vanished from the data is evaluated as no_data)
      select null::text as g, (e ->> 'value')::numeric as value, (e ->> 'sample')::bigint as sample,
             coalesce(e ->> 'detail', 'no messages in the window') as detail
        from (select null::jsonb) d
        left join jsonb_array_elements(v_rule_values) e on true
       where v_rule.group_by is null and v_error is null
      union all
      select k.g, (e ->> 'value')::numeric, (e ->> 'sample')::bigint, e ->> 'detail'
        from (select e2 ->> 'group' as g from jsonb_array_elements(v_rule_values) e2 where e2 ->> 'group' is not null
              union
              select h.group_value from sms_monitor.sms_alert_history h
               where h.alert_type = v_rule.alert_type and h.resolved_at is null and h.group_value is not null
              union
              select s.group_value from sms_monitor.sms_alert_group_state s
               where s.alert_type = v_rule.alert_type and s.pending_since is not null) k
        left join jsonb_array_elements(v_rule_values) e on e ->> 'group' = k.g
       where v_rule.group_by is not null and v_error is null
      order by 1 nulls first
    loop
      begin  -- one subtransaction per value: its failure is reported as 'error' and undone, alone
        select * into strict v_step
          from sms_monitor._alert_evaluate_value(p_now, p_preview, v_rule.alert_type, v_unit.g, v_unit.value,
                                                 v_unit.sample, v_unit.detail, v_values_error);
        alert_type := v_rule.alert_type; action := v_step.action; metric_value := v_step.metric_value;
        threshold_value := v_rule.threshold_value; sample_size := v_step.sample_size; alert_id := v_step.alert_id;
        detail := v_step.detail; group_by := v_rule.group_by; group_value := v_unit.g;
      exception when others then
        -- everything this value's step did is undone; its incident (if open) stays as it was
        alert_type := v_rule.alert_type; action := 'error'; metric_value := null;
        threshold_value := v_rule.threshold_value; sample_size := null;
        alert_id := (select h.id from sms_monitor.sms_alert_history h
                      where h.alert_type = v_rule.alert_type and h.resolved_at is null
                        and h.group_value is not distinct from v_unit.g);
        detail := left(format('%s: %s', sqlstate, sqlerrm), 2000); group_by := v_rule.group_by; group_value := v_unit.g;
        v_error := detail;
      end;
      v_actions := v_actions || action;
      return next;
    end loop;

    if v_error is not null and cardinality(v_actions) = 0 then
      -- the rule's values could not be computed at all
      alert_type := v_rule.alert_type; action := 'error'; metric_value := null;
      threshold_value := v_rule.threshold_value; sample_size := null; detail := v_error;
      alert_id := null; group_by := v_rule.group_by; group_value := null;
      v_actions := array['error'];
      return next;
    elsif cardinality(v_actions) = 0 then
      -- a per-dimension rule without any value to evaluate
      alert_type := v_rule.alert_type; action := 'no_data'; metric_value := null;
      threshold_value := v_rule.threshold_value; sample_size := null; alert_id := null;
      detail := case when v_values_error is null then 'no messages with a ' || replace(v_rule.group_by, '_', ' ') || ' in the window'
                     else v_values_error end;
      group_by := v_rule.group_by; group_value := null;
      v_actions := array['no_data'];
      return next;
    end if;

    if v_rule.group_by is not null then
      -- values quiet for 7 days (nothing open, no timer) are forgotten: attributes like sender can be many
      delete from sms_monitor.sms_alert_group_state s
       where s.alert_type = v_rule.alert_type and s.pending_since is null and s.last_evaluated_at < p_now - interval '7 days';
    end if;
    if v_rule.group_by is not null or v_error is not null then
      update sms_monitor.sms_alert_rule_state s
         set pending_since = null, last_evaluated_at = p_now,
             last_action = (select a from unnest(c_urgency) with ordinality u(a, n) where a = any (v_actions) order by n limit 1),
             last_value = null, last_sample_size = null,
             last_error = coalesce(v_error, v_values_error)
       where s.alert_type = v_rule.alert_type;
    end if;
  end loop;
end;
$$;

comment on function sms_monitor._alert_evaluate(timestamptz, boolean) is
  'Internal: the alert engine (check_sms_alerts and preview_sms_alerts call it); any p_now, each rule (and each '
  'value of a per-dimension rule) isolated; p_preview queues no notifications.';
revoke all on function sms_monitor._alert_evaluate(timestamptz, boolean) from public;
--! EndIncluded functions/_alert_evaluate.sql
--! Included functions/check_sms_alerts.sql
-- Evaluates every enabled rule now (pg_cron every minute) and moves incidents along: the actions
-- and the engine are described in _alert_evaluate.sql and docs/alerts.md. p_now may lie at most
-- _max_clock_skew() (5 minutes) ahead of the server clock: a run "in 2100" would make every real
-- evaluation until then 'skipped' (alerting off). For a what-if at any time use
-- preview_sms_alerts(p_now), which changes nothing. A rule whose evaluation fails reports 'error'
-- and does not stop the others.
create or replace function sms_monitor.check_sms_alerts(p_now timestamptz default now())
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text,
  group_by text,
  group_value text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  if p_now > now() + sms_monitor._max_clock_skew() then
    raise exception 'now: % is more than % ahead of the server clock (%): an evaluation in the future would '
      'make every real one until then skipped; use preview_sms_alerts(p_now) for a what-if',
      to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), sms_monitor._max_clock_skew(),
      to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') using errcode = '22023';
  end if;
  return query select * from sms_monitor._alert_evaluate(p_now, false);
end;
$$;

comment on function sms_monitor.check_sms_alerts(timestamptz) is
  'Evaluates every enabled alert rule at p_now (default now(); at most 5 minutes ahead of the server clock, else '
  '22023), opens/repeats/resolves incidents and queues notifications; resolves the open incident of a disabled rule; '
  'returns one row per rule (per value of a per-dimension rule: group_by, group_value) with its action, a value of the enum sms_monitor.alert_action (skipped = already '
  'evaluated at p_now or later; error = the rule''s evaluation failed: SQLSTATE and message in detail, the other rules '
  'are unaffected). Safe to run concurrently.';
revoke all on function sms_monitor.check_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.check_sms_alerts(timestamptz) to sms_monitor_admin, sms_monitor_notifier;
--! EndIncluded functions/check_sms_alerts.sql
--! Included functions/preview_sms_alerts.sql
-- What check_sms_alerts(p_now) would do, at any p_now (a "what if" in the future included), with
-- no effect: the engine runs with p_preview (no notification is queued, so no outbox row, no
-- NOTIFY and no sequence value is used) inside a subtransaction that is always rolled back, so
-- incidents, rule state and silences are as before. It takes the rules' locks for the moment it
-- runs, like a check. Needs a read-write transaction (it writes, then undoes).
create or replace function sms_monitor.preview_sms_alerts(p_now timestamptz default now())
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text,
  group_by text,
  group_value text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
  v_rows jsonb;
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  begin
    select coalesce(jsonb_agg(to_jsonb(r) order by r.n), '[]'::jsonb) into v_rows
      from sms_monitor._alert_evaluate(p_now, true) with ordinality as r(alert_type, action, metric_value,
           threshold_value, sample_size, alert_id, detail, group_by, group_value, n);
    raise exception 'preview: rolled back' using errcode = 'SMP01';
  exception when sqlstate 'SMP01' then
    null;  -- v_rows survives the rollback (PL/pgSQL variables are not transactional)
  end;
  return query
    select x.alert_type, x.action, x.metric_value, x.threshold_value, x.sample_size, x.alert_id, x.detail,
           x.group_by, x.group_value
      from jsonb_to_recordset(v_rows) as x(alert_type text, action text, metric_value numeric, threshold_value numeric,
                                           sample_size bigint, alert_id uuid, detail text, group_by text,
                                           group_value text, n bigint)
     order by x.n;
end;
$$;

comment on function sms_monitor.preview_sms_alerts(timestamptz) is
  'What check_sms_alerts(p_now) would do at any p_now (default now()), changing nothing: same rows (one per rule, and per value of a per-dimension rule); an incident it '
  'would open has an alert_id that does not exist. No notification, no NOTIFY.';
revoke all on function sms_monitor.preview_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.preview_sms_alerts(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/preview_sms_alerts.sql
--! Included functions/_alert_rule_params_problem.sql
-- What is wrong with a rule's group_by and params for its metric (NULL: nothing), a message naming
-- the column, for _alert_thresholds_validate (22023). group_by only for message metrics; params:
--   error_code_share:   {"error_codes": [1 to 50 distinct non-empty strings of <= 16 characters]}
--   receipt_delay_rate: {"after_minutes": integer 0 to 10080} (absent: 0)
--   delivery_slo_burn:  {"slo_percent": number > 0 and < 100,
--                        "windows": [1 to 4 [long minutes, short minutes, factor > 0]], short < long <= 43200}
--                       system-wide only
--   other metrics:      {} (no parameters)
create or replace function sms_monitor._alert_rule_params_problem(p_metric text, p_group_by text, p_params jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_source text := (select m.source from sms_monitor.sms_alert_metrics m where m.metric = p_metric);
  v_keys text[];
  v_allowed text[] := case p_metric when 'error_code_share' then array['error_codes']
                                    when 'receipt_delay_rate' then array['after_minutes']
                                    when 'delivery_slo_burn' then array['slo_percent', 'windows']
                                    else array[]::text[] end;
  v_pair jsonb;
begin
  if p_group_by is not null and p_group_by not in ('carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider') then
    return format('group_by: must be NULL or one of carrier, country, sender, sender_type, error_code, message_class, provider (got %s)',
                  quote_literal(p_group_by));
  end if;
  if p_group_by is not null and (v_source is distinct from 'messages' or p_metric = 'delivery_slo_burn') then
    return format('group_by: metric %s is system-wide only (per-dimension rules need a message metric)', p_metric);
  end if;
  if p_params is null or jsonb_typeof(p_params) <> 'object' then
    return 'params: must be a JSON object';
  end if;
  v_keys := array(select jsonb_object_keys(p_params) except select unnest(v_allowed));
  if cardinality(v_keys) > 0 then
    return format('params: unknown key %s for metric %s (allowed: %s)', quote_literal(v_keys[1]), p_metric,
                  coalesce(nullif(array_to_string(v_allowed, ', '), ''), 'none'));
  end if;
  if p_metric = 'error_code_share' then
    if jsonb_typeof(p_params -> 'error_codes') is distinct from 'array'
       or jsonb_array_length(p_params -> 'error_codes') not between 1 and 50
       or exists (select from jsonb_array_elements(p_params -> 'error_codes') c
                   where jsonb_typeof(c) <> 'string' or length(c #>> '{}') not between 1 and 16)
       or (select count(distinct c) from jsonb_array_elements_text(p_params -> 'error_codes') c)
          <> jsonb_array_length(p_params -> 'error_codes') then
      return 'params.error_codes: must list 1 to 50 distinct error codes as strings of 1 to 16 characters';
    end if;
  elsif p_metric = 'receipt_delay_rate' and p_params ? 'after_minutes' then
    if jsonb_typeof(p_params -> 'after_minutes') <> 'number'
       or (p_params ->> 'after_minutes')::numeric not between 0 and 10080
       or scale((p_params ->> 'after_minutes')::numeric) > 0 then
      return 'params.after_minutes: must be a whole number of minutes from 0 to 10080';
    end if;
  elsif p_metric = 'delivery_slo_burn' then
    if jsonb_typeof(p_params -> 'slo_percent') is distinct from 'number'
       or (p_params ->> 'slo_percent')::numeric <= 0 or (p_params ->> 'slo_percent')::numeric >= 100 then
      return 'params.slo_percent: must be a number above 0 and below 100';
    end if;
    if jsonb_typeof(p_params -> 'windows') is distinct from 'array'
       or jsonb_array_length(p_params -> 'windows') not between 1 and 4 then
      return 'params.windows: must list 1 to 4 [long minutes, short minutes, factor] pairs';
    end if;
    for v_pair in select jsonb_array_elements(p_params -> 'windows') loop
      if jsonb_typeof(v_pair) <> 'array' or jsonb_array_length(v_pair) <> 3
         or exists (select from jsonb_array_elements(v_pair) x where jsonb_typeof(x) <> 'number')
         or scale((v_pair ->> 0)::numeric) > 0 or scale((v_pair ->> 1)::numeric) > 0
         or (v_pair ->> 1)::numeric < 1 or (v_pair ->> 1)::numeric >= (v_pair ->> 0)::numeric
         or (v_pair ->> 0)::numeric > 43200 or (v_pair ->> 2)::numeric <= 0 or (v_pair ->> 2)::numeric > 1000 then
        return format('params.windows: %s is not [long minutes, short minutes, factor] with whole minutes '
                      '1 <= short < long <= 43200 and 0 < factor <= 1000', v_pair);
      end if;
    end loop;
  end if;
  return null;
end;
$$;

comment on function sms_monitor._alert_rule_params_problem(text, text, jsonb) is
  'Internal: what is wrong with a rule''s group_by and params for its metric (NULL: nothing).';
revoke all on function sms_monitor._alert_rule_params_problem(text, text, jsonb) from public;
--! EndIncluded functions/_alert_rule_params_problem.sql
--! Included functions/_alert_thresholds_validate.sql
-- Trigger on sms_monitor.sms_alert_thresholds: explains what is wrong with a rule in words
-- (SQLSTATE 22023, message starting with the column name) before the CHECK constraints, which
-- stay as the safety net, would reject it with only a constraint name.
create or replace function sms_monitor._alert_thresholds_validate()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_bad text;
begin
  if new.alert_type is null or new.alert_type !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'alert_type: % must be lower-case letters, digits and _ (1-63 characters, starting with a letter)',
      coalesce(quote_literal(new.alert_type), 'NULL') using errcode = '22023';
  end if;
  if new.metric is null or not exists (select from sms_monitor.sms_alert_metrics m where m.metric = new.metric) then
    raise exception 'metric: unknown metric % (allowed: %)', coalesce(quote_literal(new.metric), 'NULL'),
      (select string_agg(m.metric, ', ' order by m.metric) from sms_monitor.sms_alert_metrics m)
      using errcode = '22023';
  end if;
  if new.comparison is null or new.comparison not in ('<', '<=', '>', '>=') then
    raise exception 'comparison: unknown operator % (allowed: <, <=, >, >=)',
      coalesce(quote_literal(new.comparison), 'NULL') using errcode = '22023';
  end if;
  if new.threshold_value is null or new.threshold_value in ('NaN', 'Infinity', '-Infinity') then
    raise exception 'threshold_value: must be a finite number (got %)', coalesce(new.threshold_value::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.threshold_value < 0 then
    raise exception 'threshold_value: must not be negative (got %)', new.threshold_value using errcode = '22023';
  end if;
  if new.threshold_value > 1000000 or scale(new.threshold_value) > 6 then
    raise exception 'threshold_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.threshold_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null and new.recovery_value not in ('NaN', 'Infinity', '-Infinity')
     and (new.recovery_value > 1000000 or scale(new.recovery_value) > 6) then
    raise exception 'recovery_value: must be at most 1000000 with at most 6 decimal places (got %)',
      left(new.recovery_value::text, 40) using errcode = '22023';
  end if;
  if new.recovery_value is not null then
    if new.recovery_value in ('NaN', 'Infinity', '-Infinity') or new.recovery_value < 0 then
      raise exception 'recovery_value: must be NULL or a finite number >= 0 (got %)', new.recovery_value
        using errcode = '22023';
    end if;
    if new.comparison in ('<', '<=') and new.recovery_value < new.threshold_value then
      raise exception 'recovery_value: % is below threshold_value %: a rule that fires when the metric is % % resolves only at or above its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
    if new.comparison in ('>', '>=') and new.recovery_value > new.threshold_value then
      raise exception 'recovery_value: % is above threshold_value %: a rule that fires when the metric is % % resolves only at or below its recovery value',
        new.recovery_value, new.threshold_value, new.comparison, new.threshold_value using errcode = '22023';
    end if;
  end if;
  if new.window_minutes is null or new.window_minutes < 1 or new.window_minutes > 43200 then
    raise exception 'window_minutes: must be between 1 and 43200 (30 days) (got %)',
      coalesce(new.window_minutes::text, 'NULL') using errcode = '22023';
  end if;
  if new.min_sample is null or new.min_sample < 1 then
    raise exception 'min_sample: must be at least 1 (got %)', coalesce(new.min_sample::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.pending_minutes is null or new.pending_minutes < 0 or new.pending_minutes > 10080 then
    raise exception 'pending_minutes: must be between 0 and 10080 (got %)', coalesce(new.pending_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.cooldown_minutes is null or new.cooldown_minutes < 1 or new.cooldown_minutes > 10080 then
    raise exception 'cooldown_minutes: must be between 1 and 10080 (got %)', coalesce(new.cooldown_minutes::text, 'NULL')
      using errcode = '22023';
  end if;
  if new.severity is null or new.severity <> all (enum_range(null::sms_monitor.alert_severity)::text[]) then
    raise exception 'severity: unknown severity % (allowed: %)', coalesce(quote_literal(new.severity), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.alert_severity), ', ') using errcode = '22023';
  end if;
  if new.notification_channels is not null and array_ndims(new.notification_channels) > 1 then
    raise exception 'notification_channels: must be a flat list such as {slack,log} (got % dimensions)',
      array_ndims(new.notification_channels) using errcode = '22023';
  end if;
  if new.notification_channels is null or cardinality(new.notification_channels) = 0 then
    raise exception 'notification_channels: needs at least one of %',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  select c into v_bad from unnest(new.notification_channels) c
   where c is null or c <> all (enum_range(null::sms_monitor.notification_channel)::text[]) limit 1;
  if found then
    raise exception 'notification_channels: unknown channel % (allowed: %)', coalesce(quote_literal(v_bad), 'NULL'),
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', ') using errcode = '22023';
  end if;
  if cardinality(new.notification_channels) <> (select count(distinct c) from unnest(new.notification_channels) c) then
    raise exception 'notification_channels: lists a channel twice (%)', array_to_string(new.notification_channels, ', ')
      using errcode = '22023';
  end if;
  if new.description is null or btrim(new.description) = '' then
    raise exception 'description: is required (say what the rule watches and what to do)' using errcode = '22023';
  end if;
  if length(new.description) > 2000 then
    raise exception 'description: % characters is more than the 2000 allowed', length(new.description)
      using errcode = '22023';
  end if;
  v_bad := sms_monitor._alert_rule_params_problem(new.metric, new.group_by, new.params);
  if v_bad is not null then
    raise exception '%', v_bad using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end;
$$;

comment on function sms_monitor._alert_thresholds_validate() is
  'Internal trigger: rejects a nonsensical alert rule with 22023 and a message naming the column.';
revoke all on function sms_monitor._alert_thresholds_validate() from public;
--! EndIncluded functions/_alert_thresholds_validate.sql
--! Included functions/api_health.sql
-- The health that agrees with the alert engine: it comes from the open incidents and from every
-- enabled rule's value over the rule's own window, per value of a per-dimension rule (_alert_rule_values, the function
-- check_sms_alerts uses), never from a whole-day rate. Status, in order:
--   critical  an open critical incident (acknowledged or silenced: it is still open)
--   degraded  an open warning incident, or a rule breaching its threshold right now (with at
--             least min_sample samples) whose incident is not open yet (pending, or waiting for
--             the next check)
--   healthy   no open critical/warning incident, nothing breaching, at least one rule with data
--   unknown   the same, but no rule has enough data (no traffic yet): not known to be healthy
-- driving_rule names the rule that decided (the most severe, then the oldest incident, then
-- alert_type); NULL when healthy or unknown. Info incidents are listed but never degrade.
-- overall_healthy: true when healthy, NULL when unknown, false otherwise. This is the one
-- definition of health: api_today_metrics and api_metrics_summary return the same status,
-- overall_healthy, driving_rule, reason and as_of (this function's data without rules and open_incidents). Values carry the
-- metric's unit (value_text, threshold_text: "84.77 %"); times are ISO 8601 UTC (Z); the reason
-- holds no clock time (an incident says how long it has been open: _duration_text) and gives the
-- incident's latest value, as the incident lists show it (value_text), and the one that opened it.
create or replace function sms_monitor.api_health(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
set jit = off
as $$
declare
  v_rules jsonb;
  v_open jsonb;
  v_incident record;
  v_breach record;
  v_any_data boolean;
  v_status text;
  v_driver text;
  v_reason text;
begin
  if p_now is null or not isfinite(p_now) then
    raise exception 'now: must be a finite time' using errcode = '22023';
  end if;

  with r as (
    select t.alert_type, t.severity, t.metric, t.comparison, t.threshold_value, t.recovery_value,
           t.window_minutes, t.min_sample, v.metric_value, v.sample_size, v.detail, t.group_by, v.group_value,
           case when v.metric_value is null or v.sample_size < t.min_sample then 'no_data'
                when sms_monitor._alert_compare(v.metric_value, t.comparison, t.threshold_value) then 'breached'
                else 'ok' end as state,
           h.id as open_alert_id, m.unit
      from sms_monitor._alert_rule_values(p_now) v
      join sms_monitor.sms_alert_thresholds t on t.alert_type = v.alert_type
      left join sms_monitor.sms_alert_metrics m on m.metric = t.metric
      left join sms_monitor.sms_alert_history h
        on h.alert_type = t.alert_type and h.resolved_at is null and h.group_value is not distinct from v.group_value
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'alert_type', r.alert_type, 'severity', r.severity, 'metric', r.metric, 'comparison', r.comparison,
           'threshold_value', r.threshold_value, 'recovery_value', r.recovery_value,
           'window_minutes', r.window_minutes, 'min_sample', r.min_sample, 'value', r.metric_value,
           'sample_size', r.sample_size, 'state', r.state, 'open_alert_id', r.open_alert_id, 'detail', r.detail,
           'group_by', r.group_by, 'group_value', r.group_value, 'unit', r.unit, 'value_text', sms_monitor._alert_format_value(r.metric_value, r.unit),
           'threshold_text', sms_monitor._alert_format_value(r.threshold_value, r.unit))
           order by r.alert_type, r.group_value nulls first), '[]'::jsonb),
         coalesce(bool_or(r.state <> 'no_data'), false)
    into v_rules, v_any_data
    from r;

  select coalesce(jsonb_agg(sms_monitor._incident_json(h)
           order by case h.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
                    h.triggered_at, h.alert_type), '[]'::jsonb)
    into v_open
    from sms_monitor.sms_alert_history h
   where h.resolved_at is null;

  select h.alert_type, h.severity, h.triggered_at, h.metric, h.comparison, j ->> 'value_text' as value_text,
         j ->> 'threshold_text' as threshold_text,
         sms_monitor._alert_format_value(h.metric_value, j ->> 'unit') as trigger_text
    into v_incident
    from sms_monitor.sms_alert_history h
   cross join lateral sms_monitor._incident_json(h) j
   where h.resolved_at is null and h.severity in ('critical', 'warning')
   order by case h.severity when 'critical' then 0 else 1 end, h.triggered_at, h.alert_type
   limit 1;
  select e ->> 'alert_type' as alert_type, e ->> 'severity' as severity, e ->> 'metric' as metric,
         e ->> 'value_text' as metric_value, e ->> 'comparison' as comparison, e ->> 'threshold_text' as threshold_value,
         e ->> 'window_minutes' as window_minutes
    into v_breach
    from jsonb_array_elements(v_rules) e
   where e ->> 'state' = 'breached' and e -> 'open_alert_id' = 'null'::jsonb
     and e ->> 'severity' in ('critical', 'warning')
   order by case e ->> 'severity' when 'critical' then 0 else 1 end, e ->> 'alert_type'
   limit 1;

  if v_incident.alert_type is not null and v_incident.severity = 'critical' then
    v_status := 'critical';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: critical incident open for %s: %s %s %s %s (it opened at %s)', v_incident.alert_type,
                       sms_monitor._duration_text(p_now - v_incident.triggered_at), v_incident.metric,
                       v_incident.value_text, v_incident.comparison, v_incident.threshold_text, v_incident.trigger_text);
  elsif v_incident.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_incident.alert_type;
    v_reason := format('%s: warning incident open for %s: %s %s %s %s (it opened at %s)', v_incident.alert_type,
                       sms_monitor._duration_text(p_now - v_incident.triggered_at), v_incident.metric,
                       v_incident.value_text, v_incident.comparison, v_incident.threshold_text, v_incident.trigger_text);
  elsif v_breach.alert_type is not null then
    v_status := 'degraded';
    v_driver := v_breach.alert_type;
    v_reason := format('%s: %s %s %s %s over the last %s minutes; no incident open yet', v_breach.alert_type,
                       v_breach.metric, v_breach.metric_value, v_breach.comparison, v_breach.threshold_value,
                       v_breach.window_minutes);
  elsif v_any_data then
    v_status := 'healthy';
    v_reason := 'no open critical or warning incident, no rule breaching its threshold';
  else
    v_status := 'unknown';
    v_reason := 'no rule has enough data yet (no traffic in its window)';
  end if;

  return jsonb_build_object(
    'success', true,
    'data', jsonb_build_object(
      'status', v_status,
      'driving_rule', v_driver,
      'overall_healthy', case v_status when 'healthy' then true when 'unknown' then null else false end,
      'reason', v_reason,
      'as_of', sms_monitor._iso_utc(p_now),
      'open_incidents', v_open,
      'rules', v_rules));
end;
$$;

comment on function sms_monitor.api_health(timestamptz) is
  'Dashboard health that agrees with the alert engine: {success, data: {status critical|degraded|healthy|unknown, '
  'overall_healthy (true/NULL when unknown/false), driving_rule, reason, as_of, open_incidents, rules: [each enabled rule''s value over its window, state '
  'breached|ok|no_data, open_alert_id]}}. Critical = an open critical incident; degraded = an open warning '
  'incident or a rule breaching without an incident yet; unknown = no rule has data.';
revoke all on function sms_monitor.api_health(timestamptz) from public;
grant execute on function sms_monitor.api_health(timestamptz) to sms_monitor_reader, sms_monitor_admin;
--! EndIncluded functions/api_health.sql
--! Included views/sms_alert_status.sql
-- One row per rule: its settings, what the last check did, the open incident (if any) and until
-- when it is silenced. For operators in psql and for dashboards. security_invoker: the caller's own
-- rights on the underlying tables apply (readers and admins). notifications_waiting and
-- delivery_status tell what waits in the outbox for the rule's incidents and why, e.g.
-- '2 waiting: pagerduty not configured' (no live notifier serves the channel: see
-- sms_notifier_heartbeats) or '1 waiting: slack retrying (slack: HTTP 429)'.
create or replace view sms_monitor.sms_alert_status with (security_invoker = true) as
select t.alert_type,
       t.is_enabled,
       t.severity,
       t.metric,
       t.comparison,
       t.threshold_value,
       t.recovery_value,
       t.window_minutes,
       s.last_evaluated_at,
       s.last_action,
       s.last_value,
       s.last_sample_size,
       s.pending_since,
       h.id as open_alert_id,
       h.triggered_at,
       h.acknowledged_at,
       h.silenced,
       h.notification_status,
       (select max(x.ends_at)
          from sms_monitor.sms_alert_silences x
         where (x.alert_type is null or x.alert_type = t.alert_type)
           and x.starts_at <= now() and x.ends_at > now() and x.lifted_at is null) as silenced_until,
       s.last_error,
       coalesce(w.waiting, 0) as notifications_waiting,
       w.delivery_status
  from sms_monitor.sms_alert_thresholds t
  left join sms_monitor.sms_alert_rule_state s on s.alert_type = t.alert_type
  -- a per-dimension rule may have several open incidents (one per value): the oldest stands for it here
  left join lateral (
    select x.* from sms_monitor.sms_alert_history x
     where x.alert_type = t.alert_type and x.resolved_at is null
     order by x.triggered_at, x.id limit 1
  ) h on true
  left join lateral (
    select sum(r.n)::integer as waiting,
           format('%s waiting: %s', sum(r.n),
             case when count(*) = 1 then min(r.reason)
                  else string_agg(format('%s (%s)', r.reason, r.n), ', ' order by r.reason) end) as delivery_status
      from (
        select q.kind || case when q.kind like '% retrying' then coalesce(' (' || left((array_agg(q.last_error
                 order by q.updated_at desc) filter (where q.last_error is not null))[1], 200) || ')', '') else '' end as reason,
               count(*) as n
          from (
            select n.last_error, n.updated_at,
                   case
                     when n.channel <> 'log' and not exists (
                       select from sms_monitor.sms_notifier_heartbeats b
                        where b.expires_at > now() and n.channel = any(b.channels))
                       then n.channel || ' not configured'
                     when n.retries > 0 then n.channel || ' retrying'
                     else n.channel || ' queued'
                   end as kind
              from sms_monitor.sms_alert_notifications n
              join sms_monitor.sms_alert_history a on a.id = n.alert_id
             where a.alert_type = t.alert_type and n.status = 'pending'
          ) q
         group by q.kind
      ) r
     having sum(r.n) > 0
  ) w on true;

comment on view sms_monitor.sms_alert_status is
  'One row per alert rule: settings, the last check''s action and value, the open incident and the end of an '
  'active silence (silenced_until); last_error = "SQLSTATE: message" when the last evaluation failed (last_action error); '
  'notifications_waiting and delivery_status: what waits in the outbox and why (e.g. "2 waiting: pagerduty not configured").';
revoke all on sms_monitor.sms_alert_status from public;
grant select on sms_monitor.sms_alert_status to sms_monitor_reader;
--! EndIncluded views/sms_alert_status.sql
