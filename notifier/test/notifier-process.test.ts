// The notifier as a real child process (`node bin/sms-monitor.js notifier`) against a real database
// and a fake PagerDuty: crash mid-delivery, breach while down, a killed LISTEN connection, two
// notifiers side by side, SIGTERM. Waits on observable events only (requests, row states, log lines).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakePagerDuty, fakeSlack } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, NotifierProcess, ROUTING_KEY, rowStates, waitForRows, waitUntil, type Incident } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
const procs: NotifierProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  pd = await fakePagerDuty();
});
// A failed assertion must not leave notifiers running: they would claim the next tests' rows.
afterEach(async () => {
  await Promise.all(procs.map((p) => p.stop()));
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  // No secret in anything the notifiers printed.
  const printed = procs.flatMap((p) => [...p.stdout, ...p.stderr]).join('\n');
  expect(printed).not.toContain(ROUTING_KEY);
  await pd?.close();
  await db?.drop();
});

function notifier(env: Record<string, string> = {}): NotifierProcess {
  const p = new NotifierProcess({
    DATABASE_URL: db.url,
    PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: pd.eventsUrl,
    NOTIFIER_POLL_INTERVAL: '200ms',
    // Long enough that a slow answer on a loaded machine is never a retry (which would change the
    // exact request counts below); the kill -9 test shortens the lease it waits out.
    NOTIFIER_LEASE: '30s',
    NOTIFIER_REQUEST_TIMEOUT: '30s',
    NOTIFIER_RETRY_BASE: '50ms',
    NOTIFIER_RETRY_MAX: '200ms',
    NOTIFIER_SHUTDOWN_GRACE: '5s',
    ...env,
  });
  procs.push(p);
  return p;
}

async function incidents(n: number): Promise<Incident[]> {
  const out: Incident[] = [];
  for (let i = 0; i < n; i++) out.push(await insertIncident(db.sql));
  return out;
}

/** This child's own "claimed N notifications" (debug) log line: it, not some other process, is delivering. */
const CLAIMED = /"msg":"claimed \d+ notifications; delivering"/;

/** Requests the fake received per dedup_key (for the given incidents). */
function requestsPerIncident(list: Incident[]): number[] {
  return list.map((i) => pd.requests.filter((r) => r.body?.dedup_key === `sms-monitor/${i.alertType}/${i.id}`).length);
}

describe('notifier process', () => {
  it('a breach queued while no notifier runs is delivered when one starts; SIGTERM exits 0', async () => {
    const list = await incidents(3);
    const ids = await enqueue(db.sql, list.map((incident) => ({ incident, channel: 'pagerduty', event: 'trigger' as const })));
    const p = notifier();
    const rows = await waitForRows(db.sql, ids, 20_000);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(requestsPerIncident(list)).toEqual([1, 1, 1]);
    expect(await p.stop()).toBe(0);
    expect(p.stderr.some((l) => l.includes('"msg":"notifier stopped"'))).toBe(true);
  });

  it('kill -9 mid-delivery, then a restart: delivered, at most one duplicate', async () => {
    const before = pd.requests.length;
    pd.enqueue({ hang: true }); // the first attempt never gets an answer
    const [inc] = await incidents(1);
    const [id] = await enqueue(db.sql, [{ incident: inc!, channel: 'pagerduty', event: 'trigger' }]);
    const a = notifier({ LOG_LEVEL: 'debug', NOTIFIER_LEASE: '2s' });
    await a.waitForLog(CLAIMED, 20_000);
    await pd.waitForRequests(before + 1, 20_000); // a's request (no other notifier runs): mid-delivery now
    a.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    const [held] = await rowStates(db.sql, [id!]);
    expect(held).toMatchObject({ status: 'pending', attempts: 1 });
    expect(held!.locked_by).toMatch(/:\d+:[0-9a-f]{6}$/);
    const b = notifier();
    const [row] = await waitForRows(db.sql, [id!], 20_000);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, locked_by: null });
    const n = requestsPerIncident([inc!])[0]!;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(2);
    expect(await b.stop()).toBe(0);
  });

  it('pg_terminate_backend of the LISTEN connection: it listens again and catches up', async () => {
    // Polling every 60 s: only LISTEN (and the drain after re-LISTEN) can deliver within the deadlines.
    // Debug level: a LISTEN within 200 ms of the previous one logs its line at debug, not info, and
    // postgres.js may LISTEN again that soon after the kill.
    const p = notifier({ NOTIFIER_POLL_INTERVAL: '60s', LOG_LEVEL: 'debug' });
    await p.waitForLog(/listening for outbox NOTIFYs/, 20_000);
    const [i1, i2, i3] = await incidents(3);
    const [r1] = await enqueue(db.sql, [{ incident: i1!, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [r1!], 5000))[0]!.status).toBe('sent');

    const killed = await db.sql`
      select pg_terminate_backend(pid) as ok from pg_stat_activity
       where datname = current_database() and application_name = 'sms-monitor-notifier' and query ~* '^\\s*listen'`;
    expect(killed.length).toBeGreaterThanOrEqual(1);
    // Queued while the listener is gone: its NOTIFY is lost; the drain after re-LISTEN delivers it.
    const [r2] = await enqueue(db.sql, [{ incident: i2!, channel: 'pagerduty', event: 'trigger' }]);
    // postgres.js LISTENs again at once; if that attempt itself fails, the daemon's ping check
    // (every 10 s with this poll interval, two misses) starts a new listener: within ~30 s. Either
    // way it is LISTEN, not the 60 s poll, that must bring the notifier back.
    await waitUntil('a second LISTEN', () => p.stderr.filter((l) => l.includes('listening for outbox NOTIFYs')).length >= 2, 45_000)
      .catch((e: Error) => { throw new Error(`${e.message}; killed ${JSON.stringify(killed)}; notifier log:\n${p.stderr.slice(-15).join('\n')}`); });
    expect((await waitForRows(db.sql, [r2!], 5000))[0]!.status).toBe('sent');
    // And NOTIFY works again on the new connection.
    const [r3] = await enqueue(db.sql, [{ incident: i3!, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [r3!], 5000))[0]!.status).toBe('sent');
    expect(requestsPerIncident([i1!, i2!, i3!])).toEqual([1, 1, 1]);
    expect(await p.stop()).toBe(0);
  }, 120_000);

  it('two notifiers at once: every notification delivered exactly once', async () => {
    // The long lease and request timeout of notifier(): under load a slow answer must not let the
    // other notifier reclaim a row, nor be retried.
    const a = notifier({ NOTIFIER_BATCH_SIZE: '5' });
    const b = notifier({ NOTIFIER_BATCH_SIZE: '5' });
    await Promise.all([a, b].map((p) => p.waitForLog(/listening for outbox NOTIFYs/, 20_000)));
    const list = await incidents(60);
    const ids: string[] = [];
    for (let k = 0; k < 60; k += 10) {
      ids.push(...await enqueue(db.sql, list.slice(k, k + 10).map((incident) => ({ incident, channel: 'pagerduty', event: 'trigger' as const }))));
    }
    const rows = await waitForRows(db.sql, ids, 20_000);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect(requestsPerIncident(list)).toEqual(list.map(() => 1));
    const delivered = (p: NotifierProcess) => p.stderr.filter((l) => l.includes('"msg":"delivered trigger to pagerduty"')).length;
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    expect(delivered(a) + delivered(b)).toBe(60);
  });

  it('SIGTERM mid-batch exits 0, loses no row and sends none twice', async () => {
    const list = await incidents(20);
    // Slow answers so that SIGTERM lands while requests are in flight.
    pd.enqueue(...list.map(() => ({ status: 202, body: '{"status":"success"}', delayMs: 300 })));
    const before = pd.requests.length;
    const ids = await enqueue(db.sql, list.map((incident) => ({ incident, channel: 'pagerduty', event: 'trigger' as const })));
    // A request timeout far above the 300 ms answers: on a loaded machine a 1 s timeout expired
    // and the retry sent an incident twice (which this test is about to forbid).
    const slowOk = { NOTIFIER_REQUEST_TIMEOUT: '10s' };
    const a = notifier({ NOTIFIER_BATCH_SIZE: '4', NOTIFIER_LEASE: '30s', LOG_LEVEL: 'debug', ...slowOk });
    await a.waitForLog(CLAIMED, 20_000);
    await pd.waitForRequests(before + 1, 20_000);
    a.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    const after = await rowStates(db.sql, ids);
    // Nothing left leased: in-flight rows were recorded, the others released.
    expect(after.filter((r) => r.locked_by !== null)).toEqual([]);
    expect(after.filter((r) => r.status === 'sent').length).toBeGreaterThanOrEqual(1);
    expect(after.filter((r) => r.status === 'sent').length).toBeLessThan(20);
    expect(after.every((r) => r.status === 'sent' || (r.status === 'pending' && r.attempts === 0))).toBe(true);
    const b = notifier({ NOTIFIER_LEASE: '30s', ...slowOk });
    const rows = await waitForRows(db.sql, ids, 20_000);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(requestsPerIncident(list)).toEqual(list.map(() => 1));
    expect(await b.stop()).toBe(0);
  });

  it('SIGTERM while claimed rows wait for the Slack rate limit: released at once, attempt not counted', async () => {
    const slack = await fakeSlack('processSlackToken42abc');
    try {
      const list = await incidents(5);
      const ids = await enqueue(db.sql, list.map((incident) => ({ incident, channel: 'slack', event: 'trigger' as const })));
      // One message every 2 s: after the first, the other four claimed rows sit in the pacer.
      const a = notifier({ SLACK_WEBHOOK_URL: slack.webhookUrl, SLACK_MIN_INTERVAL: '2s', NOTIFIER_BATCH_SIZE: '5', NOTIFIER_LEASE: '30s', LOG_LEVEL: 'debug' });
      await a.waitForLog(/"msg":"claimed 5 notifications; delivering"/, 20_000);
      await slack.waitForRequests(1, 20_000);
      await waitForRows(db.sql, ids.slice(0, 1), 5000);
      a.kill('SIGTERM');
      expect((await a.exited).code).toBe(0);
      const after = await rowStates(db.sql, ids);
      expect(after.map((r) => [r.status, r.attempts, r.locked_by])).toEqual([
        ['sent', 1, null], ['pending', 0, null], ['pending', 0, null], ['pending', 0, null], ['pending', 0, null],
      ]);
      expect(a.stderr.some((l) => l.includes('"msg":"released 4 claimed notifications for other workers"'))).toBe(true);
      expect(slack.requests).toHaveLength(1);
      const b = notifier({ SLACK_WEBHOOK_URL: slack.webhookUrl, SLACK_MIN_INTERVAL: '10ms' });
      const rows = await waitForRows(db.sql, ids, 20_000);
      expect(rows.map((r) => [r.status, r.attempts])).toEqual(list.map(() => ['sent', 1]));
      expect(slack.requests).toHaveLength(5);
      expect(await b.stop()).toBe(0);
      expect([...a.stderr, ...b.stderr].join('\n')).not.toContain('processSlackToken42abc');
    } finally {
      await slack.close();
    }
  });
});
