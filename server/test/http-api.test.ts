// The HTTP API against a real server and database: exact bodies for seeded data, every status
// code of the envelope (400, 401, 403, 404, 500 with a request id), token refusals, the self-only
// refusal coming from the database's own 42501, resolve / acknowledge / silences changing the
// database, /metrics accepted by promtool, the OpenAPI document, the event stream, and logs
// without tokens.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { waitFor } from '../../test/client-helpers.ts';
import { startTestServer, type TestServer } from './harness.ts';

let t: TestServer;
let admin: string;
let reader: string;
let today: string;
let alertId: string;
const U1 = 'd1000000-0000-0000-0000-000000000001';
const U2 = 'd1000000-0000-0000-0000-000000000002';

/** Tests that read "today" must not straddle midnight (UTC, the reporting timezone): wait it out. */
async function awayFromMidnight(): Promise<void> {
  const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (msToMidnight < 30_000) await new Promise((r) => setTimeout(r, msToMidnight + 1000));
}

beforeAll(async () => {
  await awayFromMidnight();
  t = await startTestServer();
  admin = await t.token('admin');
  reader = await t.token('reader');
  const sql = t.db.sql;
  today = (await sql<{ today: string }[]>`select sms_monitor.reporting_today()::text as today`)[0]!.today;
  // Two past days for /daily (2026-03-08 quiet in between), and the incident's data at 2026-03-10 10:00.
  await sql`select sms_monitor.record_sms_metric('2026-03-07', 9, null, 'sent_count', 40)`;
  await sql`select sms_monitor.record_sms_metric('2026-03-07', 9, null, 'delivered_count', 38)`;
  await sql`select sms_monitor.record_sms_metric('2026-03-07', 9, null, 'llm_success_count', 3)`;
  await sql`select sms_monitor.record_sms_metric('2026-03-07', 9, null, 'template_fallback_count', 1)`;
  await sql`select sms_monitor.record_sms_metric('2026-03-09', 10, null, 'sent_count', 100)`;
  await sql`select sms_monitor.record_sms_metric('2026-03-09', 10, null, 'delivered_count', 50)`;
  // Today: two users, at hour 0 of the reporting day.
  for (const [u, type, value] of [[U1, 'sent_count', 30], [U1, 'delivered_count', 27], [U1, 'failed_count', 3],
    [U1, 'sms_cost_usd', 0.3], [U2, 'sent_count', 10], [U2, 'delivered_count', 10], [U2, 'llm_cost_usd', 0.05]] as const) {
    await sql`select sms_monitor.record_sms_metric(${today}::date, 0, ${u}::uuid, ${type}, ${value})`;
  }
  await sql`select sms_monitor.refresh_sms_metrics_daily()`;
  const [fired] = await sql<{ alert_id: string }[]>`
    select alert_id from sms_monitor.check_sms_alerts('2026-03-09T10:30:00Z') where action = 'fired'`;
  alertId = fired!.alert_id;
});
afterAll(async () => { await t?.close(); });

const quiet = (d: string) => ({
  metric_date: d, scheduled_count: 0, sent_count: 0, delivered_count: 0, failed_count: 0, cancelled_count: 0,
  llm_success_count: 0, template_fallback_count: 0, opt_out_count: 0, quiet_hours_skip_count: 0,
  daily_limit_hit_count: 0, llm_cost_usd: 0, sms_cost_usd: 0, avg_delivery_time_ms: null, avg_generation_time_ms: null,
  delivery_rate_percent: null, llm_success_rate_percent: null, active_users: 0,
});

describe('the six dashboard endpoints', () => {
  it('GET /api/sms/metrics/daily: every day of the range, in the {success, data} envelope', async () => {
    const r = await t.request('GET', '/api/sms/metrics/daily?start_date=2026-03-07&end_date=2026-03-09', { token: reader });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.body).toEqual({
      success: true,
      data: [
        { ...quiet('2026-03-07'), sent_count: 40, delivered_count: 38, llm_success_count: 3, template_fallback_count: 1,
          delivery_rate_percent: 95, llm_success_rate_percent: 75 },
        quiet('2026-03-08'),
        { ...quiet('2026-03-09'), sent_count: 100, delivered_count: 50, delivery_rate_percent: 50 },
      ],
      date_range: { start: '2026-03-07', end: '2026-03-09' },
    });
  });

  it('GET /api/sms/metrics/user: the summary from the totals; a self token reads itself only (403 from 42501)', async () => {
    const r = await t.request('GET', `/api/sms/metrics/user?user_id=${U1}&days=2`, { token: reader });
    expect(r.status).toBe(200);
    expect(r.body.user_id).toBe(U1);
    expect(r.body.data.summary).toEqual({
      total_scheduled: 0, total_sent: 30, total_delivered: 27, total_failed: 3, total_cancelled: 0,
      delivery_rate_percent: 90, total_llm_cost_usd: 0, total_sms_cost_usd: 0.3, days: 2,
    });
    expect(r.body.data.metrics.map((m: { metric_date: string; sent_count: number }) => m.sent_count)).toEqual([0, 30]);
    expect(r.body.data.metrics[1].metric_date).toBe(today);

    const self = await t.token('self', U1);
    const mine = await t.request('GET', '/api/sms/metrics/user?days=1', { token: self });
    expect(mine.status).toBe(200);
    expect([mine.body.user_id, mine.body.data.summary.total_sent]).toEqual([U1, 30]);
    const theirs = await t.request('GET', `/api/sms/metrics/user?user_id=${U2}`, { token: self });
    expect(theirs.status).toBe(403);
    expect(theirs.body).toEqual({ success: false, error: {
      status: 403, code: '42501', message: `user_id: permission denied to read metrics of user ${U2}`,
      request_id: theirs.headers.get('x-request-id') } });
    const daily = await t.request('GET', '/api/sms/metrics/daily?start_date=2026-03-07', { token: self });
    expect([daily.status, daily.body.error.code, daily.body.error.message])
      .toEqual([403, '42501', 'permission denied for function api_daily_metrics']);
  });

  it('GET /api/sms/metrics/today and /summary', async () => {
    const r = await t.request('GET', '/api/sms/metrics/today', { token: reader });
    expect(r.status).toBe(200);
    // Health is the alert engine's (api_health): the open critical incident decides it, in /today and /summary alike.
    const health = { status: 'critical', overall_healthy: false, driving_rule: 'delivery_rate_critical',
      reason: expect.stringMatching(/^delivery_rate_critical: critical incident open for (\d+ s|\d+ min|\d+ h \d+ min|\d+ d \d+ h): /),
      as_of: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/) };
    expect(r.body).toEqual({ success: true, source: 'sms_metrics_daily', as_of: r.body.data.health.as_of, data: {
      ...quiet(today), sent_count: 40, delivered_count: 37, failed_count: 3, llm_cost_usd: 0.05, sms_cost_usd: 0.3,
      delivery_rate_percent: 92.5, active_users: 2, health } });
    const s = await t.request('GET', '/api/sms/metrics/summary', { token: reader });
    expect(s.status).toBe(200);
    expect(s.body.data.health).toEqual(health);
    expect(typeof s.body.data.week.avg_daily_cost_usd).toBe('number');
    expect(s.body.data.alerts.unresolved_count).toBe(1);
    expect(s.body.data.alerts.recent[0].id).toBe(alertId);
  });

  it('GET /api/sms/metrics/alerts: open incidents, the history, bad parameters', async () => {
    const r = await t.request('GET', '/api/sms/metrics/alerts', { token: reader });
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('unresolved');
    expect(r.body.data.map((a: Record<string, unknown>) => [a.id, a.alert_type, a.severity, a.metric_value, a.triggered_at]))
      .toEqual([[alertId, 'delivery_rate_critical', 'critical', 50, '2026-03-09T10:30:00Z']]);
    const h = await t.request('GET', '/api/sms/metrics/alerts?type=history&start_date=2026-03-09&end_date=2026-03-09&limit=5', { token: reader });
    expect([h.status, h.body.data.length, h.body.date_range]).toEqual([200, 1, { start: '2026-03-09', end: '2026-03-09' }]);
    const noStart = await t.request('GET', '/api/sms/metrics/alerts?type=history', { token: reader });
    expect([noStart.status, noStart.body.error.code, noStart.body.error.message])
      .toEqual([400, '22023', 'start_date: is required when type is history (YYYY-MM-DD)']);
    const limit = await t.request('GET', '/api/sms/metrics/alerts?limit=0', { token: reader });
    expect([limit.status, limit.body.error.message]).toEqual([400, 'limit: must be between 1 and 200 (got 0)']);
    const type = await t.request('GET', '/api/sms/metrics/alerts?type=all', { token: reader });
    expect([type.status, type.body.error.message]).toEqual([400, 'type: must be equal to one of the allowed values']);
  });

  it('POST /api/sms/metrics/alerts resolves (admin only), says so the second time, 404 for an unknown id', async () => {
    const [{ id: other }] = await t.db.sql<[{ id: string }]>`
      insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
        window_minutes, message, triggered_at)
      values ('opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60, 'opt-outs 12 %', '2026-03-01T00:00:00Z')
      returning id`;
    const denied = await t.request('POST', '/api/sms/metrics/alerts', { token: reader, body: { alert_id: other } });
    expect([denied.status, denied.body.error.code]).toEqual([403, '42501']);
    // resolved_by is the token's subject (an admin token without sub: its role), not a field of the body.
    const named = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: other, resolved_by: 'alice' } });
    expect([named.status, named.body.error.message]).toEqual([400, 'resolved_by: is not a known field']);
    const r = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: other } });
    expect(r.status).toBe(200);
    const [row] = await t.db.sql`select resolved_by, resolved_at from sms_monitor.sms_alert_history where id = ${other}`;
    expect(row!.resolved_by).toBe('sms_monitor_admin');
    expect({ ...r.body, resolved_at: undefined }).toEqual({ success: true, message: 'Alert resolved successfully',
      alert_id: other, resolved_at: undefined, resolved_by: 'sms_monitor_admin' });
    expect(new Date(r.body.resolved_at).getTime()).toBe((row!.resolved_at as Date).getTime());
    const again = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: other } });
    expect([again.status, again.body.success, again.body.resolved_by]).toEqual([200, false, 'sms_monitor_admin']);
    const unknown = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: '00000000-0000-0000-0000-000000000000' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ status: 404, code: 'P0002',
      message: 'alert_id: alert 00000000-0000-0000-0000-000000000000 does not exist', request_id: unknown.headers.get('x-request-id') });
    const missing = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: {} });
    expect([missing.status, missing.body.error.message]).toEqual([400, 'alert_id: is required']);
    const bad = await t.request('POST', '/api/sms/metrics/alerts', { token: admin, body: { alert_id: 'nope' } });
    expect([bad.status, bad.body.error.message]).toEqual([400, 'alert_id: must match pattern "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"']);
  });
});

describe('operations, alerts and silences', () => {
  it('GET /alerts/:id: the incident and its delivery per channel; acknowledge changes the database', async () => {
    const d = await t.request('GET', `/api/sms/metrics/alerts/${alertId}`, { token: reader });
    expect(d.status).toBe(200);
    expect(d.body.data.alert.id).toBe(alertId);
    expect(d.body.data.channels).toEqual([{ channel: 'pagerduty', event: 'trigger', status: 'pending', attempts: 0,
      last_error: null, sent_at: null, summary: 'waiting, not configured' }]); // no notifier runs here
    const denied = await t.request('POST', `/api/sms/metrics/alerts/${alertId}/acknowledge`, { token: reader, body: {} });
    expect([denied.status, denied.body.error.code]).toEqual([403, '42501']);
    const named = await t.request('POST', `/api/sms/metrics/alerts/${alertId}/acknowledge`, { token: admin, body: { by: 'bob' } });
    expect([named.status, named.body.error.message]).toEqual([400, 'by: is not a known field']);
    const ack = await t.request('POST', `/api/sms/metrics/alerts/${alertId}/acknowledge`, { token: await t.token('admin', U2), body: {} });
    expect(ack.status).toBe(200);
    expect([ack.body.success, ack.body.data.id, ack.body.data.acknowledged_by]).toEqual([true, alertId, U2]);
    const [row] = await t.db.sql`select acknowledged_by, acknowledged_at is not null as acked from sms_monitor.sms_alert_history where id = ${alertId}`;
    expect(row).toEqual({ acknowledged_by: U2, acked: true });
    const unknown = await t.request('GET', '/api/sms/metrics/alerts/00000000-0000-0000-0000-000000000000', { token: reader });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'P0002']);
  });

  it('silences: create (admin), list, lift; bad input 400', async () => {
    const c = await t.request('POST', '/api/sms/metrics/silences',
      { token: admin, body: { alert_type: 'delivery_rate_critical', minutes: 90, reason: 'provider maintenance' } });
    expect(c.status).toBe(201);
    expect([c.body.data.alert_type, c.body.data.reason, c.body.data.lifted_at]).toEqual(['delivery_rate_critical', 'provider maintenance', null]);
    expect(new Date(c.body.data.ends_at).getTime() - new Date(c.body.data.starts_at).getTime()).toBe(90 * 60_000);
    const list = await t.request('GET', '/api/sms/metrics/silences', { token: reader });
    expect(list.body.data.map((s: { id: number }) => s.id)).toEqual([c.body.data.id]);
    const lift = await t.request('POST', `/api/sms/metrics/silences/${c.body.data.id}/lift`, { token: admin });
    expect(lift.status).toBe(200);
    const [row] = await t.db.sql`select lifted_at is not null as lifted from sms_monitor.sms_alert_silences where id = ${c.body.data.id}`;
    expect(row!.lifted).toBe(true);
    expect((await t.request('GET', '/api/sms/metrics/silences', { token: reader })).body.data).toEqual([]);
    expect((await t.request('GET', '/api/sms/metrics/silences?include_ended=true', { token: reader })).body.data.length).toBe(1);
    const blank = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body: { minutes: 5, reason: ' ' } });
    expect([blank.status, blank.body.error.code]).toEqual([400, '22023']);
    expect(blank.body.error.message).toMatch(/^reason: is required/);
    const noEnd = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body: { reason: 'x' } });
    expect([noEnd.status, noEnd.body.error.message]).toEqual([400, 'until: give either minutes or until (ISO 8601 with an offset), not both or neither']);
    const rule = await t.request('POST', '/api/sms/metrics/silences', { token: admin, body: { alert_type: 'nope', minutes: 5, reason: 'x' } });
    expect([rule.status, rule.body.error.message]).toEqual([400, "alert_type: unknown rule 'nope' (NULL silences every rule)"]);
    const asReader = await t.request('POST', '/api/sms/metrics/silences', { token: reader, body: { minutes: 5, reason: 'x' } });
    expect(asReader.status).toBe(403);
    const liftUnknown = await t.request('POST', '/api/sms/metrics/silences/999999/lift', { token: admin });
    expect(liftUnknown.status).toBe(404);
    const oneCarrier = await t.request('POST', '/api/sms/metrics/silences', { token: admin,
      body: { alert_type: 'carrier_delivery_rate_critical', group_value: 'T-Mobile', minutes: 30, reason: 'carrier outage ticket' } });
    expect([oneCarrier.status, oneCarrier.body.data.alert_type, oneCarrier.body.data.group_value])
      .toEqual([201, 'carrier_delivery_rate_critical', 'T-Mobile']);
    const systemWide = await t.request('POST', '/api/sms/metrics/silences', { token: admin,
      body: { alert_type: 'delivery_rate_critical', group_value: 'T-Mobile', minutes: 30, reason: 'x' } });
    expect([systemWide.status, systemWide.body.error.message]).toEqual([400,
      "group_value: rule 'delivery_rate_critical' is evaluated system-wide (no group_by): it has no values to silence"]);
    const tooLong = await t.request('POST', '/api/sms/metrics/silences', { token: admin,
      body: { alert_type: 'carrier_delivery_rate_critical', group_value: 'x'.repeat(201), minutes: 30, reason: 'x' } });
    expect(tooLong.status).toBe(400);
    const [{ n }] = await t.db.sql<[{ n: number }]>`select count(*)::int as n from sms_monitor.sms_alert_silences where group_value is not null`;
    expect(n).toBe(1);
  });

  it('GET /rules, /top-users, /health', async () => {
    const rules = await t.request('GET', '/api/sms/metrics/rules', { token: reader });
    expect(rules.body.data.map((r: { alert_type: string; last_action: string | null }) => [r.alert_type, r.last_action])).toEqual([
      ['carrier_delivery_rate_critical', 'no_data'], ['daily_limit_hit_warning', 'no_data'],
      ['delivery_latency_warning', 'no_data'], ['delivery_rate_critical', 'fired'], ['delivery_slo_burn_critical', 'no_data'],
      ['llm_cost_spike_warning', 'no_data'], ['llm_failure_critical', 'no_data'], ['opt_out_rate_warning', 'no_data'],
      ['receipt_delay_warning', 'no_data'], ['sender_filtering_warning', 'no_data']]);
    const top = await t.request('GET', '/api/sms/metrics/top-users?days=1&by=cost', { token: reader });
    expect(top.body).toEqual({ success: true, by: 'cost', days: 1, date_range: { start: today, end: today }, data: [
      { rank: 1, user_id: U1, sent: 30, delivered: 27, failed: 3, delivery_rate_percent: 90, llm_cost_usd: 0, sms_cost_usd: 0.3, cost_usd: 0.3 },
      { rank: 2, user_id: U2, sent: 10, delivered: 10, failed: 0, delivery_rate_percent: 100, llm_cost_usd: 0.05, sms_cost_usd: 0, cost_usd: 0.05 },
    ] });
    const badBy = await t.request('GET', '/api/sms/metrics/top-users?by=volume', { token: reader });
    expect(badBy.status).toBe(400);
    const selfTop = await t.request('GET', '/api/sms/metrics/top-users', { token: await t.token('self', U1) });
    expect(selfTop.status).toBe(403);
    const health = await t.request('GET', '/api/sms/metrics/health', { token: reader });
    expect([health.body.data.status, health.body.data.driving_rule]).toEqual(['critical', 'delivery_rate_critical']);
  });

  it('GET /metrics: Prometheus text that promtool accepts', async () => {
    const r = await t.request('GET', '/metrics', { token: reader });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = r.text.split('\n');
    expect(lines).toContain('sms_monitor_open_incidents{rule="delivery_rate_critical",severity="critical"} 1');
    expect(lines).toContain('sms_monitor_today_events{type="sent_count"} 40');
    expect(lines).toContain('sms_monitor_outbox_notifications{channel="pagerduty",status="pending"} 2');
    const check = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (c) => { out += c; });
      p.stderr.on('data', (c) => { out += c; });
      p.on('close', (code) => resolve({ code, out }));
      p.stdin.end(r.text);
    });
    expect(check).toEqual({ code: 0, out: '' });
    expect((await t.request('GET', '/metrics', { token: await t.token('self', U1) })).status).toBe(403);
    expect((await t.request('GET', '/metrics')).status).toBe(401);
  });

  it('GET /healthz (no token) and the OpenAPI document generated from the routes', async () => {
    const h = await t.request('GET', '/healthz');
    expect([h.status, h.body]).toEqual([200, { status: 'ok', database: 'ok' }]);
    const o = await t.request('GET', '/api/openapi.json');
    expect(o.status).toBe(200);
    expect(o.body.openapi).toBe('3.0.3');
    expect(Object.keys(o.body.paths).sort()).toEqual([
      '/api/sms/metrics/alerts', '/api/sms/metrics/alerts/{id}', '/api/sms/metrics/alerts/{id}/acknowledge', '/api/sms/metrics/breakdown',
      '/api/sms/metrics/daily', '/api/sms/metrics/events', '/api/sms/metrics/health', '/api/sms/metrics/latency', '/api/sms/metrics/receipts', '/api/sms/metrics/rules', '/api/sms/metrics/series',
      '/api/sms/metrics/silences', '/api/sms/metrics/silences/{id}/lift', '/api/sms/metrics/summary',
      '/api/sms/metrics/today', '/api/sms/metrics/top-users', '/api/sms/metrics/user', '/healthz', '/metrics',
      '/webhooks/telnyx', '/webhooks/twilio/status', '/webhooks/vonage/receipt']);
    expect(Object.keys(o.body.paths['/webhooks/vonage/receipt']).sort()).toEqual(['get', 'post']);
    expect(o.body.paths['/api/sms/metrics/daily'].get.parameters.map((p: { name: string; required: boolean }) => [p.name, p.required]))
      .toEqual([['start_date', true], ['end_date', false]]);
    expect(Object.keys(o.body.paths['/api/sms/metrics/alerts']).sort()).toEqual(['get', 'post']);
    const nf = await t.request('GET', '/api/sms/metrics/nope', { token: reader });
    expect([nf.status, nf.body.error.code]).toEqual([404, 'not_found']);
  });
});

describe('status codes and tokens', () => {
  it('401 for a missing, malformed, unsigned, wrongly signed, expired or role-less token', async () => {
    const path = '/api/sms/metrics/rules';
    const now = Math.floor(Date.now() / 1000);
    const key = (s: string) => new TextEncoder().encode(s);
    const unsigned = new UnsecuredJWT({ role: 'sms_monitor_admin' }).setIssuedAt().setExpirationTime('1h').encode();
    const wrongSecret = await new SignJWT({ role: 'sms_monitor_admin' }).setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt().setExpirationTime('1h').sign(key('another-secret-another-secret-another'));
    const expired = await new SignJWT({ role: 'sms_monitor_admin' }).setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(key(t.secret));
    const superuser = await new SignJWT({ role: 'postgres' }).setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt().setExpirationTime('1h').sign(key(t.secret));
    const noExp = await new SignJWT({ role: 'sms_monitor_admin' }).setProtectedHeader({ alg: 'HS256' }).sign(key(t.secret));
    const cases: Array<[string | null, string]> = [
      [null, 'token: missing (send Authorization: Bearer <token>)'],
      ['garbage', 'token: not a valid signed JWT'],
      [unsigned, 'token: must be signed with HS256'],
      [wrongSecret, 'token: bad signature'],
      [expired, 'token: expired'],
      [superuser, 'token: the role claim must be one of sms_monitor_admin, sms_monitor_reader, sms_monitor_self'],
      [noExp, 'token: has no expiry (exp)'],
    ];
    for (const [token, message] of cases) {
      const r = await t.request('GET', path, { token });
      expect([r.status, r.body.error.code, r.body.error.message], String(token)).toEqual([401, 'unauthorized', message]);
    }
    const basic = await t.request('GET', path, { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
  });

  it('400 for input the database refuses beyond 22023 (a day that does not exist)', async () => {
    const r = await t.request('GET', '/api/sms/metrics/daily?start_date=2026-02-30', { token: reader });
    expect([r.status, r.body.error.code]).toEqual([400, '22008']);
    const missing = await t.request('GET', '/api/sms/metrics/daily', { token: reader });
    expect([missing.status, missing.body.error.message]).toEqual([400, 'start_date: is required']);
    const extra = await t.request('GET', '/api/sms/metrics/daily?start_date=2026-03-01&bogus=1', { token: reader });
    expect([extra.status, extra.body.error.message]).toEqual([400, 'bogus: is not a known field']);
  });

  it('500: a request id in the body and the header, the detail only in the log', async () => {
    await t.db.sql`alter function sms_monitor.api_alert_rules() rename to api_alert_rules_moved`;
    try {
      const r = await t.request('GET', '/api/sms/metrics/rules', { token: reader });
      const id = r.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ success: false, error: { status: 500, code: 'internal', message: 'internal error', request_id: id } });
      const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === id && l.msg === 'request failed');
      expect(line.err.code).toBe('42883');
      expect(line.err.message).toMatch(/function sms_monitor\.api_alert_rules\(\) does not exist/);
    } finally {
      await t.db.sql`alter function sms_monitor.api_alert_rules_moved() rename to api_alert_rules`;
    }
  });

  it('the event stream announces an incident recorded in SQL', async () => {
    const ac = new AbortController();
    const res = await fetch(`${t.base}/api/sms/metrics/events`, { headers: { authorization: `Bearer ${reader}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader2 = res.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader2.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/event: ready/);
    const [{ id }] = await t.db.sql<[{ id: string }]>`
      select sms_monitor.record_sms_metric('2026-03-11', 10, null, 'llm_success_count', 5)::text as id`;
    expect(id).toBeDefined();
    await t.db.sql`select sms_monitor.record_sms_metric('2026-03-11', 10, null, 'template_fallback_count', 20)`;
    await t.db.sql`select * from sms_monitor.check_sms_alerts('2026-03-11T10:30:00Z')`;
    await readUntil(/event: change\ndata: \{"seq": \d+\}/);
    ac.abort();
    await waitFor(() => t.server.events.size === 0, 'the stream to be dropped');
  });

  it('the log has no token and no secret', () => {
    const all = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(20);
    for (const token of t.tokens) expect(all.includes(token)).toBe(false);
    expect(all.includes(t.secret)).toBe(false);
    expect(all).not.toMatch(/"authorization"/i);
  });
});

describe('the commands', () => {
  const cli = (args: string[], env: Record<string, string>) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });

  it('sms-monitor token prints a token the server accepts; bad arguments exit 2', async () => {
    const env = { SMS_MONITOR_JWT_SECRET: t.secret };
    const r = await cli(['token', '--role', 'self', '--user', U1, '--ttl', '1h'], env);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    const claims = decodeJwt(token);
    expect([claims.role, claims.sub, (claims.exp as number) - (claims.iat as number)]).toEqual(['sms_monitor_self', U1, 3600]);
    const mine = await t.request('GET', '/api/sms/metrics/user?days=1', { token });
    expect([mine.status, mine.body.user_id]).toEqual([200, U1]);
    const noUser = await cli(['token', '--role', 'self'], env);
    expect([noUser.code, noUser.stderr.trim()]).toEqual([2, "sms-monitor token: --user: a self token needs the user's uuid"]);
    const badRole = await cli(['token', '--role', 'root'], env);
    expect([badRole.code, badRole.stderr.trim()]).toEqual([2, 'sms-monitor token: --role: "root" is not admin, reader or self']);
    const shortSecret = await cli(['token', '--role', 'admin'], { SMS_MONITOR_JWT_SECRET: 'short' });
    expect(shortSecret.code).toBe(1);
    expect(shortSecret.stderr).toContain('SMS_MONITOR_JWT_SECRET: must be at least 32 characters (got 5)');
  });

  it('sms-monitor serve: listens on the given host and port, exits 0 on SIGTERM with a stream open', async () => {
    const p = spawn('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), 'serve', '--host', '127.0.0.1', '--port', '0'], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: t.loginUrl, SMS_MONITOR_JWT_SECRET: t.secret }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (c) => { err += c; });
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    const listening = await waitFor(() => err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
      .find((l) => l.msg === 'listening'), 'the listening line', 30_000);
    expect(listening.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ac = new AbortController();
    const res = await fetch(`${listening.address}/api/sms/metrics/events`, { headers: { authorization: `Bearer ${reader}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toContain('"msg":"stopped"');
    ac.abort();
  });
});
