// Client and dashboards.
// (1) Buffered client, events accepted per second: record calls only (validation + aggregation in
//     memory), against a baseline of bare Map increments of the same keys: 1,000 keys (one slice,
//     hot in cache), then 100,000 users x 3 types (300,000 keys) for a service's real spread.
// (2) Events durably flushed per second, end to end (record + flush + commit), with the baseline
//     of unbuffered record_sms_event calls on 4 connections.
// (3) Dashboard functions p50/p95 on ~10 million sms_metrics rows (365 days x 24 hours x 100 users
//     x 12 types, generated set-based in SQL), baseline `select 1`.
import { createSmsMonitor } from '../../client/index.ts';
import { median, percentile, printTable, seedTenMillionMetrics, type BenchDatabase, type BenchSection } from '../lib.ts';

const ROUNDS = 5;
const user = (n: number) => `b1000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
const USERS = Array.from({ length: 10_000 }, (_, i) => user(i));
const MANY = Array.from({ length: 100_000 }, (_, i) => user(i));
const TYPES = ['sent_count', 'delivered_count', 'opt_out_count'] as const;

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function accepted(db: BenchDatabase): Promise<void> {
  const N = 2_000_000;
  const rows: Array<[string, number, string]> = [];
  const base: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const map = new Map<string, number>();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const k = `${USERS[i % 1000]!}|sent_count`;
      map.set(k, (map.get(k) ?? 0) + 1);
    }
    base.push(N / seconds(t0));
  }
  const baseline = median(base);
  rows.push(['bare Map increment (baseline)', baseline, '1.00']);
  // The same baseline over 300,000 keys (100,000 users x 3 types).
  const wide: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const map = new Map<string, number>();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const k = `${MANY[i % 100_000]!}|${TYPES[i % 3]!}`;
      map.set(k, (map.get(k) ?? 0) + 1);
    }
    wide.push(N / seconds(t0));
  }
  const wideBaseline = median(wide);
  const variants: Array<[string, (m: ReturnType<typeof createSmsMonitor>, i: number) => void]> = [
    ['record(type, { userId })', (m, i) => { void m.record('sent_count', { userId: USERS[i % 1000]! }); }],
    ['recordSent(userId, messageId, sid)', (m, i) => { void m.recordSent(USERS[i % 1000]!, 'SM0123456789', 'PN1'); }],
    ['recordDelivered(userId, id, ms): 2 values', (m, i) => { void m.recordDelivered(USERS[i % 1000]!, 'SM0123456789', i % 5000); }],
    ['100,000 users x 3 types: record(type, { userId })',
      (m, i) => { void m.record(TYPES[i % 3]!, { userId: MANY[(i / 3 | 0) % 100_000]! }); }],
  ];
  for (const [name, call] of variants) {
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const m = createSmsMonitor(db.sql, { buffered: { flushIntervalMs: 3_600_000, maxKeys: 1_000_000, maxBufferedKeys: 1_000_000 } });
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) call(m, i);
      rates.push(N / seconds(t0));
      await m.close();
    }
    const eps = median(rates);
    if (name.startsWith('100,000')) rows.push(['100,000 users x 3 types: bare Map increment', wideBaseline, (wideBaseline / baseline).toFixed(2)]);
    rows.push([name, eps, (eps / baseline).toFixed(2)]);
  }
  console.log(`(1) buffered client: calls accepted per second (${N.toLocaleString('en-US')} calls, 1,000 users unless said, median of ${ROUNDS})\n`);
  printTable(['what', 'calls/s', 'ratio to baseline'], rows);
}

async function flushed(db: BenchDatabase): Promise<void> {
  const rows: Array<[string, number, string]> = [];
  // Baseline: unbuffered writes, 4 connections, each call its own transaction.
  const pools = Array.from({ length: 4 }, () => db.connect(1));
  const direct = pools.map((p) => createSmsMonitor(p, { strict: true }));
  await Promise.all(direct.map((m) => m.recordOptOut(USERS[0]!)));
  const base: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(direct.map(async (m, c) => {
      for (let i = 0; i < 500; i++) await m.recordSent(USERS[(c * 500 + i) % 10_000]!, 'SM1');
    }));
    base.push(2000 / seconds(t0));
  }
  const baseline = median(base);
  rows.push(['unbuffered recordSent, 4 connections (baseline)', baseline, '1.00']);

  const N = 2_000_000;
  const cases: Array<[string, (m: ReturnType<typeof createSmsMonitor>, i: number) => void]> = [
    ['counters, 10,000 users x 3 types', (m, i) => {
      const u = USERS[i % 10_000]!;
      void (i % 3 === 0 ? m.recordScheduled(u, 1) : i % 3 === 1 ? m.recordSent(u, 'SM1') : m.recordOptOut(u));
    }],
    ['with timings: recordDelivered (count + 1 sample)', (m, i) => { void m.recordDelivered(USERS[i % 10_000]!, 'SM1', i % 5000); }],
  ];
  for (const [name, call] of cases) {
    const rates: number[] = [];
    let batches = 0;
    for (let r = 0; r < 3; r++) {
      const m = createSmsMonitor(db.sql, { buffered: true });
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) {
        call(m, i);
        // Yield now and then so interval and size flushes run while recording, as in a service.
        if (i % 50_000 === 0) await new Promise((res) => setImmediate(res));
      }
      await m.close();
      rates.push(N / seconds(t0));
      batches = m.stats().buffer?.batches ?? 0;
    }
    const eps = median(rates);
    rows.push([`buffered, ${name} (${batches} batches)`, eps, (eps / baseline).toFixed(0)]);
  }
  console.log(`\n(2) events durably written per second, record through commit (${N.toLocaleString('en-US')} events)\n`);
  printTable(['what', 'events/s', 'ratio to baseline'], rows);
}

async function dashboards(db: BenchDatabase): Promise<void> {
  const t0 = process.hrtime.bigint();
  const n = await seedTenMillionMetrics(db.sql); // the same rows and incidents as the HTTP section
  console.log(`\n(3) dashboard functions on ${n.toLocaleString('en-US')} sms_metrics rows (loaded in ${seconds(t0).toFixed(0)} s), ms per call, 200 calls each\n`);

  const m = createSmsMonitor(db.connect(1), { strict: true });
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 365 * 86400_000).toISOString().slice(0, 10);
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['select 1 (baseline)', () => db.sql`select 1`],
    ['api_today_metrics() (from the view)', () => m.todayMetrics()],
    ['api_today_metrics(p_live => true)', () => m.todayMetrics({ live: true })],
    ['api_metrics_summary() (from the view)', () => m.metricsSummary()],
    ['api_user_metrics(user, 30)', () => m.userMetrics('b2000000-0000-0000-0000-000000000042', 30)],
    ['api_user_metrics(user, 365)', () => m.userMetrics('b2000000-0000-0000-0000-000000000042', 365)],
    ['api_daily_metrics(366 days)', () => m.dailyMetrics(yearAgo, today)],
    ['api_alerts(history, 200)', () => m.alerts({ type: 'history', startDate: yearAgo, limit: 200 })],
    ['api_alerts() unresolved', () => m.alerts()],
  ];
  const rows: Array<[string, number, number, string]> = [];
  let baseP50 = 0;
  for (const [name, call] of calls) {
    for (let i = 0; i < 10; i++) await call(); // warm-up: plans, caches
    const ms: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = process.hrtime.bigint();
      await call();
      ms.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const p50 = median(ms);
    if (baseP50 === 0) baseP50 = p50;
    rows.push([name, p50, percentile(ms, 95), (p50 / baseP50).toFixed(1)]);
  }
  await m.close();
  printTable(['function (through the client)', 'p50 ms', 'p95 ms', 'p50 ratio to select 1'], rows);
}

const section: BenchSection = {
  name: 'client',
  title: 'Client and dashboards',
  async run(db) {
    await accepted(db);
    await flushed(db);
    await dashboards(db);
  },
};
export default section;
