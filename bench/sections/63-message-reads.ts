// Message reads at scale: BENCH_MESSAGE_DAYS (default 30) days of BENCH_MESSAGES_PER_DAY (default
// 1,000,000) messages seeded straight into sms_messages and their minute buckets built
// (bench/message-seed.ts; the seeding and the bucket build timed),
// then p50/p95 of the message endpoints over HTTP (keep-alive fetch, one request at a time) beside
// GET /healthz on the same server, and of check_sms_alerts() with the seeded rules (SQL). Up to 50
// timed requests per line after 1 warm-up, fewer when a line would take over 30 s (at least 5;
// the count is printed). Then EXPLAIN (ANALYZE, BUFFERS) of the slowest line, the statements
// inside the function included (auto_explain with nested statements, at NOTICE level).
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import postgres from 'postgres';
import { buildServer } from '../../server/app.ts';
import { serverLogin } from '../http-server.ts';
import { signToken } from '../../server/auth.ts';
import { DEFAULT_LIMITS } from '../../server/limits.ts';
import { median, percentile, printTable, type BenchSection } from '../lib.ts';
import { seedMessages } from '../message-seed.ts';

const DAYS = envInt('BENCH_MESSAGE_DAYS', process.env.BENCH_MESSAGE_DAYS, 30, 1, 400);
const PER_DAY = envInt('BENCH_MESSAGES_PER_DAY', process.env.BENCH_MESSAGES_PER_DAY, 1_000_000, 1, 10_000_000);
const MAX_SAMPLES = 50;
const MIN_SAMPLES = 5;
const BUDGET_MS = 30_000;

function envInt(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: must be an integer from ${min} to ${max} (got ${raw})`);
  return n;
}

/** ms of each call: 1 warm-up, then up to MAX_SAMPLES within BUDGET_MS (at least MIN_SAMPLES). */
async function timeCalls(once: () => Promise<void>): Promise<number[]> {
  await once();
  const ms: number[] = [];
  const start = Date.now();
  while (ms.length < MAX_SAMPLES && (ms.length < MIN_SAMPLES || Date.now() - start < BUDGET_MS)) {
    const s = process.hrtime.bigint();
    await once();
    ms.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return ms;
}

// [label, HTTP path, the SQL the route runs (for EXPLAIN)]
const ENDPOINTS: Array<[string, string, string]> = [
  ['GET /healthz (baseline)', '/healthz', 'select 1'],
  ['breakdown by=carrier minutes=60', '/api/sms/metrics/breakdown?by=carrier&minutes=60',
    `select sms_monitor.api_message_breakdown('carrier', 60)`],
  ['breakdown by=carrier minutes=1440', '/api/sms/metrics/breakdown?by=carrier&minutes=1440',
    `select sms_monitor.api_message_breakdown('carrier', 1440)`],
  ['breakdown by=error_code minutes=60', '/api/sms/metrics/breakdown?by=error_code&minutes=60',
    `select sms_monitor.api_message_breakdown('error_code', 60)`],
  ['breakdown by=error_code minutes=1440', '/api/sms/metrics/breakdown?by=error_code&minutes=1440',
    `select sms_monitor.api_message_breakdown('error_code', 1440)`],
  ['latency minutes=60 by=carrier', '/api/sms/metrics/latency?minutes=60&by=carrier',
    `select sms_monitor.api_message_latency('carrier', 60)`],
  ['series minutes=180 step=1', '/api/sms/metrics/series?minutes=180&step=1',
    'select sms_monitor.api_message_series(180, 1)'],
  ['series minutes=180 step=5', '/api/sms/metrics/series?minutes=180&step=5',
    'select sms_monitor.api_message_series(180, 5)'],
  ['receipts (defaults: due after 10 min, sent in 1440 min)', '/api/sms/metrics/receipts',
    'select sms_monitor.api_message_receipts()'],
];

const section: BenchSection = {
  name: 'message_reads',
  title: 'Message reads at scale',
  async run(db) {
    const total = DAYS * PER_DAY;
    // BENCH_KEEP_DB=1 with messages already there (a kept database): not seeded again. The seeded
    // times stay where they were, so the windows ending now drift off the newest messages: reuse
    // soon after seeding (the age is printed).
    const [had] = await db.sql<{ age: number | null }[]>`
      select extract(epoch from now() - max(sent_at))::float8 / 60 as age from sms_monitor.sms_messages`;
    let seedSeconds = 0;
    let bucketSeconds = 0;
    if (process.env.BENCH_KEEP_DB === '1' && had!.age !== null) {
      console.log(`\nreusing the kept database: its newest message was sent ${had!.age.toFixed(0)} minutes ago`);
    } else {
      console.log(`\nseeding ${total.toLocaleString('en-US')} messages (${DAYS} days x ${PER_DAY.toLocaleString('en-US')}) into sms_messages`);
      ({ seconds: seedSeconds, bucketSeconds } = await seedMessages(db.sql, DAYS, PER_DAY, (d) => {
        if ((d + 1) % 5 === 0 || d + 1 === DAYS) console.log(`  ${d + 1} of ${DAYS} days`);
      }));
    }
    const [size] = await db.sql<{ table: string; total: string; buckets: string; bucket_rows: string }[]>`
      select pg_size_pretty(pg_table_size('sms_monitor.sms_messages')) as table,
             pg_size_pretty(pg_total_relation_size('sms_monitor.sms_messages')) as total,
             pg_size_pretty(pg_total_relation_size('sms_monitor.sms_message_minute_stats')) as buckets,
             (select count(*) from sms_monitor.sms_message_minute_stats)::text as bucket_rows`;
    if (seedSeconds > 0) console.log(`\nseeded in ${seedSeconds.toFixed(0)} s (${Math.round(total / seedSeconds).toLocaleString('en-US')} messages/s, `
      + `indexes maintained, vacuum analyze included); table ${size!.table}, with indexes ${size!.total}`);
    if (seedSeconds > 0) console.log(`minute buckets built in ${bucketSeconds.toFixed(0)} s (_rebuild_message_minute_stats a day at a time): `
      + `${Number(size!.bucket_rows).toLocaleString('en-US')} rows, ${size!.buckets} with indexes\n`);

    const login = await serverLogin(db);
    const secret = randomBytes(32).toString('base64url');
    // The statement and request timeouts raised so that slow reads are measured, not cut off: a
    // line whose p50 is over DEFAULT_LIMITS.statementTimeoutMs answers 503 with the default settings.
    const { app } = await buildServer({ databaseUrl: login.url, jwtSecret: secret, logger: pino({ level: 'silent' }),
      limits: { ratePerMinute: 1_000_000_000, concurrentPerToken: 1_000, statementTimeoutMs: 600_000, requestTimeoutMs: 600_000 } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const headers = { authorization: `Bearer ${await signToken(secret, { role: 'sms_monitor_reader', ttlSeconds: 3600 })}` };

    const rows: Array<Array<string | number>> = [];
    const timed: Array<{ label: string; sql: string; p50: number }> = [];
    let baseP50 = 0;
    for (const [label, path, sqlText] of ENDPOINTS) {
      const ms = await timeCalls(async () => {
        const res = await fetch(base + path, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      });
      const p50 = median(ms);
      if (baseP50 === 0) baseP50 = p50;
      else timed.push({ label, sql: sqlText, p50 });
      rows.push([`GET ${path}`, ms.length, p50, percentile(ms, 95), (p50 / baseP50).toFixed(1)]);
      console.log(`  ${label}: p50 ${p50.toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms (n ${ms.length})`);
    }
    const checkMs = await timeCalls(async () => { await db.sql`select sms_monitor.check_sms_alerts()`; });
    rows.push(['select sms_monitor.check_sms_alerts() (SQL, the 10 seeded rules)', checkMs.length, median(checkMs),
      percentile(checkMs, 95), '–']);
    timed.push({ label: 'check_sms_alerts()', sql: 'select sms_monitor.check_sms_alerts()', p50: median(checkMs) });
    console.log(`\n(p50 over ${DEFAULT_LIMITS.statementTimeoutMs} ms: 503 with the default statement timeout)\n`);
    printTable(['request', 'n', 'p50 ms', 'p95 ms', 'p50 ratio to /healthz'], rows);
    await app.close();
    await login.drop();

    const slowest = timed.reduce((a, b) => (b.p50 > a.p50 ? b : a));
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the slowest, ${slowest.label} (\`${slowest.sql}\`), each statement inside it:\n`);
    const notices: string[] = [];
    const one = postgres(db.url, { max: 1, onnotice: (n) => notices.push(String(n.message)) });
    try {
      await one`load 'auto_explain'`;
      const settings: Array<[string, string]> = [['log_min_duration', '1'], ['log_analyze', 'on'], ['log_buffers', 'on'],
        ['log_nested_statements', 'on'], ['log_timing', 'on'], ['log_level', 'notice']];
      for (const [k, v] of settings) {
        await one.unsafe(`set auto_explain.${k} = '${v}'`);
      }
      await one.unsafe(slowest.sql);
    } finally {
      await one.end();
    }
    console.log('```');
    for (const n of notices) console.log(n.trim(), '\n');
    console.log('```');
  },
};
export default section;
