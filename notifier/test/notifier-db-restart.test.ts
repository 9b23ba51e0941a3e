// The database stopped and started under a running notifier (its own embedded instance,
// <SMS_MONITOR_TEST_INSTANCE>-notifier-stop, destroyed afterwards, so nothing else is disturbed): it keeps running, reconnects with backoff,
// LISTENs again and delivers what was queued.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, repoRoot } from '../../client/migrate.ts';
import { withDatabase } from '../../test/db-url.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, NotifierProcess, ROUTING_KEY, waitForRows, waitUntil } from '../../test/fakes/outbox.ts';

const INSTANCE = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-notifier-stop`;
const pg = (...args: string[]) => execFileSync('bash', [path.join(repoRoot, 'scripts', 'pg.sh'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

let url: string;
let sql: postgres.Sql;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
let proc: NotifierProcess | undefined;
let late: NotifierProcess | undefined;

beforeAll(async () => {
  pg('start', INSTANCE);
  const admin = pg('admin-url', INSTANCE);
  const a = postgres(admin, { max: 1, onnotice: () => {} });
  await a.unsafe('drop database if exists notifier_restart with (force)');
  await a.unsafe('create database notifier_restart');
  await a.end();
  url = withDatabase(admin, 'notifier_restart');
  await migrateDatabase(url, { includeCurrent: true, pgtap: false, log: () => {} });
  sql = postgres(url, { max: 2, onnotice: () => {} });
  pd = await fakePagerDuty();
}, 120_000);

afterAll(async () => {
  if (proc) await proc.stop();
  if (late) await late.stop();
  await sql?.end({ timeout: 1 });
  await pd?.close();
  pg('destroy', INSTANCE);
});

describe('database stopped and started', () => {
  it('the notifier survives, reconnects, listens again and delivers', async () => {
    proc = new NotifierProcess({
      DATABASE_URL: url,
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: pd.eventsUrl,
      NOTIFIER_POLL_INTERVAL: '200ms',
      NOTIFIER_RECONNECT_MAX: '500ms',
      // long enough that a slow answer on a loaded machine is never a retry (a second request)
      NOTIFIER_LEASE: '60s',
      NOTIFIER_REQUEST_TIMEOUT: '30s',
    });
    await proc.waitForLog(/listening for outbox NOTIFYs/, 20_000);
    const i1 = await insertIncident(sql);
    const [r1] = await enqueue(sql, [{ incident: i1, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(sql, [r1!], 10_000))[0]!.status).toBe('sent');

    pg('stop', INSTANCE);
    const mark = proc.stderr.length;
    // It notices, and keeps trying (several backoff rounds) instead of exiting.
    await waitUntil('three reconnect attempts', () => proc!.stderr.slice(mark).filter((l) => l.includes('database unavailable; reconnecting')).length >= 3, 20_000);
    expect(await Promise.race([proc.exited.then(() => 'exited'), Promise.resolve('running')])).toBe('running');

    pg('start', INSTANCE);
    const i2 = await waitUntil('the database back', async () => insertIncident(sql).catch(() => null), 20_000);
    const [r2] = await enqueue(sql, [{ incident: i2, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(sql, [r2!], 15_000))[0]!.status).toBe('sent');
    await proc.waitForLog(/listening for outbox NOTIFYs/, 15_000, mark);
    await proc.waitForLog(/database reachable again/, 15_000, mark);
    expect(pd.requests.map((r) => r.body.dedup_key)).toEqual([
      `sms-monitor/delivery_rate_critical/${i1.id}`, `sms-monitor/delivery_rate_critical/${i2.id}`,
    ]);
    expect(await proc.stop()).toBe(0);
    const printed = [...proc.stdout, ...proc.stderr].join('\n');
    expect(printed).not.toContain(ROUTING_KEY);
    expect(printed).not.toContain(new URL(url).password);
  });

  it('started while the database is down: waits, then LISTENs and delivers within 5 s although polling is every 60 s', async () => {
    pg('stop', INSTANCE);
    late = new NotifierProcess({
      DATABASE_URL: url,
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: pd.eventsUrl,
      NOTIFIER_POLL_INTERVAL: '60s',
      NOTIFIER_RECONNECT_MAX: '500ms',
    });
    await late.waitForLog(/database unavailable; reconnecting/, 20_000);
    pg('start', INSTANCE);
    await late.waitForLog(/listening for outbox NOTIFYs/, 20_000);
    const before = pd.requests.length;
    const i3 = await waitUntil('the database back', async () => insertIncident(sql).catch(() => null), 20_000);
    const [r3] = await enqueue(sql, [{ incident: i3, channel: 'pagerduty', event: 'trigger' }]);
    expect((await waitForRows(sql, [r3!], 5000))[0]!.status).toBe('sent');
    expect(pd.requests.slice(before).map((r) => r.body.dedup_key)).toEqual([`sms-monitor/delivery_rate_critical/${i3.id}`]);
    expect(await late.stop()).toBe(0);
  });
});
