// The LISTEN connection going quiet without closing (its backend stopped with SIGSTOP: postgres.js
// sees nothing wrong, NOTIFYs just stop arriving): after two unanswered pings the notifier ends that
// connection, LISTENs on a new one and drains. Polling is every 60 s, so only a working LISTEN (or
// the drain after a new LISTEN) can deliver within the deadline. Needs permission to signal the
// server's backends (root, or the same user as the cluster); skipped otherwise.
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig } from '../config.ts';
import { createLogger, Notifier, PING_PREFIX } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, ROUTING_KEY, waitForRows, waitUntil } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
let notifier: Notifier | undefined;
const stopped: number[] = [];
const logLines: string[] = [];
const canSignal = process.getuid?.() === 0;

beforeAll(async () => {
  db = await freshDatabase();
  pd = await fakePagerDuty();
});
afterAll(async () => {
  for (const pid of stopped) { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } }
  await notifier?.stop('test done');
  await pd?.close();
  await db?.drop();
});

async function listenBackends(): Promise<number[]> {
  const rows = await db.sql<Array<{ pid: number }>>`
    select pid from pg_stat_activity
     where datname = current_database() and application_name = 'sms-monitor-notifier' and query ~* '^\\s*listen'`;
  return rows.map((r) => r.pid);
}

describe('notifier LISTEN connection', () => {
  it.runIf(canSignal)('a LISTEN connection that goes quiet is replaced after two missed pings; the outbox is drained', async () => {
    const config = loadNotifierConfig(db.url, {
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl,
      NOTIFIER_POLL_INTERVAL: '60s', NOTIFIER_LEASE: '60s', NOTIFIER_REQUEST_TIMEOUT: '30s',
    });
    const logs = new PassThrough();
    logs.on('data', (c: Buffer) => logLines.push(...c.toString().split('\n').filter(Boolean)));
    notifier = new Notifier(config, { logger: createLogger('debug', logs), pingIntervalMs: 300 });
    await notifier.start();
    await waitUntil('the first LISTEN', () => notifier!.stats.listens >= 1);

    // One listener connection; the pings travel on the outbox channel and trigger no drain.
    const [pid] = await waitUntil('the LISTEN backend', async () => { const p = await listenBackends(); return p.length === 1 ? p : null; });
    const inc1 = await insertIncident(db.sql);
    const [r1] = await enqueue(db.sql, [{ incident: inc1, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [r1!], 5000))[0]!.status).toBe('sent');
    expect(logLines.some((l) => l.includes(PING_PREFIX) && l.includes('outbox NOTIFY received'))).toBe(false);

    process.kill(pid!, 'SIGSTOP');
    stopped.push(pid!);
    const inc2 = await insertIncident(db.sql);
    const [r2] = await enqueue(db.sql, [{ incident: inc2, channel: 'pagerduty', event: 'trigger' }]);
    // Pings every 300 ms: two missed ones, a new connection, its drain. r2 may also go out before
    // that, through a drain already under way (the catch-up pass after r1's success), so wait for
    // the replacement itself rather than assume it came first.
    expect((await waitForRows(db.sql, [r2!], 15_000))[0]!.status).toBe('sent');
    await waitUntil('the quiet LISTEN connection to be replaced',
      () => logLines.some((l) => l.includes('did not answer two pings; replacing it')) && notifier!.stats.listens >= 2);
    expect(notifier.stats.listens).toBe(2);
    const now = await listenBackends();
    expect(now.filter((p) => p !== pid)).toHaveLength(1);

    // NOTIFY works on the new connection.
    const inc3 = await insertIncident(db.sql);
    const [r3] = await enqueue(db.sql, [{ incident: inc3, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(db.sql, [r3!], 3000))[0]!.status).toBe('sent');
    expect(pd.requests.map((r) => r.body.dedup_key)).toEqual([inc1, inc2, inc3].map((i) => `sms-monitor/delivery_rate_critical/${i.id}`));
  }, 30_000);
});
