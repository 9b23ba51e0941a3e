// Failure to page: a staged carrier collapse, from the first failing receipt's 2xx at the real
// server (signed Telnyx message.finalized webhooks naming the carrier) to the notifier daemon's
// PagerDuty POST arriving at a local fake, for the per-carrier rule carrier_delivery_rate_critical;
// beside it the same collapse told through counters (record_sms_events: sent_count,
// delivered_count, failed_count) for the system-wide delivery_rate_critical rule.
//
// Evaluation as in production: the bench runs the bodies of the two pg_cron jobs on their minute
// schedule (bench/page-stage.ts MinuteCron: `select sms_monitor.check_sms_alerts()` and
// `call sms_monitor.run_sms_rollups()`, each in its own session at every whole UTC minute), since
// the bench cluster need not have pg_cron. Each round stages the collapse at the same moment in
// three fresh databases, each with only its rule enabled, its own notifier and fake PagerDuty:
// the webhooks with the rollup job as scheduled; the same webhooks with rollup_sms_messages() and
// rollup_sms_metrics() at the job's pause without its break (it stops before each whole minute);
// the counters. About 15 s of healthy traffic (10 messages/s; 10 sent + 10 delivered counted per
// second), then failures at 50/s starting BENCH_PAGE_LEAD_SECONDS (default 5) before a whole
// minute, so each sample waits for the next check rather than up to a minute. BENCH_PAGE_ROUNDS
// rounds (default 3), medians printed.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { buildServer } from '../../server/app.ts';
import { serverLogin } from '../http-server.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { ROUTING_KEY } from '../../test/fakes/outbox.ts';
import { loadNotifierConfig } from '../../notifier/config.ts';
import { createLogger, Notifier } from '../../notifier/daemon.ts';
import { benchDatabase, median, printTable, rollupJobDefaults, type BenchDatabase, type BenchSection } from '../lib.ts';
import { MinuteCron, msToNextMinute, sleep, telnyxFinalized, telnyxKeys } from '../page-stage.ts';

const ROUNDS = positiveInt('BENCH_PAGE_ROUNDS', process.env.BENCH_PAGE_ROUNDS, 3);
const LEAD_SECONDS = positiveInt('BENCH_PAGE_LEAD_SECONDS', process.env.BENCH_PAGE_LEAD_SECONDS, 5);
const HEALTHY_PER_SECOND = 10;
const FAILING_PER_SECOND = 50;
const MIN_HEALTHY_MS = 15_000;
const CARRIER = 'BENCH-MOBILE';
const CARRIER_RULE = 'carrier_delivery_rate_critical';
const SYSTEM_RULE = 'delivery_rate_critical';

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 59) throw new Error(`${name}: must be an integer from 1 to 59 (got ${raw})`);
  return n;
}

/** Calls `send(k)` for k = 0, 1, ... every 1000/perSecond ms from `from` until `until()` is true, without waiting for each. */
async function paced(from: number, perSecond: number, until: () => boolean, send: (k: number) => Promise<void>): Promise<void> {
  const inFlight: Array<Promise<void>> = [];
  for (let k = 0; !until(); k++) {
    const due = from + (k * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    if (until()) break;
    inFlight.push(send(k));
  }
  await Promise.all(inFlight);
}

type FakePagerDuty = Awaited<ReturnType<typeof fakePagerDuty>>;

/** The PagerDuty trigger of `rule` received by the fake after `since`, or undefined. */
function pageOf(pd: FakePagerDuty, rule: string, since: number): number | undefined {
  const r = pd.requests.find((q) => q.receivedAt >= since && q.body?.event_action === 'trigger'
    && typeof q.body?.dedup_key === 'string' && q.body.dedup_key.startsWith(`sms-monitor/${rule}/`));
  return r?.receivedAt;
}

/** One database of a round, with only `rule` enabled, its own notifier and fake PagerDuty. */
interface Target { name: string; rule: string; db: BenchDatabase; pd: FakePagerDuty; base?: string; firstFail: number; page?: number }

/** The server as in production (a login role that switches to each request's role), with the Telnyx webhook. */
async function serve(t: Target, telnyxPublicKey: string, cleanup: Array<() => Promise<unknown>>): Promise<void> {
  const login = await serverLogin(t.db);
  cleanup.unshift(() => login.drop());
  const { app } = await buildServer({ databaseUrl: login.url, jwtSecret: randomBytes(32).toString('base64url'),
    logger: pino({ level: 'silent' }),
    webhooks: { publicUrl: 'https://monitor.bench.test', telnyxPublicKey, telnyxToleranceSeconds: 300 } });
  cleanup.unshift(() => app.close());
  t.base = await app.listen({ host: '127.0.0.1', port: 0 });
}

interface RoundResult { cronMs: number; continuousMs: number; systemMs: number; firstFailAt: number }

async function round(i: number): Promise<RoundResult> {
  const cleanup: Array<() => Promise<unknown>> = [];
  const target = async (name: string, rule: string): Promise<Target> => {
    const db = await benchDatabase(`page_${name}_${i}`);
    cleanup.push(() => db.drop());
    await db.sql`update sms_monitor.sms_alert_thresholds set is_enabled = (alert_type = ${rule})`;
    const pd = await fakePagerDuty();
    cleanup.push(() => pd.close());
    return { name, rule, db, pd, firstFail: Infinity };
  };
  try {
    const cron = await target('carrier', CARRIER_RULE);
    const continuous = await target('carrier_continuous', CARRIER_RULE);
    const system = await target('system', SYSTEM_RULE);
    const all = [cron, continuous, system];
    const telnyx = telnyxKeys();
    await serve(cron, telnyx.publicKey, cleanup);
    await serve(continuous, telnyx.publicKey, cleanup);
    for (const t of all) {
      const n = new Notifier(loadNotifierConfig(t.db.url, { PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: t.pd.eventsUrl }),
        { logger: createLogger('silent') });
      await n.start();
      cleanup.unshift(() => n.stop());
    }
    const schedule = new MinuteCron(all.map((t) => ({ name: t.name, rollup: t.db.connect(1), check: t.db.connect(1),
      continuous: t === continuous })));
    schedule.start(await rollupJobDefaults(cron.db.sql));
    cleanup.unshift(() => schedule.stop());

    // the failure starts LEAD_SECONDS before the first whole minute that leaves MIN_HEALTHY_MS of healthy traffic
    const start = Date.now();
    let minute = start + msToNextMinute(start);
    while (minute - LEAD_SECONDS * 1000 - start < MIN_HEALTHY_MS) minute += 60_000;
    const failAt = minute - LEAD_SECONDS * 1000;
    const deadline = minute + 75_000;

    /** The same signed receipt to each carrier database's server; each target's first failing 2xx kept. */
    const receipt = (id: string, delivered: boolean) => Promise.all([cron, continuous].map(async (t) => {
      const now = new Date();
      const body = telnyxFinalized(id, CARRIER, delivered, new Date(now.getTime() - 3_000), now);
      const res = await fetch(`${t.base}/webhooks/telnyx?class=transactional`, { method: 'POST', headers: telnyx.signer(body), body });
      await res.arrayBuffer();
      if (res.status !== 204) throw new Error(`bench: Telnyx webhook answered HTTP ${res.status}`);
      if (!delivered) t.firstFail = Math.min(t.firstFail, Date.now());
    })).then(() => undefined);
    const counters = async (events: Array<[string, number]>, failing: boolean) => {
      await system.db.sql`select sms_monitor.record_sms_events(${
        system.db.sql.json(events.map(([metric_type, value]) => ({ metric_type, value })))})`;
      if (failing) system.firstFail = Math.min(system.firstFail, Date.now());
    };
    const done = (ts: Target[]) => () => {
      for (const t of ts) t.page ??= pageOf(t.pd, t.rule, start);
      return ts.every((t) => t.page !== undefined) || Date.now() > deadline;
    };

    const tag = randomBytes(3).toString('hex');
    const healthyDone = () => Date.now() >= failAt;
    await Promise.all([
      paced(start, HEALTHY_PER_SECOND, healthyDone, (k) => receipt(`ok-${tag}-${k}`, true)),
      paced(start, HEALTHY_PER_SECOND, healthyDone, () => counters([['sent_count', 1], ['delivered_count', 1]], false)),
    ]);
    const per = FAILING_PER_SECOND / 10; // the counters arrive in 10 batches a second
    await Promise.all([
      paced(failAt, FAILING_PER_SECOND, done([cron, continuous]), (k) => receipt(`fail-${tag}-${k}`, false)),
      paced(failAt, 10, done([system]), () => counters([['sent_count', per], ['failed_count', per]], true)),
    ]);
    // the last paced send may have been checked just before the page arrived
    while (!done(all)()) await sleep(5);
    if (schedule.errors.length > 0) throw schedule.errors[0]!;
    for (const t of all) {
      if (t.page === undefined) throw new Error(`bench: round ${i + 1}: no page for ${t.rule} (${t.name}) within 75 s of the minute`);
    }
    return { cronMs: cron.page! - cron.firstFail, continuousMs: continuous.page! - continuous.firstFail,
      systemMs: system.page! - system.firstFail, firstFailAt: cron.firstFail };
  } finally {
    for (const c of cleanup) await c();
  }
}

const section: BenchSection = {
  name: 'page',
  title: 'Failure to page',
  async run() {
    const results: RoundResult[] = [];
    for (let i = 0; i < ROUNDS; i++) results.push(await round(i));
    console.log(`\nms from the first failing receipt's 2xx (counters: the first failing record_sms_events commit) to the `
      + `PagerDuty trigger at the fake; failures from ${LEAD_SECONDS} s before a whole minute; the check job each whole minute\n`);
    const rows: Array<Array<string | number>> = results.map((r, i) => [
      `round ${i + 1} (failure from :${String(new Date(r.firstFailAt).getUTCSeconds()).padStart(2, '0')})`,
      r.cronMs, r.continuousMs, r.systemMs]);
    const med = (f: (r: RoundResult) => number) => median(results.map(f));
    rows.push([`median of ${results.length}`, med((r) => r.cronMs), med((r) => r.continuousMs), med((r) => r.systemMs)]);
    printTable(['round', `${CARRIER_RULE}, webhooks, rollup job as scheduled (ms)`,
      `${CARRIER_RULE}, webhooks, fold without the job's break (ms)`, `${SYSTEM_RULE}, counters (ms)`], rows);
    console.log(`\ndifference of the medians to ${SYSTEM_RULE}: rollup job as scheduled ${med((r) => r.cronMs) - med((r) => r.systemMs)} ms, `
      + `fold without a break ${med((r) => r.continuousMs) - med((r) => r.systemMs)} ms`);
  },
};
export default section;
