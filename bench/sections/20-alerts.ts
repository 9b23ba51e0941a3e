// Alert evaluation: check_sms_alerts() (its engine, _alert_evaluate, which takes any p_now:
// the data is in 2030, and check_sms_alerts refuses a p_now ahead of the server clock) over 30 days of data for 100,000 users (about 10
// million sms_metrics rows, generated set-based inside PostgreSQL), after a refresh of the daily
// view. Baselines measured in the same run: a plain count(*) over one hour of buckets (what one
// index range read of the window costs), and, once, the naive cost baseline that aggregates 30 days
// of raw buckets (what the rule would cost every minute without sms_metrics_daily).
import { median, printTable, type BenchDatabase, type BenchSection } from '../lib.ts';

const USERS = 100_000;
const DAYS = 30;
const ROUNDS = 9;
const TODAY = '2030-06-30';
const NOW = `${TODAY} 14:30:00Z`; // reporting timezone UTC (the default)

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// One day of traffic: 85 % of the users are active, each in one hour of the day (spread by a hash),
// with sent_count, delivered_count (95 % of them), llm_success_count or template_fallback_count (3 %)
// and llm_cost_usd: about 3.3 rows per user and day.
/** A deterministic pseudo-random number in [0, m) from a bigint expression. */
const hashMod = (expr: string, m: number) => `((hashint8(${expr}) & 2147483647) % ${m})`;

async function generateDay(db: BenchDatabase, day: number): Promise<void> {
  await db.sql.unsafe(`
    insert into sms_monitor.sms_metric_rollups (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
    select g.d, g.h, g.u, t.metric_type, t.v, 1
      from (
        select date '${TODAY}' - ${DAYS - 1 - day} as d,
               ${hashMod(`n * 7919 + ${day}`, 24)}::smallint as h,
               ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid as u,
               ${hashMod(`n * 104729 + ${day} * 31`, 1000)} as r
          from generate_series(1::bigint, ${USERS}) n
         where ${hashMod(`n + ${day} * 1000003`, 100)} < 85
      ) g
     cross join lateral (values
       ('sent_count', 1::numeric),
       ('delivered_count', case when g.r % 100 < 95 then 1 end),
       ('llm_success_count', case when g.r % 100 >= 3 then 1 end),
       ('template_fallback_count', case when g.r % 100 < 3 then 1 end),
       ('llm_cost_usd', 0.002 + g.r / 1000000.0)
     ) t(metric_type, v)
     where t.v is not null
     order by 1, 2, 3, 4`);
  // the day grain the daily views read, as the rollup would have written it
  await db.sql.unsafe(`
    insert into sms_monitor.sms_metric_rollups_daily (user_id, metric_type, metric_date, metric_value, sample_count)
    select user_id, metric_type, metric_date, sum(metric_value), sum(sample_count)
      from sms_monitor.sms_metric_rollups
     where metric_date = date '${TODAY}' - ${DAYS - 1 - day}
     group by user_id, metric_type, metric_date`);
  await db.sql.unsafe(`select sms_monitor._rebuild_system_rollups(date '${TODAY}' - ${DAYS - 1 - day}, date '${TODAY}' - ${DAYS - 1 - day})`);
}

async function run(db: BenchDatabase): Promise<void> {
  const sql = db.sql;
  const gen0 = Date.now();
  await sql`alter table sms_monitor.sms_metric_rollups set (autovacuum_enabled = false)`;
  for (let day = 0; day < DAYS; day++) await generateDay(db, day);
  await sql`alter table sms_monitor.sms_metric_rollups reset (autovacuum_enabled)`;
  await sql`vacuum (analyze) sms_monitor.sms_metric_rollups`;
  await sql`vacuum (analyze) sms_monitor.sms_metric_rollups_daily`;
  const [counted] = await sql<{ rows: number }[]>`select count(*)::int as rows from sms_monitor.sms_metric_rollups`;
  const rows = counted!.rows;
  const genSecs = (Date.now() - gen0) / 1000;
  const refreshMs = await timed(() => sql`select sms_monitor.refresh_sms_metrics_daily()`);
  const refreshAgainMs = await timed(() => sql`select sms_monitor.refresh_sms_metrics_daily()`);
  console.log(`generated ${rows.toLocaleString('en-US')} sms_metrics rows (${USERS.toLocaleString('en-US')} users x ${DAYS} days) in ${genSecs.toFixed(0)} s; ` +
    `refresh_sms_metrics_daily(): first ${(refreshMs / 1000).toFixed(1)} s, concurrent ${(refreshAgainMs / 1000).toFixed(1)} s`);

  // each timed check one second later than the last: a check for an instant already evaluated skips
  // its rules ('skipped'), and the bench measures real evaluations
  let tick = 0;
  const check = () => sql`select count(*) from sms_monitor._alert_evaluate(${NOW}::timestamptz + make_interval(secs => ${++tick}))`;
  const hour = () => sql`select count(*) from sms_monitor.sms_metrics where metric_date = ${TODAY}::date and metric_hour = 14`;
  const actions = await sql<{ alert_type: string; action: string; metric_value: string | null; sample_size: string }[]>`
    select alert_type, action, metric_value::text, sample_size::text from sms_monitor._alert_evaluate(${NOW}::timestamptz)`;
  for (const a of actions) console.log(`  ${a.alert_type}: ${a.action} (value ${a.metric_value}, sample ${a.sample_size})`);
  await hour();

  const measure = async (windowNote: string) => {
    const tCheck: number[] = [];
    const tHour: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      tHour.push(await timed(hour));
      tCheck.push(await timed(check));
    }
    return { windowNote, check: median(tCheck), hour: median(tHour) };
  };
  const seeded = await measure('seeded rules (10: 5 over counters, 60-minute windows; 5 over messages, none recorded here)');
  // The same rules with a 24-hour window on the two user-based rules: a day of buckets per minute.
  await sql`update sms_monitor.sms_alert_thresholds set window_minutes = 1440
             where alert_type in ('opt_out_rate_warning', 'daily_limit_hit_warning')`;
  await timed(check);
  const daily = await measure('opt-out and daily-limit rules on 24-hour windows');
  await sql`update sms_monitor.sms_alert_thresholds set window_minutes = 60`;

  const naiveMs = await timed(() => sql`
    select sum(m.metric_value) filter (where m.metric_type = 'llm_cost_usd') / count(distinct m.user_id)
      from sms_monitor.sms_metrics m
     where m.metric_date between ${TODAY}::date - 30 and ${TODAY}::date - 1`);

  console.log('');
  printTable(['measurement', 'median ms', 'x one-hour count(*)'], [
    ['count(*) over one hour of buckets (baseline)', seeded.hour, 1],
    [`check_sms_alerts(), ${seeded.windowNote}`, seeded.check, seeded.check / seeded.hour],
    [`check_sms_alerts(), ${daily.windowNote}`, daily.check, daily.check / daily.hour],
    ['naive 30-day raw cost baseline (once, for contrast)', naiveMs, naiveMs / seeded.hour],
  ]);
  console.log(`\n${ROUNDS} rounds each, interleaved; target for check_sms_alerts() < 250 ms.`);
}

const section: BenchSection = { name: 'alerts', title: 'Alert evaluation', run };
export default section;
