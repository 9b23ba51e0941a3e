// Writes through the HTTP API (a real server and database): each lenient write is refused with 400
// naming the field and nothing is written; audit columns record the token's subject; a POST
// retried with the same Idempotency-Key acts once and returns the first reply; a token living
// longer than the maximum lifetime is refused.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let t: TestServer;
let alertId: string;
const SUBJECT = 'e2000000-0000-0000-0000-000000000001';
const UUID_PATTERN = '"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"';
const ISO_PATTERN = '"^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?([Zz]|[+-]\\d{2}(:?\\d{2})?)$"';

async function counts(): Promise<{ silences: number; resolved: number; keys: number }> {
  const [row] = await t.db.sql<[{ silences: number; resolved: number; keys: number }]>`
    select (select count(*)::int from sms_monitor.sms_alert_silences) as silences,
           (select count(*)::int from sms_monitor.sms_alert_history where resolved_at is not null) as resolved,
           (select count(*)::int from sms_monitor.sms_http_idempotency_keys) as keys`;
  return row;
}

beforeAll(async () => {
  t = await startTestServer({ limits: { maxTokenTtlSeconds: 86_400 } });
  [{ id: alertId }] = await t.db.sql<[{ id: string }]>`
    insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
      window_minutes, message, triggered_at)
    values ('opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60, 'opt-outs 12 %', now() - interval '1 hour')
    returning id`;
});
afterAll(async () => { await t?.close(); });

describe('strict writes', () => {
  it('each lenient write is refused with 400 naming the field, and nothing is written', async () => {
    const admin = await t.token('admin', SUBJECT);
    const cases: [string, string, unknown, string][] = [
      ['/api/sms/metrics/silences', 'empty alert_type', { alert_type: '', minutes: 10, reason: 'x' }, 'alert_type: must NOT have fewer than 1 characters'],
      ['/api/sms/metrics/silences', 'minutes as text', { minutes: '10', reason: 'x' }, 'minutes: must be integer'],
      ['/api/sms/metrics/silences', 'until in words', { until: 'tomorrow', reason: 'x' }, `until: must match pattern ${ISO_PATTERN}`],
      ['/api/sms/metrics/silences', 'until without offset', { until: '2030-01-01T10:00:00', reason: 'x' }, `until: must match pattern ${ISO_PATTERN}`],
      ['/api/sms/metrics/silences', 'minutes and until', { minutes: 5, until: '2030-01-01T10:00:00Z', reason: 'x' },
        'until: give either minutes or until (ISO 8601 with an offset), not both or neither'],
      ['/api/sms/metrics/silences', 'empty reason', { minutes: 5, reason: '' }, 'reason: must NOT have fewer than 1 characters'],
      ['/api/sms/metrics/silences', 'unknown field', { minutes: 5, reason: 'x', created_by: 'mallory' }, 'created_by: is not a known field'],
      ['/api/sms/metrics/alerts', 'alert_id as an array', { alert_id: [alertId] }, 'alert_id: must be string'],
      ['/api/sms/metrics/alerts', 'alert_id not a uuid', { alert_id: `${alertId} ` }, `alert_id: must match pattern ${UUID_PATTERN}`],
      ['/api/sms/metrics/alerts', 'resolved_by chosen by the caller', { alert_id: alertId, resolved_by: 'mallory' }, 'resolved_by: is not a known field'],
    ];
    const got = [];
    for (const [path, what, body] of cases) {
      const r = await t.request('POST', path, { token: admin, body });
      got.push([what, r.status, r.body.error.code, r.body.error.message]);
    }
    expect(got).toEqual(cases.map(([, what, , message]) => [what, 400, '22023', message]));
    expect(await counts()).toEqual({ silences: 0, resolved: 0, keys: 0 });
  });

  it('audit columns record the token\'s subject: its sub, else its role', async () => {
    const admin = await t.token('admin', SUBJECT);
    const s = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body: { minutes: 5, reason: 'maintenance' } });
    expect([s.status, s.body.data.created_by]).toEqual([201, SUBJECT]);
    const lift = await t.request('POST', `/api/sms/metrics/silences/${s.body.data.id}/lift`, { token: await t.token('admin') });
    expect([lift.status, lift.body.data.lifted_by]).toEqual([200, 'sms_monitor_admin']);
    const ack = await t.request('POST', `/api/sms/metrics/alerts/${alertId}/acknowledge`, { token: admin, body: {} });
    expect([ack.status, ack.body.data.acknowledged_by]).toEqual([200, SUBJECT]);
    // From psql, claims set by hand do not count: the login is recorded.
    const [{ who }] = await t.db.sql<[{ who: string }]>`
      select set_config('request.jwt.claims', ${JSON.stringify({ sub: 'someone-else' })}, false),
             (sms_monitor.silence_sms_alerts(null, now() + interval '5 minutes', 'psql')).created_by as who`;
    const [{ me }] = await t.db.sql<[{ me: string }]>`select session_user::text as me`;
    expect(who).toBe(me);
    await t.db.sql`delete from sms_monitor.sms_alert_silences`;
  });

  it('a POST retried with the same Idempotency-Key acts once and returns the first reply', async () => {
    const admin = await t.token('admin', SUBJECT);
    const key = randomUUID();
    const body = { minutes: 30, reason: 'retried' };
    const first = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body, headers: { 'idempotency-key': key } });
    const again = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body, headers: { 'idempotency-key': key } });
    expect([first.status, first.headers.get('idempotent-replayed')]).toEqual([201, 'false']);
    expect([again.status, again.headers.get('idempotent-replayed'), again.text]).toEqual([201, 'true', first.text]);
    expect((await counts()).silences).toBe(1);
    const other = await t.request('POST', '/api/sms/metrics/silences',
      { token: admin, body: { minutes: 31, reason: 'retried' }, headers: { 'idempotency-key': key } });
    expect([other.status, other.body.error.message]).toEqual([400,
      `Idempotency-Key: '${key}' was used for a different request in the last 24 hours`]);
    // Keys are per token subject: another subject's same key is a request of its own.
    const mine = await t.request('POST', '/api/sms/metrics/silences',
      { token: await t.token('admin', randomUUID()), body, headers: { 'idempotency-key': key } });
    expect([mine.status, mine.headers.get('idempotent-replayed')]).toEqual([201, 'false']);
    // A resolve retried after its reply was lost: the second answer is the first, not "already resolved".
    const r1 = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: alertId }, headers: { 'idempotency-key': 'resolve-1' } });
    const r2 = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: alertId }, headers: { 'idempotency-key': 'resolve-1' } });
    expect([r1.body.success, r2.body.success, r2.text]).toEqual([true, true, r1.text]);
    expect(await counts()).toEqual({ silences: 2, resolved: 1, keys: 3 });
    const bad = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body, headers: { 'idempotency-key': 'has space' } });
    expect([bad.status, bad.body.error.message]).toEqual([400, 'Idempotency-Key: must be 1 to 200 visible ASCII characters']);
  });

  it('a token whose exp lies further ahead than the maximum lifetime is refused', async () => {
    const long = await t.token('reader', undefined, 2 * 86_400);
    const r = await t.request('GET', '/api/sms/metrics/rules', { token: long });
    expect([r.status, r.body.error.message]).toEqual([401, 'token: expires more than 86400 s ahead (the limit SMS_MONITOR_MAX_TOKEN_TTL sets)']);
    expect((await t.request('GET', '/api/sms/metrics/rules', { token: await t.token('reader', undefined, 86_000) })).status).toBe(200);
  });
});
