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
    -- the minute buckets of each distinct window (_message_stats, every message)
    select w.mins, coalesce(x.terminal, 0) as terminal, coalesce(x.bad, 0) as bad
      from w left join lateral (
        select m.delivered + m.undelivered + m.failed as terminal, m.undelivered + m.failed as bad
          from sms_monitor._message_stats(null, p_now - make_interval(mins => w.mins), p_now, null, false) m
      ) x on true
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
