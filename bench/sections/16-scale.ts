// At 100M recorded events (SMS_MONITOR_BENCH_EVENTS, default 100,000,000; 1,000,000 for a quick
// run): the state those events leave (bench/seed-scale.ts: raw log as retention keeps it, rollups
// for the rest, message tables empty), then
// (1) p50/p95 of every dashboard endpoint over HTTP beside GET /healthz on the same server
//     (keep-alive fetch, one request at a time, 200 each; target p95 < 20 ms);
// (2) a full check_sms_alerts() with every seeded rule enabled, per-dimension ones included
//     (20 runs, each at its own now(); target < 100 ms);
// (3) storage bytes per event: log partitions, minute/hour rollups, day rollups (per user, system-wide, the
//     day's users), indexes included.
import { dashboardPaths, startBenchServer, summary, timeRequests } from '../http-server.ts';
import { median, percentile, printTable, type BenchSection } from '../lib.ts';
import { scaleState, seedScale, SCALE_DAYS, SCALE_LOG_DAYS, SCALE_USERS } from '../seed-scale.ts';

const EVENTS = Number(process.env.SMS_MONITOR_BENCH_EVENTS ?? 100_000_000);
const REQUESTS = 200;

const section: BenchSection = {
  name: 'scale',
  title: 'At 100M recorded events (SMS_MONITOR_BENCH_EVENTS)',
  async run(db) {
    if (!Number.isInteger(EVENTS) || EVENTS < SCALE_DAYS) {
      throw new Error(`SMS_MONITOR_BENCH_EVENTS must be an integer >= ${SCALE_DAYS}, got ${process.env.SMS_MONITOR_BENCH_EVENTS}`);
    }
    const sql = db.sql;
    // BENCH_KEEP_DB=1 on a database this section seeded before: measured as it is (its days stay
    // where the seed put them, so run it the same day), not seeded again
    const [seeded] = await sql<{ yes: boolean }[]>`select exists (select from sms_monitor.sms_metric_rollups_daily) as yes`;
    const reuse = process.env.BENCH_KEEP_DB === '1' && seeded!.yes;
    const seed = reuse ? await scaleState(sql) : await seedScale(sql, EVENTS);
    if (reuse) console.log('reusing the seeded database (BENCH_KEEP_DB=1)');
    console.log(`seeded ${seed.events.toLocaleString('en-US')} events (asked ${EVENTS.toLocaleString('en-US')}) over ${SCALE_DAYS} days, `
      + `${SCALE_USERS} users in ${seed.seconds.toFixed(0)} s (${Math.round(seed.events / seed.seconds).toLocaleString('en-US')} events/s): `
      + `${seed.logRows.toLocaleString('en-US')} log rows (${SCALE_LOG_DAYS} days), ${seed.rollupRows.toLocaleString('en-US')} minute/hour `
      + `rollup rows, ${seed.dailyRows.toLocaleString('en-US')} day rows\n`);

    // (1) endpoints over HTTP
    const server = await startBenchServer(db);
    const rows: Array<[string, number, number, string]> = [];
    const base = summary(await timeRequests(server, '/healthz', REQUESTS));
    rows.push(['GET /healthz (baseline)', base.p50, base.p95, '1.0']);
    for (const [name, path] of dashboardPaths('c3000000-0000-0000-0000-000000000042')) {
      const s = summary(await timeRequests(server, path, REQUESTS));
      rows.push([name, s.p50, s.p95, (s.p50 / base.p50).toFixed(1)]);
    }
    await server.close();
    console.log(`(1) endpoints, ms per request, ${REQUESTS} requests each (target p95 < 20 ms)\n`);
    printTable(['endpoint', 'p50 ms', 'p95 ms', 'p50 ratio to /healthz'], rows);

    // (2) the whole rule set
    await sql`update sms_monitor.sms_alert_thresholds set is_enabled = true`;
    const [rules] = await sql<{ n: number; grouped: number }[]>`select count(*)::int as n,
      count(*) filter (where group_by is not null)::int as grouped from sms_monitor.sms_alert_thresholds`;
    const checks: number[] = [];
    let results = 0;
    for (let i = 0; i < 21; i++) {
      const t0 = process.hrtime.bigint();
      const out = await sql`select * from sms_monitor.check_sms_alerts()`;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i > 0) checks.push(ms); // the first run opens the incidents and plans every statement
      results = out.length;
      const errors = out.filter((r) => r.action === 'error');
      if (errors.length) throw new Error(`check_sms_alerts: ${errors.map((r) => `${r.alert_type}: ${r.detail}`).join('; ')}`);
    }
    console.log(`\n(2) check_sms_alerts(), ${rules!.n} rules enabled (${rules!.grouped} per-dimension, message tables empty), `
      + `${results} result rows, 20 runs (target < 100 ms)\n`);
    printTable(['measure', 'ms'], [['p50', median(checks)], ['p95', percentile(checks, 95)], ['max', Math.max(...checks)]]);

    // (3) storage per event
    const [s] = await sql<{ log: number; rollups: number; daily: number; system: number; users: number;
      system_rows: number; user_rows: number }[]>`
      select (select sum(pg_total_relation_size(c.oid)) from pg_inherits i join pg_class c on c.oid = i.inhrelid
               where i.inhparent = 'sms_monitor.sms_metric_events'::regclass)::float8 as log,
             pg_total_relation_size('sms_monitor.sms_metric_rollups')::float8 as rollups,
             pg_total_relation_size('sms_monitor.sms_metric_rollups_daily')::float8 as daily,
             pg_total_relation_size('sms_monitor.sms_metric_rollups_system_daily')::float8 as system,
             pg_total_relation_size('sms_monitor.sms_metric_active_users_daily')::float8 as users,
             (select count(*) from sms_monitor.sms_metric_rollups_system_daily)::int as system_rows,
             (select count(*) from sms_monitor.sms_metric_active_users_daily)::int as user_rows`;
    console.log(`\n(3) storage for ${seed.events.toLocaleString('en-US')} events (indexes included)\n`);
    const bytes = s!.log + s!.rollups + s!.daily + s!.system + s!.users;
    printTable(['table', 'rows', 'MB', 'bytes per event'], [
      ['sms_metric_events (log, all partitions)', seed.logRows, s!.log / 1e6, s!.log / seed.events],
      ['sms_metric_rollups (minute and hour grain)', seed.rollupRows, s!.rollups / 1e6, s!.rollups / seed.events],
      ['sms_metric_rollups_daily (day grain)', seed.dailyRows, s!.daily / 1e6, s!.daily / seed.events],
      ['sms_metric_rollups_system_daily (day grain, all users)', s!.system_rows, s!.system / 1e6, s!.system / seed.events],
      ['sms_metric_active_users_daily (users per day)', s!.user_rows, s!.users / 1e6, s!.users / seed.events],
      ['total', seed.logRows + seed.rollupRows + seed.dailyRows + s!.system_rows + s!.user_rows, bytes / 1e6,
        bytes / seed.events],
    ]);
  },
};
export default section;
