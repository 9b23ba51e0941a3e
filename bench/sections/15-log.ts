// The append-only event log (docs/scaling.md), side by side with raw INSERTs of the same width:
// (1) pgbench, 4 clients, one call per transaction (prepared): record_sms_event and
//     record_sms_metric against a raw single-row INSERT into a table with only a bigint identity
//     key (same columns: date, hour, uuid, type, value). Commits are asynchronous here
//     (synchronous_commit = off for pgbench's sessions only): a durable single-row commit waits
//     for the shared disk's flush, whose latency moved one durable run's per-round ratios between
//     0.23x and 2.07x; without the wait, the ratio is the CPU a call costs beside the INSERT's;
// (2) record_sms_events in batches of 1,000 (4 connections) beside a raw batched INSERT of the same
//     JSON into that table;
// (3) the rollup at 10,000 events/s: (a) as deployed (run_sms_rollups at the job's pause), the
//     tail's length and a live reader (api_today_metrics) sampled throughout; (b) a minute of
//     events left to one run: its duration and the reader before, during and after it;
// (4) storage bytes per event in the log and in the rollups.
// (1) and (2) run ROUNDS rounds, each round every path once in turn, and report the median of the
// per-round ratios (a path and its raw baseline ran seconds apart, under the same load) with their
// spread (min-max): the machine is shared, so absolute rates move between rounds and runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, percentile, printTable, rollupJobDefaults, type BenchDatabase, type BenchSection } from '../lib.ts';

const ROUNDS = 5;
const PGBENCH_SECONDS = 10;
const BATCH = 1_000;
const BATCHES_PER_ROUND = 10;      // per connection
const RATE = 10_000;               // events/s for the rollup section
const ROLLUP_SECONDS = 60;         // seconds of writes for (3a) and again for (3b)
const UUID = `('a1000000-0000-0000-0000-' || lpad(:u::text, 12, '0'))::uuid`;

function pgbench(url: string, script: string): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-bench-'));
  try {
    const file = path.join(dir, 'script.sql');
    writeFileSync(file, script);
    const out = execFileSync('pgbench', ['-n', '-c', '4', '-j', '2', '-M', 'prepared', '-T', String(PGBENCH_SECONDS), '-f', file, url],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGOPTIONS: '-c synchronous_commit=off' } });
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    if (!m) throw new Error(`pgbench printed no tps:\n${out}`);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// One table row per path: the median rate, and the median and spread of the per-round ratios to
// the first path (the raw baseline measured in the same round).
function ratioRows(names: string[], rates: Map<string, number[]>): Array<Array<string | number>> {
  const raw = rates.get(names[0]!)!;
  return names.map((name) => {
    const ratios = rates.get(name)!.map((rate, round) => rate / raw[round]!);
    return [name, median(rates.get(name)!), `${median(ratios).toFixed(2)} x`,
      `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`];
  });
}

async function run(db: BenchDatabase): Promise<void> {
  const sql = db.sql;
  await sql`create table public.bench_raw (id bigint generated always as identity primary key,
    d date, h smallint, user_id uuid, metric_type text, v numeric)`;

  // (1) single events, pgbench. record_sms_metric gets today's reporting date as a literal (hour 0
  // of it stays valid for the whole run, even past midnight), so the call measured is
  // record_sms_metric and not also a reporting_today() call the raw INSERT does not make.
  const today = (await sql<{ today: string }[]>`select sms_monitor.reporting_today()::text as today`)[0]!.today;
  const scripts: Array<[string, string]> = [
    ['raw single-row INSERT (bigint key only)', `\\set u random(1, 1000)\ninsert into public.bench_raw (d, h, user_id, metric_type, v) values (current_date, 0, ${UUID}, 'sent_count', 1);\n`],
    ['record_sms_event', `\\set u random(1, 1000)\nselect sms_monitor.record_sms_event('sent_count', ${UUID}, 1);\n`],
    ['record_sms_metric', `\\set u random(1, 1000)\nselect sms_monitor.record_sms_metric('${today}'::date, 0, ${UUID}, 'sent_count', 1);\n`],
  ];
  const single = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, script] of scripts) {
      single.set(name, [...(single.get(name) ?? []), pgbench(db.url, script)]);
    }
  }
  console.log(`(1) one event per call, pgbench 4 clients, ${PGBENCH_SECONDS} s each, ${ROUNDS} rounds interleaved, ` +
    'synchronous_commit = off\n');
  printTable(['path', `events/s (median of ${ROUNDS})`, 'ratio to raw (median of rounds)', 'ratio spread (min-max)'],
    ratioRows(scripts.map(([name]) => name), single));

  // (2) batches of 1,000, 4 connections
  const pools = Array.from({ length: 4 }, () => db.connect(1));
  const now = new Date().toISOString();
  const batchOf = (c: number, b: number) => JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({
    metric_type: 'sent_count', user_id: `a1000000-0000-0000-0000-${String(((i * 13 + b) % 250) + c * 250).padStart(12, '0')}`, occurred_at: now,
  })));
  const batchPaths: Array<[string, (p: (typeof pools)[number], json: string) => Promise<unknown>]> = [
    ['raw batched INSERT of the same JSON', (p, json) => p`insert into public.bench_raw (d, h, user_id, metric_type, v)
      select current_date, 0, (e ->> 'user_id')::uuid, e ->> 'metric_type', 1 from jsonb_array_elements(${json}::text::jsonb) e`],
    ['record_sms_events', (p, json) => p`select sms_monitor.record_sms_events(${json}::text::jsonb)`],
    ['record_sms_events with a batch id', (p, json) => p`select sms_monitor.record_sms_events(${json}::text::jsonb, gen_random_uuid())`],
  ];
  const batched = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, call] of batchPaths) {
      const ms = await timed(() => Promise.all(pools.map(async (p, c) => {
        for (let b = 0; b < BATCHES_PER_ROUND; b++) await call(p, batchOf(c, b));
      })));
      batched.set(name, [...(batched.get(name) ?? []), (4 * BATCHES_PER_ROUND * BATCH) / (ms / 1000)]);
    }
  }
  console.log(`\n(2) batches of 1,000 events, 4 connections, ${ROUNDS} rounds interleaved\n`);
  printTable(['path', `events/s (median of ${ROUNDS})`, 'ratio to raw (median of rounds)', 'ratio spread (min-max)'],
    ratioRows(batchPaths.map(([name]) => name), batched));

  // (3) the rollup at 10,000 events/s: (a) as deployed, run_sms_rollups (at the job's pause) beside
  // the writer, with a reader and the tail's length sampled throughout; (b) a whole minute of
  // events left to one rollup run (what a once-a-minute rollup would find)
  await sql`select sms_monitor.rollup_sms_metrics()`;
  const reader = db.connect(1);
  const read = () => timed(() => reader`select sms_monitor.api_today_metrics(now())`);
  const tailRows = async () => Number((await reader<{ n: string }[]>`select count(*) as n from sms_monitor.sms_metric_events
    where id > (select last_id from sms_monitor.sms_rollup_watermarks where rollup_name = 'sms_metrics')`)[0]!.n);
  const quiet: number[] = [];
  for (let i = 0; i < 30; i++) quiet.push(await read());
  const writer = db.connect(2);
  const write = async (seconds: number) => {
    const t0 = Date.now();
    let sent = 0;
    for (let tick = 0; Date.now() - t0 < seconds * 1000; tick++) {
      const due = t0 + tick * 100;
      if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      await writer`select sms_monitor.record_sms_events(${batchOf(tick % 4, tick)}::text::jsonb)`;
      sent += BATCH;
    }
    return { sent, rate: sent / ((Date.now() - t0) / 1000) };
  };
  const roller = db.connect(1);
  // postgres.js sends a query when it is awaited or executed: start the job now
  const job = await rollupJobDefaults(sql);
  const rolling = roller`call sms_monitor.run_sms_rollups(${ROLLUP_SECONDS + 5})`.execute();
  let writing = true;
  const live: number[] = [];
  const tails: number[] = [];
  const sampling = (async () => {
    while (writing) {
      live.push(await read());
      tails.push(await tailRows());
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const steady = await write(ROLLUP_SECONDS);
  writing = false;
  await sampling;
  await rolling;
  console.log(`\n(3a) ${ROLLUP_SECONDS} s at ${Math.round(steady.rate).toLocaleString('en-US')} events/s with run_sms_rollups ` +
    `(a rollup every ${job.pause} s), ${live.length} samples\n`);
  printTable(['measure', 'value'], [
    ['tail (rows not rolled up yet), median', median(tails)],
    ['tail, max', Math.max(...tails)],
    ['lag at the max tail (tail / event rate), s', Math.max(...tails) / steady.rate],
    ['api_today_metrics p50, ms, no writes, tail empty', median(quiet)],
    ['api_today_metrics p50, ms, during', median(live)],
    ['api_today_metrics p95, ms, during', percentile(live, 95)],
  ]);

  const minute = await write(ROLLUP_SECONDS);
  const tailReads: number[] = [];
  for (let i = 0; i < 10; i++) tailReads.push(await read());
  let inRollup = true;
  const during: number[] = [];
  const readsDuring = (async () => { while (inRollup) during.push(await read()); })();
  const rollupMs = await timed(() => sql`select sms_monitor.rollup_sms_metrics()`);
  inRollup = false;
  await readsDuring;
  const after: number[] = [];
  for (let i = 0; i < 30; i++) after.push(await read());
  console.log(`\n(3b) ${ROLLUP_SECONDS} s of events at ${Math.round(minute.rate).toLocaleString('en-US')} events/s left to one rollup run ` +
    `(${minute.sent.toLocaleString('en-US')} log rows)\n`);
  printTable(['measure', 'ms'], [
    ['rollup_sms_metrics() run', rollupMs],
    [`api_today_metrics p50, ${minute.sent.toLocaleString('en-US')} rows in the tail`, median(tailReads)],
    [`api_today_metrics p50 while the rollup runs (${during.length} reads)`, during.length ? median(during) : NaN],
    ['api_today_metrics p50 after the rollup', median(after)],
  ]);

  // (4) storage per event
  await sql`vacuum analyze sms_monitor.sms_metric_events`;
  const [s] = await sql<{ events: number; log: number; rollups: number; rollup_rows: number }[]>`
    select (select count(*) from sms_monitor.sms_metric_events)::float8 as events,
           (select sum(pg_total_relation_size(c.oid)) from pg_inherits i join pg_class c on c.oid = i.inhrelid
             where i.inhparent = 'sms_monitor.sms_metric_events'::regclass)::float8 as log,
           pg_total_relation_size('sms_monitor.sms_metric_rollups')::float8 as rollups,
           (select count(*) from sms_monitor.sms_metric_rollups)::float8 as rollup_rows`;
  console.log('\n(4) storage\n');
  printTable(['table', 'rows', 'bytes per event (incl. indexes)'], [
    ['sms_metric_events (log, all partitions)', s!.events, s!.log / s!.events],
    ['sms_metric_rollups (minute grain, 1,000 users)', s!.rollup_rows, s!.rollups / s!.events],
  ]);
}

const section: BenchSection = { name: 'log', title: 'Append-only log and rollup (docs/scaling.md)', run };
export default section;
