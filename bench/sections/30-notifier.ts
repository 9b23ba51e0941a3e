// Notifier: latency from the commit of a breach (check_sms_alerts() in its own
// transaction) to the fake PagerDuty receiving the event, with LISTEN and with polling only; and
// throughput to a provider without a rate limit. Baselines measured in the same run: one plain
// HTTP POST to the same fake (the floor of the latency), and plain concurrent POSTs without any
// database (the ceiling of the throughput).
// Faults, default settings (10 s lease, 5 s probe, 2 min retry cap): recovery after a
// provider outage, measured from the provider's own recovery moment (the fake answers 2xx again);
// recovery after kill -9 of a notifier mid-request, from the kill; and notifications per second
// through a rate limit that answers 429 (Retry-After: 1) above RATE per second, beside RATE.
import { FakeProvider, fakePagerDuty, type ScriptedResponse } from '../../test/fakes/http-provider.ts';
import { NotifierProcess, ROUTING_KEY } from '../../test/fakes/outbox.ts';
import { loadNotifierConfig } from '../../notifier/config.ts';
import { createLogger, Notifier } from '../../notifier/daemon.ts';
import { median, percentile, printTable, type BenchDatabase, type BenchSection } from '../lib.ts';

const CYCLES = 60; // each cycle: one breach (trigger) and one recovery (resolve) = 120 alerts
const POLL_SAMPLES = 100;
const POLL_INTERVAL = '250ms';
const THROUGHPUT_ROWS = 3000;
const OUTAGE_ROWS = 200;
const OUTAGE_MS = 15_000;
const KILL_SAMPLES = 3;
const RATE = 50; // the rate-limited fake accepts this many requests per second
const STORM_ROWS = 1000;

async function waitFor(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const section: BenchSection = {
  name: 'notifier',
  title: 'Notifier',
  async run(db: BenchDatabase) {
    const pd = await fakePagerDuty();
    const sql = db.connect(2);
    const silent = createLogger('silent');
    const start = async (env: Record<string, string>) => {
      const config = loadNotifierConfig(db.url, {
        PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl, NOTIFIER_LEASE: '30s', ...env,
      });
      const n = new Notifier(config, { logger: silent });
      await n.start();
      return n;
    };
    // Distinct hours so that every cycle is a fresh breach and a clean recovery.
    // 300 days ago, on the hour: in the past (check_sms_alerts refuses a future p_now) and inside
    // the 400 days retention keeps (older events are refused)
    const base = Math.floor((Date.now() - 300 * 86_400_000) / 86_400_000) * 86_400_000;
    let cycle = 0;
    const nextHour = () => new Date(base + (cycle++) * 3 * 3_600_000);

    /** One breach (and, if wanted, its recovery): ms from just before the check commits to the fake's receipt. */
    async function measure(withResolve: boolean, jitterMs = 0): Promise<number[]> {
      const t = nextHour();
      // Polling: start at a random point of the poll cycle (else every breach lands just after a poll).
      if (jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * jitterMs));
      const out: number[] = [];
      await sql`select sms_monitor.record_sms_event('sent_count', null, 100, ${t})`;
      await sql`select sms_monitor.record_sms_event('delivered_count', null, 50, ${t})`;
      let n = pd.requests.length;
      let t0 = Date.now();
      const fired = await sql`select action from sms_monitor.check_sms_alerts(${t}) where alert_type = 'delivery_rate_critical'`;
      if (fired[0]?.action !== 'fired') throw new Error(`bench: expected fired, got ${fired[0]?.action}`);
      await waitFor('trigger', () => pd.requests.length > n);
      out.push(pd.requests[n]!.receivedAt - t0);
      if (withResolve) {
        await sql`select sms_monitor.record_sms_event('delivered_count', null, 50, ${t})`;
        n = pd.requests.length;
        t0 = Date.now();
        const resolved = await sql`select action from sms_monitor.check_sms_alerts(${new Date(t.getTime() + 60_000)}) where alert_type = 'delivery_rate_critical'`;
        if (resolved[0]?.action !== 'resolved') throw new Error(`bench: expected resolved, got ${resolved[0]?.action}`);
        await waitFor('resolve', () => pd.requests.length > n);
        out.push(pd.requests[n]!.receivedAt - t0);
      } else {
        await sql`update sms_monitor.sms_alert_history set resolved_at = now(), resolved_by = 'bench' where resolved_at is null`;
      }
      return out;
    }

    // Baseline: one POST of an Events v2 body straight to the fake.
    const floor: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const r = await fetch(pd.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `floor-${i}` }) });
      await r.text();
      floor.push(performance.now() - t0);
    }

    // Latency with LISTEN (the poll timer at its default 5 s never matters here).
    let notifier = await start({});
    await measure(true); // warm-up
    const listen: number[] = [];
    for (let i = 0; i < CYCLES; i++) listen.push(...await measure(true));
    await notifier.stop();

    // Latency with polling only.
    notifier = await start({ NOTIFIER_LISTEN: 'false', NOTIFIER_POLL_INTERVAL: POLL_INTERVAL });
    const polling: number[] = [];
    for (let i = 0; i < POLL_SAMPLES; i++) polling.push(...await measure(false, 250));
    await notifier.stop();

    console.log(`Latency, check_sms_alerts() commit of a breach -> fake PagerDuty receives the event (ms; ${listen.length} alerts with LISTEN, ${polling.length} polling every ${POLL_INTERVAL}):\n`);
    printTable(['path', 'p50 ms', 'p95 ms', 'max ms', 'p50 / plain POST'], [
      ['plain HTTP POST to the fake (baseline)', median(floor), percentile(floor, 95), Math.max(...floor), '1.0'],
      ['notifier, LISTEN', median(listen), percentile(listen, 95), Math.max(...listen), (median(listen) / median(floor)).toFixed(1)],
      [`notifier, polling only (${POLL_INTERVAL})`, median(polling), percentile(polling, 95), Math.max(...polling), (median(polling) / median(floor)).toFixed(1)],
    ]);

    // Throughput: THROUGHPUT_ROWS rows queued in one statement, drained by one notifier.
    // One (resolved) incident per notification, as real traffic spreads over incidents: every
    // outcome also updates its incident's notification status.
    const incidents = await sql<Array<{ id: string }>>`
      insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
        window_minutes, sample_size, message, triggered_at, resolved_at, resolved_by)
      select 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 50, 90, 60, 100, 'bench', now(), now(), 'bench'
        from generate_series(1, ${THROUGHPUT_ROWS * 2})
      returning id::text as id`;
    const ids = incidents.map((r) => r.id);
    // Ceiling: the same number of POSTs with 20 in flight, no database.
    const ceilingStart = performance.now();
    for (let i = 0; i < THROUGHPUT_ROWS; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => fetch(pd.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: `ceiling-${i + k}` }) }).then((r) => r.text())));
    }
    const ceiling = THROUGHPUT_ROWS / ((performance.now() - ceilingStart) / 1000);
    const rows: Array<Array<string | number>> = [['plain POSTs, 20 in flight, no database (ceiling)', THROUGHPUT_ROWS, ceiling, '1.00']];
    for (const [round, batch] of [20, 100].entries()) {
      const mine = ids.slice(round * THROUGHPUT_ROWS, (round + 1) * THROUGHPUT_ROWS);
      notifier = await start({ NOTIFIER_BATCH_SIZE: String(batch), NOTIFIER_POLL_INTERVAL: '5s' });
      await new Promise((r) => setTimeout(r, 200)); // let it LISTEN and finish its first drain
      const before = pd.requests.length;
      const t0 = performance.now();
      await sql`
        insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
        select a.id, 'pagerduty', 'trigger',
               jsonb_build_object('alert_id', a.id::text, 'alert_type', 'delivery_rate_critical', 'event', 'trigger',
                 'severity', 'critical', 'metric', 'delivery_rate', 'comparison', '<', 'metric_value', 50,
                 'threshold_value', 90, 'message', 'bench', 'dedup_key', 'sms-monitor/delivery_rate_critical/' || a.id)
          from unnest(${mine}::uuid[]) as a(id)`;
      await waitFor('all requests', () => pd.requests.length >= before + THROUGHPUT_ROWS, 120_000);
      const received = (performance.now() - t0) / 1000;
      // ... and recorded as sent.
      for (;;) {
        const [c] = await sql<Array<{ n: number }>>`select count(*)::int as n from sms_monitor.sms_alert_notifications where status = 'pending'`;
        if (c!.n === 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const recorded = (performance.now() - t0) / 1000;
      await notifier.stop();
      rows.push([`notifier, batch ${batch} (all recorded sent)`, THROUGHPUT_ROWS, THROUGHPUT_ROWS / recorded, ((THROUGHPUT_ROWS / recorded) / ceiling).toFixed(2)]);
      rows.push([`notifier, batch ${batch} (all received by the fake)`, THROUGHPUT_ROWS, THROUGHPUT_ROWS / received, ((THROUGHPUT_ROWS / received) / ceiling).toFixed(2)]);
    }
    console.log(`\nThroughput to a fake PagerDuty without a rate limit (${THROUGHPUT_ROWS} notifications queued in one statement):\n`);
    printTable(['path', 'notifications', 'per second', 'ratio to ceiling'], rows);
    await pd.close();
    await faults(db);
  },
};

/** Queues one trigger per new (resolved) incident in one statement; returns the outbox ids. */
async function queue(sql: ReturnType<BenchDatabase['connect']>, n: number): Promise<string[]> {
  const rows = await sql<Array<{ id: string }>>`
    with a as (
      insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
        window_minutes, sample_size, message, triggered_at, resolved_at, resolved_by)
      select 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 50, 90, 60, 100, 'bench', now(), now(), 'bench'
        from generate_series(1, ${n})
      returning id)
    insert into sms_monitor.sms_alert_notifications (alert_id, channel, event, payload)
    select a.id, 'pagerduty', 'trigger',
           jsonb_build_object('alert_id', a.id::text, 'alert_type', 'delivery_rate_critical', 'event', 'trigger',
             'severity', 'critical', 'metric', 'delivery_rate', 'comparison', '<', 'metric_value', 50,
             'threshold_value', 90, 'message', 'bench', 'dedup_key', 'sms-monitor/delivery_rate_critical/' || a.id)
      from a
    returning id::text as id`;
  return rows.map((r) => r.id);
}

async function allSent(sql: ReturnType<BenchDatabase['connect']>, ids: string[], timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [c] = await sql<Array<{ n: number }>>`select count(*)::int as n from sms_monitor.sms_alert_notifications
      where id = any(${ids}::bigint[]) and status <> 'sent'`;
    if (c!.n === 0) return;
    if (Date.now() > deadline) throw new Error(`bench: ${c!.n} notifications not sent after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function faults(db: BenchDatabase): Promise<void> {
  const sql = db.connect(2);
  const silent = createLogger('silent');
  const rows: Array<Array<string | number>> = [];

  // 1. A provider outage (503 for OUTAGE_MS), then it answers again: how long until everything waiting reached it.
  {
    const pd = await fakePagerDuty();
    const n = new Notifier(loadNotifierConfig(db.url, { PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl }), { logger: silent });
    await n.start();
    pd.storm(1_000_000, { status: 503, body: 'unavailable' });
    const before = pd.requests.length;
    const ids = await queue(sql, OUTAGE_ROWS);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    pd.calm();
    const back = Date.now();
    await allSent(sql, ids);
    const ok = pd.requests.slice(before).filter((r) => r.status === 202);
    const failed = pd.requests.slice(before).filter((r) => r.status === 503).length;
    rows.push([`provider outage ${OUTAGE_MS / 1000} s (503), ${OUTAGE_ROWS} queued`, 'fake answers 2xx again: 0',
      Math.min(...ok.map((r) => r.receivedAt)) - back, Math.max(...ok.map((r) => r.receivedAt)) - back,
      `${failed} failed requests during the outage`]);
    await n.stop();
    await pd.close();
  }

  // 2. kill -9 of a notifier mid-request (its request hangs); a second notifier is running.
  {
    const pd = await fakePagerDuty();
    const env = { DATABASE_URL: db.url, PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl, LOG_LEVEL: 'info' };
    const took: number[] = [];
    for (let i = 0; i < KILL_SAMPLES; i++) {
      const before = pd.requests.length;
      pd.enqueue({ hang: true });
      const [id] = await queue(sql, 1);
      const a = new NotifierProcess(env);
      await waitFor('the hung request', () => pd.requests.length > before, 60_000);
      const b = new NotifierProcess(env);
      await b.waitForLog(/listening for outbox NOTIFYs/, 60_000);
      const killed = Date.now();
      a.kill('SIGKILL');
      await a.exited;
      await allSent(sql, [id!], 120_000);
      took.push(pd.requests.slice(before).find((r) => r.status === 202)!.receivedAt - killed);
      await b.stop();
    }
    rows.push([`kill -9 mid-request, another notifier running (${KILL_SAMPLES} runs)`, 'the kill: 0',
      median(took), Math.max(...took), 'bound: one lease (10 s)']);
    await pd.close();
  }

  console.log('\nRecovery (ms after the provider\'s own recovery moment; default settings):\n');
  printTable(['fault', 'provider recovered at', 'first delivery ms (median for kill)', 'last delivery ms (max for kill)', 'note'], rows);

  // 3. Notifications per second through a rate limit: RATE per second accepted, the rest 429 Retry-After: 1.
  {
    let windowStart = 0;
    let inWindow = 0;
    const limited = await FakeProvider.start((): ScriptedResponse => {
      const now = Date.now();
      if (now - windowStart >= 1000) { windowStart = now; inWindow = 0; }
      inWindow++;
      return inWindow <= RATE
        ? { status: 202, body: '{"status":"success"}', headers: { 'content-type': 'application/json' } }
        : { status: 429, body: '{"status":"throttle event"}', headers: { 'retry-after': '1' } };
    });
    const n = new Notifier(loadNotifierConfig(db.url, {
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: `${limited.baseUrl}/v2/enqueue`,
    }), { logger: silent });
    await n.start();
    const t0 = performance.now();
    const ids = await queue(sql, STORM_ROWS);
    await allSent(sql, ids, 600_000);
    const secs = (performance.now() - t0) / 1000;
    const throttled = limited.requests.filter((r) => r.status === 429).length;
    const accepted = limited.requests.filter((r) => r.status === 202).length;
    await n.stop();
    await limited.close();
    console.log(`\nThrough a 429 storm (fake accepts ${RATE}/s, answers 429 Retry-After: 1 above that; ${STORM_ROWS} notifications):\n`);
    printTable(['path', 'notifications', 'per second', 'ratio to the limit', '429s answered', 'accepted (duplicates)'], [
      ['the provider\'s limit (baseline)', STORM_ROWS, RATE, '1.00', 0, STORM_ROWS],
      ['notifier, defaults', STORM_ROWS, STORM_ROWS / secs, ((STORM_ROWS / secs) / RATE).toFixed(2), throttled, `${accepted} (${accepted - STORM_ROWS})`],
    ]);
  }
  await sql.end();
}

export default section;
