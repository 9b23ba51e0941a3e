// The state N recorded events leave behind (docs/benchmarks.md, "At 100M recorded events"), seeded
// set-based in SQL in minutes instead of recording N events one by one:
// - N / 400 events per reporting day over the 400 days of settings.metric_retention_days, spread
//   over 100 users and every metric type except the three the rule engine derives;
// - the last 8 days (_minute_rollup_days) as single events: counters worth 1, sums 0.0012, timings
//   100..999 ms, at a minute of the day derived from the event's number; they are grouped into the
//   minute grain of sms_metric_rollups exactly as the rollup would, and the last 4 arrival days of
//   them stay in the raw log (sms_metric_events), which retention keeps, all below the watermark;
// - older days at hour grain: one sms_metric_rollups row per (day, hour, user, type) holding
//   floor(N / 400 / buckets) events (at least 1; when N is too small for every bucket to hold one,
//   every stride-th bucket), as retention's compaction leaves them;
// - the day grain (sms_metric_rollups_daily) grouped from the hour and minute rows, and the system-wide
//   day rollups rebuilt from it (_rebuild_system_rollups, as the migration's backfill does).
// Returns the number of events the seeded state represents (the sum of sample_count), which is what
// the per-event figures divide by.
import type postgres from 'postgres';

export const SCALE_USERS = 100;
export const SCALE_DAYS = 400;
export const SCALE_MINUTE_DAYS = 8;
export const SCALE_LOG_DAYS = 4;

const TYPES = `(select metric_type, kind, (row_number() over (order by metric_type) - 1)::int as t
   from sms_monitor.metric_types
  where metric_type not in ('delivery_success_rate', 'quiet_hours_skip_count', 'daily_limit_hit_count'))`;
const USER = (u: string) => `('c3000000-0000-0000-0000-' || lpad((${u})::text, 12, '0'))::uuid`;

export interface ScaleSeed { events: number; logRows: number; rollupRows: number; dailyRows: number; seconds: number }

export async function seedScale(sql: postgres.Sql, total: number): Promise<ScaleSeed> {
  const t0 = process.hrtime.bigint();
  const [counted] = await sql.unsafe<{ types: number }[]>(`select count(*)::int as types from ${TYPES} x`);
  const types = counted!.types;
  const perDay = Math.max(1, Math.floor(total / SCALE_DAYS));
  const buckets = SCALE_USERS * types * 24;
  const perBucket = Math.max(1, Math.floor(perDay / buckets));
  const stride = Math.max(1, Math.round((buckets * perBucket) / perDay));
  await sql`select sms_monitor._ensure_sms_event_partitions((current_date - ${SCALE_LOG_DAYS}::int)::date, ${SCALE_LOG_DAYS + 2}::int)`;
  // recent days, one row per event, in a scratch table first
  await sql.unsafe(`create unlogged table public.scale_events as
    select d, g, ${USER(`g % ${SCALE_USERS} + 1`)} as user_id, ty.metric_type,
           sms_monitor.reporting_today() - d as metric_date,
           ((g * 7919) % 1440 / 60)::smallint as metric_hour, ((g * 7919) % 60)::smallint as metric_minute,
           case ty.kind when 'counter' then 1 when 'sum' then 0.0012 else 100 + g % 900 end::numeric as metric_value
      from generate_series(0, ${SCALE_MINUTE_DAYS - 1}) d, generate_series(0, ${perDay - 1}) g
      join ${TYPES} ty on ty.t = (g / ${SCALE_USERS}) % ${types}`);
  await sql.unsafe(`insert into sms_monitor.sms_metric_rollups (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count)
    select user_id, metric_type, metric_date, metric_hour, metric_minute, sum(metric_value), count(*)
      from public.scale_events group by 1, 2, 3, 4, 5`);
  await sql.unsafe(`insert into sms_monitor.sms_metric_events (id, recorded_on, user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value)
    select nextval('sms_monitor.sms_metric_events_id_seq'), (now() at time zone 'UTC')::date - d, user_id, metric_type,
           metric_date, metric_hour, metric_minute, metric_value
      from public.scale_events where d < ${SCALE_LOG_DAYS} order by d desc, g`);
  await sql.unsafe('drop table public.scale_events');
  // older days at hour grain
  await sql.unsafe(`insert into sms_monitor.sms_metric_rollups (user_id, metric_type, metric_date, metric_hour, metric_value, sample_count)
    select ${USER('u')}, ty.metric_type, sms_monitor.reporting_today() - d, h,
           ${perBucket} * case ty.kind when 'counter' then 1 when 'sum' then 0.0012 else 100 + (d + h + u) % 900 end,
           ${perBucket}
      from generate_series(${SCALE_MINUTE_DAYS}, ${SCALE_DAYS - 1}) d, generate_series(0, 23) h,
           generate_series(1, ${SCALE_USERS}) u, ${TYPES} ty
     where ((h * ${SCALE_USERS} + u - 1) * ${types} + ty.t) % ${stride} = 0`);
  await sql.unsafe(`insert into sms_monitor.sms_metric_rollups_daily (user_id, metric_type, metric_date, metric_value, sample_count)
    select user_id, metric_type, metric_date, sum(metric_value), sum(sample_count)
      from sms_monitor.sms_metric_rollups group by 1, 2, 3`);
  await sql.unsafe(`select sms_monitor._rebuild_system_rollups(sms_monitor.reporting_today() - ${SCALE_DAYS - 1}, sms_monitor.reporting_today())`);
  await sql.unsafe(`insert into sms_monitor.sms_rollup_watermarks (rollup_name, last_id, rolled_up_at)
    select 'sms_metrics', coalesce(max(id), 0), now() from sms_monitor.sms_metric_events
    on conflict (rollup_name) do update set last_id = excluded.last_id, rolled_up_at = excluded.rolled_up_at`);
  // the alert-window grains were rebuilt with the day tables above: they hold the same log ids
  await sql.unsafe(`update sms_monitor.sms_metrics_window_grains
    set last_id = (select w.last_id from sms_monitor.sms_rollup_watermarks w where w.rollup_name = 'sms_metrics')`);
  await sql`vacuum analyze sms_monitor.sms_metric_rollups`;
  await sql`vacuum analyze sms_monitor.sms_metric_rollups_daily`;
  await sql`vacuum analyze sms_monitor.sms_metric_events`;
  await sql`vacuum analyze sms_monitor.sms_metric_rollups_system_daily`;
  await sql`vacuum analyze sms_monitor.sms_metric_active_users_daily`;
  return { ...(await scaleState(sql)), seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** What a seeded database holds: the events its rollups represent and its rows (seconds: 0). */
export async function scaleState(sql: postgres.Sql): Promise<ScaleSeed> {
  const [r] = await sql<{ events: string; log: string; rollups: string; daily: string }[]>`
    select (select sum(sample_count) from sms_monitor.sms_metric_rollups)::text as events,
           (select count(*) from sms_monitor.sms_metric_events)::text as log,
           (select count(*) from sms_monitor.sms_metric_rollups)::text as rollups,
           (select count(*) from sms_monitor.sms_metric_rollups_daily)::text as daily`;
  return { events: Number(r!.events), logRows: Number(r!.log), rollupRows: Number(r!.rollups), dailyRows: Number(r!.daily),
    seconds: 0 };
}
