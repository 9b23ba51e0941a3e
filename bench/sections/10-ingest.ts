// Ingest throughput: (a) raw single-row INSERT into a plain table, the baseline;
// (b) record_sms_metric, one event per call; (c) record_sms_events in batches of 1,000; (d) the same
// with a batch id (exactly-once ingest: one more row per batch).
// Each with 1 and 4 connections, each call its own transaction (autocommit), durable settings.
// Keys are spread over 1,000 users x 3 types x one hour, like real traffic; each connection
// writes its own quarter of the users (writes only append to sms_metric_events, so a key shared
// by all writers would not make them wait on each other either).
import { median, printTable, type BenchDatabase, type BenchSection } from '../lib.ts';

const ROUNDS = 5;
const CALLS_PER_ROUND = 1_000;    // per connection, for (a) and (b)
const BATCHES_PER_ROUND = 10;     // per connection, for (c)
const BATCH = 1_000;
const TYPES = ['sent_count', 'delivered_count', 'scheduled_count'];
const user = (n: number) => `a1000000-0000-0000-0000-${String(n % 1000).padStart(12, '0')}`;

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function run(db: BenchDatabase): Promise<void> {
  await db.sql`create table public.bench_raw (d date, h int, user_id uuid, metric_type text, v numeric)`;
  const results: Array<{ name: string; conns: number; eps: number }> = [];
  for (const conns of [1, 4]) {
    const pools = Array.from({ length: conns }, () => db.connect(1));
    // Warm up every pool (connection, prepared statements) outside the measurement.
    await Promise.all(pools.map((p) => p`select sms_monitor.record_sms_event('sent_count', ${user(0)}::uuid, 1)`));
    await Promise.all(pools.map((p) => p`insert into public.bench_raw values (current_date, 1, ${user(0)}::uuid, 'x', 1)`));

    const measure = async (name: string, events: number, body: (p: (typeof pools)[number], c: number) => Promise<void>) => {
      const rates: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const secs = await timed(() => Promise.all(pools.map((p, c) => body(p, c))).then(() => {}));
        rates.push((events * conns) / secs);
      }
      results.push({ name, conns, eps: median(rates) });
    };

    await measure('(a) raw INSERT, 1 row per call (baseline)', CALLS_PER_ROUND, async (p, c) => {
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        await p`insert into public.bench_raw (d, h, user_id, metric_type, v)
                values (current_date, 1, ${user((i % 250) + c * 250)}::uuid, ${TYPES[i % 3]!}, 1)`;
      }
    });
    await measure('(b) record_sms_metric, 1 event per call', CALLS_PER_ROUND, async (p, c) => {
      for (let i = 0; i < CALLS_PER_ROUND; i++) {
        // hour 0 of today: a bucket that has begun whatever the time of day (later hours are refused until they begin)
        await p`select sms_monitor.record_sms_metric(sms_monitor.reporting_today(), 0, ${user((i % 250) + c * 250)}::uuid, ${TYPES[i % 3]!}, 1)`;
      }
    });
    const now = new Date().toISOString();
    await measure('(c) record_sms_events, batches of 1,000', BATCHES_PER_ROUND * BATCH, async (p, c) => {
      for (let b = 0; b < BATCHES_PER_ROUND; b++) {
        const events = Array.from({ length: BATCH }, (_, i) => ({
          metric_type: TYPES[i % 3]!, user_id: user(((i * 13 + b) % 250) + c * 250), occurred_at: now,
        }));
        await p`select sms_monitor.record_sms_events(${JSON.stringify(events)}::text::jsonb)`;
      }
    });
    await measure('(d) record_sms_events, batches of 1,000 with a batch id (exactly once)', BATCHES_PER_ROUND * BATCH, async (p, c) => {
      for (let b = 0; b < BATCHES_PER_ROUND; b++) {
        const events = Array.from({ length: BATCH }, (_, i) => ({
          metric_type: TYPES[i % 3]!, user_id: user(((i * 13 + b) % 250) + c * 250), occurred_at: now,
        }));
        await p`select sms_monitor.record_sms_events(${JSON.stringify(events)}::text::jsonb, gen_random_uuid())`;
      }
    });
  }
  const base = new Map(results.filter((r) => r.name.startsWith('(a)')).map((r) => [r.conns, r.eps]));
  printTable(['path', 'connections', 'events/s (median of 5)', 'ratio to (a)'],
    results.map((r) => [r.name, r.conns, r.eps, `${(r.eps / base.get(r.conns)!).toFixed(2)} x`]));
}

const section: BenchSection = { name: 'ingest', title: 'Ingest throughput', run };
export default section;
