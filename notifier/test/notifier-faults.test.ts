// The fault suite: provider 429 storms and 5xx outages, kill -9 of the notifier
// mid-request, connection cuts between the notifier and the database, and an immediate PostgreSQL
// restart. For each: notifications due, delivered, duplicated (at most one per crash, absorbed by
// PagerDuty's dedup_key) and lost (zero), printed and asserted. A crash can duplicate only what the
// crashed notifier had delivered but not yet recorded: the rows it still held when it died (counted
// from the database right after the kill); everything else, zero. The notifier runs as a child
// process against its own embedded instance (<SMS_MONITOR_TEST_INSTANCE>-notifier-faults, destroyed
// afterwards). Storms and outages are counted in requests; every wait is for a row or a request.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, repoRoot } from '../../client/migrate.ts';
import { withDatabase } from '../../test/db-url.ts';
import { fakePagerDuty } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, NotifierProcess, ROUTING_KEY, waitForRows, waitUntil, type Incident } from '../../test/fakes/outbox.ts';

const INSTANCE = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-notifier-faults`;
const pg = (...args: string[]) => execFileSync('bash', [path.join(repoRoot, 'scripts', 'pg.sh'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

let url: string;
let admin: string;
let sql: postgres.Sql;
let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
const procs: NotifierProcess[] = [];
const report: Array<{ fault: string; due: number; delivered: number; duplicated: number; lost: number; bound: number }> = [];

beforeAll(async () => {
  pg('start', INSTANCE);
  admin = pg('admin-url', INSTANCE);
  const a = postgres(admin, { max: 1, onnotice: () => {} });
  await a.unsafe('drop database if exists notifier_faults with (force)');
  await a.unsafe('create database notifier_faults');
  await a.end();
  url = withDatabase(admin, 'notifier_faults');
  await migrateDatabase(url, { includeCurrent: true, pgtap: false, log: () => {} });
  // Test clusters run with synchronous_commit = off, which loses the last acknowledged commits in an
  // immediate shutdown; PostgreSQL's default (and production's) is on.
  const b = postgres(admin, { max: 1, onnotice: () => {} });
  await b.unsafe('alter database notifier_faults set synchronous_commit = on');
  await b.end();
  sql = postgres(url, { max: 2, onnotice: () => {} });
  pd = await fakePagerDuty();
}, 120_000);
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  console.log(`\nfault suite (PagerDuty notifications):\n${['fault', 'due', 'delivered', 'duplicated (allowed)', 'lost'].join(' | ')}\n`
    + report.map((r) => [r.fault, r.due, r.delivered, `${r.duplicated} (${r.bound})`, r.lost].join(' | ')).join('\n'));
  await sql?.end({ timeout: 1 });
  await pd?.close();
  pg('destroy', INSTANCE);
});

function notifier(env: Record<string, string> = {}): NotifierProcess {
  const p = new NotifierProcess({
    DATABASE_URL: url,
    PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: pd.eventsUrl,
    NOTIFIER_POLL_INTERVAL: '200ms',
    NOTIFIER_RECONNECT_MAX: '500ms',
    NOTIFIER_LEASE: '3s',
    NOTIFIER_REQUEST_TIMEOUT: '1s',
    NOTIFIER_RETRY_BASE: '50ms',
    NOTIFIER_RETRY_MAX: '300ms',
    NOTIFIER_PROBE_INTERVAL: '100ms',
    NOTIFIER_BATCH_SIZE: '4',
    ...env,
  });
  procs.push(p);
  return p;
}

/** n incidents, each a trigger then an acknowledge (in order); returns the incidents and row ids. */
async function queue(n: number): Promise<{ list: Incident[]; ids: string[] }> {
  const list: Incident[] = [];
  for (let i = 0; i < n; i++) list.push(await insertIncident(sql));
  const ids = await enqueue(sql, list.flatMap((incident) => [
    { incident, channel: 'pagerduty', event: 'trigger' as const, maxAttempts: 2 },
    { incident, channel: 'pagerduty', event: 'acknowledge' as const, maxAttempts: 2 },
  ]));
  return { list, ids };
}

/** Counts from what the fake accepted (2xx) since `before`, per notification (dedup_key + action); records and checks them. */
async function account(fault: string, list: Incident[], ids: string[], before: number, bound: number): Promise<void> {
  const rows = await waitForRows(sql, ids, 60_000);
  const wanted = list.flatMap((i) => [`sms-monitor/${i.alertType}/${i.id} trigger`, `sms-monitor/${i.alertType}/${i.id} acknowledge`]);
  const accepted = pd.requests.slice(before).filter((r) => r.status === 202).map((r) => `${r.body.dedup_key} ${r.body.event_action}`);
  const counts = new Map<string, number>();
  for (const k of accepted) counts.set(k, (counts.get(k) ?? 0) + 1);
  const delivered = wanted.filter((k) => (counts.get(k) ?? 0) > 0).length;
  const duplicated = [...counts.values()].reduce((a, c) => a + c - 1, 0);
  const entry = { fault, due: wanted.length, delivered, duplicated, lost: wanted.length - delivered, bound };
  report.push(entry);
  expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'sent'));
  expect(accepted.every((k) => wanted.includes(k))).toBe(true);
  expect(entry.lost).toBe(0);
  expect(entry.delivered).toBe(entry.due);
  expect(entry.duplicated).toBeLessThanOrEqual(bound);
  // In order per incident: no acknowledge accepted before its trigger.
  for (const i of list) {
    const seq = accepted.filter((k) => k.startsWith(`sms-monitor/${i.alertType}/${i.id} `));
    expect(seq[0]).toMatch(/ trigger$/);
  }
}

describe('fault suite', () => {
  it('429 storm (Retry-After: 1) past max_attempts', async () => {
    const before = pd.requests.length;
    pd.storm(20, { status: 429, body: '{"status":"throttle event"}', headers: { 'retry-after': '1' } });
    const { list, ids } = await queue(5);
    notifier();
    await account('429 storm, 20 requests (Retry-After: 1)', list, ids, before, 0);
    expect(pd.scripted).toBe(0);
  }, 90_000);

  it('5xx outage past max_attempts', async () => {
    const before = pd.requests.length;
    pd.storm(30, { status: 503, body: 'unavailable' });
    const { list, ids } = await queue(5);
    notifier();
    await account('5xx outage, 30 requests (503)', list, ids, before, 0);
    expect(pd.scripted).toBe(0);
  }, 90_000);

  it('kill -9 of the notifier mid-request', async () => {
    const before = pd.requests.length;
    pd.enqueue({ status: 202, body: '{"status":"success"}' }, { status: 202, body: '{"status":"success"}' }, { hang: true });
    const { list, ids } = await queue(5);
    // Long request timeouts: on a loaded machine a 202 slower than 1 s would be retried, a duplicate
    // that is not the kill's. a keeps the short lease so that its held rows can be taken over.
    const a = notifier({ NOTIFIER_REQUEST_TIMEOUT: '30s' });
    await pd.waitForRequests(before + 3, 20_000); // a's third request hangs: a is mid-request
    a.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    // What a held when it died: sent (or being sent) but not recorded; only these can go out twice.
    const [held] = await sql<Array<{ n: number }>>`select count(*)::int as n from sms_monitor.sms_alert_notifications
      where id = any(${ids}::bigint[]) and status = 'pending' and locked_by is not null`;
    expect(held!.n).toBeGreaterThanOrEqual(1);
    expect(held!.n).toBeLessThanOrEqual(4); // one batch
    notifier({ NOTIFIER_REQUEST_TIMEOUT: '30s', NOTIFIER_LEASE: '30s' });
    await account(`kill -9 mid-request (${held!.n} rows held), then a new notifier`, list, ids, before, held!.n - 1);
  }, 90_000);

  it('connection cuts between the notifier and the database, mid-delivery', async () => {
    const before = pd.requests.length;
    // Each answer takes 100 ms: deliveries are in flight when the connections go.
    for (let i = 0; i < 40; i++) pd.enqueue({ status: 202, body: '{"status":"success"}', delayMs: 100 });
    const { list, ids } = await queue(8);
    // A 30 s request timeout: the cuts are between the notifier and the database; on a loaded machine
    // a 202 slower than 1 s would be retried, a duplicate that is not the cuts'.
    notifier({ NOTIFIER_REQUEST_TIMEOUT: '30s' });
    for (let cut = 1; cut <= 3; cut++) {
      await pd.waitForRequests(before + cut * 3, 30_000);
      const killed = await sql`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'sms-monitor-notifier'`;
      expect(killed.length).toBeGreaterThanOrEqual(1);
    }
    pd.calm();
    await account('3 connection cuts (pg_terminate_backend) mid-delivery', list, ids, before, 0);
  }, 90_000);

  it('an immediate PostgreSQL restart mid-delivery', async () => {
    const before = pd.requests.length;
    for (let i = 0; i < 40; i++) pd.enqueue({ status: 202, body: '{"status":"success"}', delayMs: 150 });
    const { list, ids } = await queue(6);
    const p = notifier();
    await pd.waitForRequests(before + 3, 30_000);
    // pg_ctl stop -m immediate: SIGQUIT to the postmaster (no checkpoint, crash recovery on start).
    const [setting] = await sql<Array<{ dir: string }>>`select current_setting('data_directory') as dir`;
    // Rows not sent yet when the database dies: any of them may be in flight (a batch is delivered
    // concurrently), accepted by PagerDuty before its 'sent' could commit, and so sent again.
    const [unsent] = await sql<Array<{ n: number }>>`
      select count(*)::int as n from sms_monitor.sms_alert_notifications where id = any(${ids}::bigint[]) and status <> 'sent'`;
    const postmaster = Number(readFileSync(path.join(setting!.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGQUIT');
    await waitUntil('the postmaster gone', () => { try { process.kill(postmaster, 0); return false; } catch { return true; } }, 30_000);
    const mark = p.stderr.length;
    pg('start', INSTANCE);
    await waitUntil('the database back', async () => sql`select 1`.then(() => true, () => false), 30_000);
    await p.waitForLog(/database reachable again|listening for outbox NOTIFYs/, 30_000, mark);
    pd.calm();
    // At least once: at most the rows unsent at the crash are sent twice (PagerDuty dedups by dedup_key).
    await account('immediate PostgreSQL restart mid-delivery', list, ids, before, unsent!.n);
    expect(await Promise.race([p.exited.then(() => 'exited'), Promise.resolve('running')])).toBe('running');
  }, 120_000);
});
