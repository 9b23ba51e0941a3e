// Rollup keeps up: 10,000 events/s through record_sms_events (4 writers, batches of 500, paced to a
// schedule) for SMS_MONITOR_BENCH_SUSTAINED_SECONDS (default 300) while the rollup runs as pg_cron
// runs it: the bench issues the job's body, `call sms_monitor.run_sms_rollups()` (a rollup at
// its default pause for its default length, less than a minute), at every whole minute from the start, as the `sms-monitor-rollup` job does.
// Printed: the achieved rate; the lag from a batch's commit to the first watermark sample that
// covers its last id (watermark sampled every 100 ms; median, p95, max); and the latency of
// each reader (the SQL functions the dashboard endpoints call, and check_sms_alerts with every seeded
// rule enabled) with no writes, while run_sms_rollups runs, and in the seconds between its runs.
import { median, percentile, printTable, type BenchSection } from '../lib.ts';

const SECONDS = Number(process.env.SMS_MONITOR_BENCH_SUSTAINED_SECONDS ?? 300);
const RATE = 10_000;
const WRITERS = 4;
const BATCH = 500;

const READERS: Array<[string, string]> = [
  ['api_today_metrics()', 'select sms_monitor.api_today_metrics()'],
  ['api_metrics_summary()', 'select sms_monitor.api_metrics_summary()'],
  ['api_daily_metrics(7 days)', 'select sms_monitor.api_daily_metrics(sms_monitor.reporting_today() - 6)'],
  ['api_user_metrics(user, 30 days)', `select sms_monitor.api_user_metrics('d4000000-0000-0000-0000-000000000042', 30)`],
  ['api_alerts()', 'select sms_monitor.api_alerts()'],
  ['api_health()', 'select sms_monitor.api_health()'],
  ['api_top_users()', 'select sms_monitor.api_top_users()'],
  ['check_sms_alerts()', 'select count(*) from sms_monitor.check_sms_alerts()'],
];
type Phase = 'quiet' | 'rolling' | 'between';

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

const section: BenchSection = {
  name: 'sustained',
  title: 'Rollup keeps up at 10,000 events/s (SMS_MONITOR_BENCH_SUSTAINED_SECONDS)',
  async run(db) {
    if (!Number.isInteger(SECONDS) || SECONDS < 10) {
      throw new Error(`SMS_MONITOR_BENCH_SUSTAINED_SECONDS must be an integer >= 10, got ${process.env.SMS_MONITOR_BENCH_SUSTAINED_SECONDS}`);
    }
    const sql = db.sql;
    await sql`update sms_monitor.sms_alert_thresholds set is_enabled = true`;
    const types = ['sent_count', 'delivered_count', 'failed_count'];
    const batchOf = (w: number, b: number, at: string) => JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({
      metric_type: types[(i + b) % 3], occurred_at: at,
      user_id: `d4000000-0000-0000-0000-${String(((i * 7 + b + w * 25) % 100) + 1).padStart(12, '0')}`,
    })));
    const samples = new Map<string, Record<Phase, number[]>>(READERS.map(([n]) => [n, { quiet: [], rolling: [], between: [] }]));
    const reader = db.connect(1);
    let phase: Phase = 'quiet';
    let stop = false;
    const readLoop = async (until: () => boolean) => {
      while (!until()) {
        for (const [name, q] of READERS) {
          const before = phase;
          const t0 = process.hrtime.bigint();
          await reader.unsafe(q);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (phase === before) samples.get(name)![before].push(ms); // a sample that straddles a phase change counts nowhere
        }
      }
    };
    // a warm-up write so the readers have data, then the quiet baseline: 5 passes
    await sql`select sms_monitor.record_sms_events(${batchOf(0, 0, new Date().toISOString())}::text::jsonb)`;
    await sql`select sms_monitor.rollup_sms_metrics()`;
    let passes = 0;
    await readLoop(() => passes++ >= 5);

    const t0 = Date.now();
    const end = t0 + SECONDS * 1000;
    const commits: Array<[number, bigint]> = [];
    let sent = 0;
    const writer = async (w: number) => {
      const conn = db.connect(1);
      const period = (WRITERS * BATCH * 1000) / RATE; // ms between one writer's batches
      for (let b = 0; ; b++) {
        const due = t0 + b * period + (w * period) / WRITERS;
        if (due >= end) return;
        await sleepUntil(due);
        const [r] = await conn.begin(async (tx) => {
          await tx`select sms_monitor.record_sms_events(${batchOf(w, b, new Date().toISOString())}::text::jsonb)`;
          return tx<{ id: string }[]>`select currval('sms_monitor.sms_metric_events_id_seq')::text as id`;
        });
        commits.push([Date.now(), BigInt(r!.id)]);
        sent += BATCH;
      }
    };
    const watermarks: Array<[number, bigint]> = [];
    const watcher = db.connect(1);
    const watch = (async () => {
      while (!stop) {
        const [r] = await watcher<{ id: string }[]>`select last_id::text as id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics'`;
        watermarks.push([Date.now(), BigInt(r?.id ?? 0)]);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const cron = (async () => {
      const roller = db.connect(1);
      for (let m = 0; t0 + m * 60_000 < end; m++) {
        await sleepUntil(t0 + m * 60_000);
        phase = 'rolling';
        await roller`call sms_monitor.run_sms_rollups()`;
        phase = 'between';
      }
    })();
    const reads = readLoop(() => Date.now() >= end);
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const rate = sent / ((Date.now() - t0) / 1000);
    await reads;
    await cron;
    // the last commits are covered by the last run_sms_rollups; wait for its final watermark
    await sql`select sms_monitor.rollup_sms_metrics()`;
    await new Promise((res) => setTimeout(res, 200));
    stop = true;
    await watch;

    const lags: number[] = [];
    let i = 0;
    for (const [at, id] of commits.sort((a, b) => a[0] - b[0])) {
      while (i < watermarks.length && watermarks[i]![0] < at) i++; // samples taken before the commit
      let j = i;
      while (j < watermarks.length && watermarks[j]![1] < id) j++;
      if (j < watermarks.length) lags.push((watermarks[j]![0] - at) / 1000);
    }
    console.log(`${SECONDS} s, ${WRITERS} writers, batches of ${BATCH}: ${sent.toLocaleString('en-US')} events at `
      + `${Math.round(rate).toLocaleString('en-US')} events/s (target ${RATE.toLocaleString('en-US')}); `
      + `rollup: call sms_monitor.run_sms_rollups() at every minute from the start, as the pg_cron job\n`);
    printTable(['lag from commit to rollup (s)', 'value'], [
      ['batches measured', `${lags.length} of ${commits.length}`],
      ['median', median(lags)], ['p95', percentile(lags, 95)], ['max (target < 60)', Math.max(...lags)],
    ]);
    console.log('\nreaders, ms (ratio = p50 while run_sms_rollups runs / p50 between its runs; target < 2)\n');
    printTable(['reader', 'quiet p50', 'rolling n', 'rolling p50', 'rolling p95', 'between n', 'between p50', 'between p95', 'ratio'],
      READERS.map(([name]) => {
        const s = samples.get(name)!;
        const ratio = s.between.length && s.rolling.length ? (median(s.rolling) / median(s.between)).toFixed(2) : 'n/a';
        return [name, median(s.quiet), s.rolling.length, median(s.rolling), percentile(s.rolling, 95),
          s.between.length, s.between.length ? median(s.between) : NaN, s.between.length ? percentile(s.between, 95) : NaN, ratio];
      }));
  },
};
export default section;
