// How the daemon tells a database outage from other errors, and what a database error in the middle
// of a batch does to the deliveries still in flight.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig } from '../config.ts';
import { createLogger, isConnectionError, Notifier, problemHint } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../../client/generated/enums.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, ROUTING_KEY, rowStates, waitUntil } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
const running: Notifier[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  pd = await fakePagerDuty();
});
afterAll(async () => {
  await Promise.all(running.map((n) => n.stop('test done')));
  await pd?.close();
  await db?.drop();
});

function logSink(): { lines: string[]; stream: PassThrough } {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  return { lines, stream };
}

const pgError = (code: string) => new postgres.PostgresError({ code, message: `error ${code}` } as never);

describe('notifier error handling', () => {
  it('only connection failures count as an outage', () => {
    for (const code of ['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) {
      expect([code, isConnectionError(Object.assign(new Error(code), { code }))]).toEqual([code, true]);
    }
    for (const code of ['08006', '57P01', '57P03', '53300']) expect([code, isConnectionError(pgError(code))]).toEqual([code, true]);
    for (const code of ['42883', '42501', '22023', 'P0002', '40001', '23505']) expect([code, isConnectionError(pgError(code))]).toEqual([code, false]);
    expect(isConnectionError(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isConnectionError('a string')).toBe(false);
    expect(problemHint(pgError('42501'))).toBe("permission denied (SQLSTATE 42501): grant sms_monitor_notifier to the notifier's login role");
    expect(problemHint(pgError('42883'))).toBe('SQLSTATE 42883: the sms_monitor schema is missing or older than this notifier; run `sms-monitor migrate`');
  });

  it('a role without the notifier\'s privileges: logged as an error naming 42501 and the grant, not as an outage', async () => {
    const role = `nopriv_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.sql.unsafe(`create role ${role} login password '${password}'`);
    try {
      const u = new URL(db.url);
      u.username = role;
      u.password = password;
      const { lines, stream } = logSink();
      const n = new Notifier(loadNotifierConfig(u.toString(), { NOTIFIER_POLL_INTERVAL: '100ms', NOTIFIER_LISTEN: 'false' }), { logger: createLogger('debug', stream) });
      running.push(n);
      await n.start();
      await waitUntil('two failed drains', () => lines.filter((l) => l.includes('draining the outbox failed')).length >= 2);
      await n.stop('test done');
      const failed = lines.filter((l) => l.includes('draining the outbox failed')).map((l) => JSON.parse(l));
      expect(failed[0]).toMatchObject({
        level: 50, sqlstate: '42501',
        msg: "draining the outbox failed: permission denied (SQLSTATE 42501): grant sms_monitor_notifier to the notifier's login role; trying again at the next poll (100 ms)",
      });
      expect(lines.filter((l) => l.includes('database unavailable'))).toEqual([]);
    } finally {
      await db.sql.unsafe(`drop role ${role}`);
    }
  });

  it('a database error while other deliveries of the batch are in flight: stop() waits for them, nothing is released under a request', async () => {
    const before = pd.requests.length;
    // The first request to arrive is answered after 200 ms, the second after 1.5 s.
    pd.enqueue({ status: 202, body: '{"status":"success"}', delayMs: 200 }, { status: 202, body: '{"status":"success"}', delayMs: 1500 });
    const [a, b] = [await insertIncident(db.sql), await insertIncident(db.sql)];
    const ids = await enqueue(db.sql, [
      { incident: a, channel: 'pagerduty', event: 'trigger' },
      { incident: b, channel: 'pagerduty', event: 'trigger' },
    ]);
    const { lines, stream } = logSink();
    const n = new Notifier(loadNotifierConfig(db.url, {
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: pd.eventsUrl, NOTIFIER_LISTEN: 'false',
      NOTIFIER_POLL_INTERVAL: '60s', NOTIFIER_LEASE: '30s', NOTIFIER_REQUEST_TIMEOUT: '5s', NOTIFIER_SHUTDOWN_GRACE: '10s',
    }), { logger: createLogger('debug', stream) });
    running.push(n);
    await n.start();
    const reqs = await pd.waitForRequests(before + 2);
    const fastKey = reqs[before]!.body.dedup_key as string;
    const [fastId, slowId] = fastKey.endsWith(a.id) ? [ids[0]!, ids[1]!] : [ids[1]!, ids[0]!];

    // Recording the fast one's outcome waits on our row lock; its connection is then terminated (57P01).
    const tx = await db.sql.reserve();
    try {
      await tx`begin`;
      await tx`select 1 from sms_monitor.sms_alert_notifications where id = ${fastId} for update`;
      const [waiting] = await waitUntil('complete_sms_notification waiting on the row lock', async () => {
        const r = await db.sql<Array<{ pid: number }>>`
          select pid from pg_stat_activity
           where datname = current_database() and application_name = 'sms-monitor-notifier' and wait_event_type = 'Lock'`;
        return r.length === 1 ? r : null;
      });
      await db.sql`select pg_terminate_backend(${waiting!.pid})`;
      await waitUntil('the outcome kept for later', () => lines.some((l) => l.includes('could not record the outcome; will record it when the database is back')));
    } finally {
      await tx`rollback`;
      tx.release();
    }
    expect(pd.requests.length).toBe(before + 2);
    // The slow delivery is still in flight: stop() must wait for it rather than release its row.
    await n.stop('test');
    const states = await rowStates(db.sql, [fastId, slowId].sort((x, y) => Number(x) - Number(y)));
    expect(states.map((r) => [r.id, r.status, r.attempts, r.locked_by])).toEqual(
      [fastId, slowId].sort((x, y) => Number(x) - Number(y)).map((id) => [id, 'sent', 1, null]));
    expect(lines.filter((l) => l.includes('released') || l.includes('lease lost'))).toEqual([]);
    expect(pd.requests.length).toBe(before + 2);
  });
});

describe('release_sms_notifications', () => {
  it('NOTIFYs the released ids so other notifiers take them at once', async () => {
    const inc = await insertIncident(db.sql);
    const ids = await enqueue(db.sql, [
      { incident: inc, channel: 'log', event: 'trigger' },
      { incident: inc, channel: 'email', event: 'trigger' },
    ]);
    const claimed = await db.sql<Array<{ id: string }>>`select id::text as id from sms_monitor.claim_sms_notifications('leaving', 10, 60) order by id`;
    expect(claimed.map((r) => r.id)).toEqual(ids);
    const listener = db.connect({ max: 1 });
    const payloads: string[] = [];
    await listener.listen(OUTBOX_NOTIFY_CHANNEL, (p) => { payloads.push(p); });
    const [r] = await db.sql<Array<{ n: number }>>`select sms_monitor.release_sms_notifications('leaving') as n`;
    expect(r!.n).toBe(2);
    await waitUntil('the NOTIFY of the release', () => payloads.length >= 1);
    expect(payloads.map((p) => JSON.parse(p))).toEqual([ids.map(Number)]);
    const [none] = await db.sql<Array<{ n: number }>>`select sms_monitor.release_sms_notifications('leaving') as n`;
    expect(none!.n).toBe(0);
  });
});
