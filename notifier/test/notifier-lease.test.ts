// Short leases, renewed while a request is in flight: a slow provider is never taken over
// by a second notifier (no duplicate), and after kill -9 of a notifier mid-request another one
// delivers its row within 15 s (the default 10 s lease; it used to be 60 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig } from '../config.ts';
import { createLogger, Notifier } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, NotifierProcess, ROUTING_KEY, rowStates, waitForRows } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
const notifiers: Notifier[] = [];
const procs: NotifierProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  pd = await fakePagerDuty();
});
afterAll(async () => {
  await Promise.all(notifiers.map((n) => n.stop('test done')));
  await Promise.all(procs.map((p) => p.stop()));
  await pd?.close();
  await db?.drop();
});

describe('leases', () => {
  it('a request slower than the lease: the lease is renewed, a second notifier never takes the row over', async () => {
    const before = pd.requests.length;
    pd.enqueue({ status: 202, body: '{"status":"success"}', delayMs: 4500 }); // more than two leases
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    const env = {
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl,
      NOTIFIER_POLL_INTERVAL: '100ms', NOTIFIER_LEASE: '2s', NOTIFIER_REQUEST_TIMEOUT: '8s',
    };
    const a = new Notifier(loadNotifierConfig(db.url, env), { logger: createLogger('silent') });
    notifiers.push(a);
    await a.start();
    await pd.waitForRequests(before + 1);
    // b polls every 100 ms: without renewal it would claim the row 2 s into a's request and send it again.
    const b = new Notifier(loadNotifierConfig(db.url, env), { logger: createLogger('silent') });
    notifiers.push(b);
    await b.start();
    const [row] = await waitForRows(db.sql, [id!], 20_000);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(pd.requests.length - before).toBe(1);
    expect(a.stats.renewed).toBeGreaterThanOrEqual(2);
    expect(b.stats.claimed).toBe(0);
  });

  it('kill -9 of a notifier mid-request: the surviving notifier delivers its row within 15 s (default lease)', async () => {
    for (const n of notifiers.splice(0)) await n.stop('next test');
    const before = pd.requests.length;
    pd.enqueue({ hang: true });
    const inc = await insertIncident(db.sql);
    const [id] = await enqueue(db.sql, [{ incident: inc, channel: 'pagerduty', event: 'trigger' }]);
    // Default lease (10 s) and request timeout (10 s): only the poll interval is shortened.
    const env = { DATABASE_URL: db.url, PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl, NOTIFIER_POLL_INTERVAL: '500ms' };
    const a = new NotifierProcess(env);
    procs.push(a);
    await pd.waitForRequests(before + 1, 20_000); // a is mid-request (the only notifier running)
    const b = new NotifierProcess(env);
    procs.push(b);
    await b.waitForLog(/listening for outbox NOTIFYs/, 20_000);
    const [held] = await rowStates(db.sql, [id!]);
    expect(held).toMatchObject({ status: 'pending', attempts: 1 });
    const killedAt = Date.now();
    a.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    const [row] = await waitForRows(db.sql, [id!], 30_000);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    const delivered = pd.requests.slice(before).find((r) => r.status === 202)!;
    expect(delivered.receivedAt - killedAt).toBeLessThan(15_000);
    // One hung request (a's) and one delivery (b's): at most one duplicate per crash.
    expect(pd.requests.length - before).toBe(2);
    expect(await b.stop()).toBe(0);
  }, 60_000);
});
