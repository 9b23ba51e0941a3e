// The response schemas (client/schemas.ts) against real bodies: every API route declares one, the
// OpenAPI document carries it, the route's real answer on a seeded database validates against
// both the declared schema and the document's copy, the body is the database's text byte for byte
// (the routes send it as it is: no serializer drops or reorders a key), and every api_* function
// called directly in SQL (as the client does) answers what the same schema says.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import * as schemas from '../../client/schemas.ts';
import { startTestServer, type TestServer } from './harness.ts';

const U1 = 'e1000000-0000-0000-0000-000000000001';
let t: TestServer;
let admin: string;
let alertId: string;
let today: string;
const now = Date.now();
const ago = (s: number) => new Date(now - s * 1000).toISOString();

const strict = new Ajv({ strict: true, allErrors: true });
/** The OpenAPI 3.0 copies (nullable, example): ajv reads `nullable`; other annotations are ignored. */
const lenient = new Ajv({ strict: false, allErrors: true });
function check(validate: ValidateFunction, body: unknown, what: string): void {
  const ok = validate(body);
  expect(ok ? [] : validate.errors!.map((e) => `${what}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
}

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.token('admin');
  const sql = t.db.sql;
  today = (await sql<{ today: string }[]>`select sms_monitor.reporting_today()::text as today`)[0]!.today;
  await sql`select sms_monitor.record_sms_metric('2026-03-09', 10, null, 'sent_count', 100)`;
  await sql`select sms_monitor.record_sms_metric('2026-03-09', 10, null, 'delivered_count', 50)`;
  for (const [type, value] of [['sent_count', 30], ['delivered_count', 27], ['failed_count', 3], ['sms_cost_usd', 0.3],
    ['llm_cost_usd', 0.05], ['llm_success_count', 4]] as const) {
    await sql`select sms_monitor.record_sms_metric(${today}::date, 0, ${U1}::uuid, ${type}, ${value})`;
  }
  await sql`select sms_monitor.refresh_sms_metrics_daily()`;
  const [fired] = await sql<{ alert_id: string }[]>`
    select alert_id from sms_monitor.check_sms_alerts('2026-03-09T10:30:00Z') where action = 'fired'`;
  alertId = fired!.alert_id;
  const events = [
    { message_id: 'M1', status: 'sent', occurred_at: ago(600), carrier: 'Vodafone', user_id: U1 },
    { message_id: 'M1', status: 'delivered', occurred_at: ago(590), user_id: U1 },
    { message_id: 'M2', status: 'sent', occurred_at: ago(600), carrier: 'Vodafone', user_id: U1 },
    { message_id: 'M2', status: 'undelivered', occurred_at: ago(500), error_code: '30003', user_id: U1 },
  ];
  await sql`select sms_monitor.record_sms_message_events(${JSON.stringify(events)}::text::jsonb)`;
  await sql`select sms_monitor.record_sms_message_event('W1', 'sent', ${ago(1200)}::timestamptz, '{"carrier": "Telia", "country": "SE"}'::jsonb)`;
  await sql`select sms_monitor.rollup_sms_messages()`;
});
afterAll(async () => { await t?.close(); });

/** Every API route, in an order whose writes make the later reads non-empty, with the schema it must declare. */
const calls = (): Array<[string, string, unknown, object, number]> => [
  ['GET', '/api/sms/metrics/daily?start_date=2026-03-08&end_date=2026-03-09', undefined, schemas.DAILY_METRICS_RESPONSE, 200],
  ['GET', `/api/sms/metrics/user?user_id=${U1}&days=2`, undefined, schemas.USER_METRICS_RESPONSE, 200],
  ['GET', '/api/sms/metrics/today', undefined, schemas.TODAY_METRICS_RESPONSE, 200],
  ['GET', '/api/sms/metrics/today?live=true', undefined, schemas.TODAY_METRICS_RESPONSE, 200],
  ['GET', '/api/sms/metrics/summary', undefined, schemas.METRICS_SUMMARY_RESPONSE, 200],
  ['GET', '/api/sms/metrics/alerts', undefined, schemas.ALERTS_RESPONSE, 200],
  ['GET', `/api/sms/metrics/alerts/${alertId}`, undefined, schemas.ALERT_DETAIL_RESPONSE, 200],
  ['POST', `/api/sms/metrics/alerts/${alertId}/acknowledge`, {}, schemas.ACKNOWLEDGE_ALERT_RESPONSE, 200],
  ['POST', '/api/sms/metrics/silences', { alert_type: 'delivery_rate_critical', minutes: 5, reason: 'maintenance' }, schemas.SILENCE_RESPONSE, 201],
  ['GET', '/api/sms/metrics/silences', undefined, schemas.SILENCES_RESPONSE, 200],
  ['POST', '/api/sms/metrics/silences/1/lift', {}, schemas.SILENCE_RESPONSE, 200],
  ['GET', '/api/sms/metrics/rules', undefined, schemas.ALERT_RULES_RESPONSE, 200],
  ['GET', '/api/sms/metrics/top-users', undefined, schemas.TOP_USERS_RESPONSE, 200],
  ['GET', '/api/sms/metrics/health', undefined, schemas.HEALTH_RESPONSE, 200],
  ['GET', '/api/sms/metrics/breakdown?by=carrier', undefined, schemas.MESSAGE_BREAKDOWN_RESPONSE, 200],
  ['GET', '/api/sms/metrics/latency?by=carrier', undefined, schemas.MESSAGE_LATENCY_RESPONSE, 200],
  ['GET', '/api/sms/metrics/receipts', undefined, schemas.MESSAGE_RECEIPTS_RESPONSE, 200],
  ['GET', '/api/sms/metrics/series?minutes=15&step=5', undefined, schemas.MESSAGE_SERIES_RESPONSE, 200],
  ['POST', '/api/sms/metrics/alerts', { alert_id: alertId }, schemas.RESOLVE_ALERT_RESPONSE, 200],
  ['POST', '/api/sms/metrics/alerts', { alert_id: alertId }, schemas.RESOLVE_ALERT_RESPONSE, 200],
  ['GET', '/api/sms/metrics/alerts?type=history&start_date=2026-03-01', undefined, schemas.ALERTS_RESPONSE, 200],
];

describe('response schemas', () => {
  it('every API route declares its schema in the OpenAPI document, and its real answers validate against both', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).body;
    const apiRoutes = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, any> }>>)
      .filter(([p]) => p.startsWith('/api/sms/metrics/') && p !== '/api/sms/metrics/events')
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const called = new Set<string>();
    for (const [method, url, body, schema, status] of calls()) {
      const route = `${method} ${url.split('?')[0]!.replace(alertId, '{id}').replace(/\/silences\/1\//, '/silences/{id}/')}`;
      called.add(route);
      const res = await t.request(method, url, { token: admin, body });
      expect([route, res.status]).toEqual([route, status]);
      const path = route.split(' ')[1]!;
      const documented = doc.paths[path][method.toLowerCase()].responses[String(status)]?.content?.['application/json']?.schema;
      expect(documented, `${route} has a ${status} schema in the document`).toBeTruthy();
      check(strict.compile(schema), res.body, `${route} (declared)`);
      check(lenient.compile(documented), res.body, `${route} (OpenAPI)`);
      // The documented copy is the declared one (nullable for type: [x, 'null'], nothing dropped).
      expect(Object.keys(documented.properties).sort()).toEqual(Object.keys((schema as { properties: object }).properties).sort());
    }
    expect([...called].sort()).toEqual(apiRoutes.sort());
  });

  it('docs/http.md names the schema each route declares', () => {
    const nameOf = (schema: object) => Object.entries(schemas).find(([, v]) => v === schema)![0];
    const declared = new Map(calls().filter(([, url]) => !/breakdown|latency|receipts|series/.test(url)).map(([method, url, , schema]) =>
      [`${method} ${url.split('?')[0]!.replace(alertId, '{id}').replace(/\/silences\/1\//, '/silences/{id}/')}`, nameOf(schema)]));
    const documented = new Map([...readFileSync(path.join(repoRoot, 'docs/http.md'), 'utf8')
      .matchAll(/^\| `(GET|POST) (\/api\/sms\/metrics\/[^`?[ ]+)[^|]*\| [^|]*\| `([A-Z_]+)` \|/gm)]
      .map((m) => [`${m[1]} ${m[2]}`, m[3]!]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(declared));
  });

  it('the seeded bodies are not empty where a schema has rows to check', async () => {
    for (const url of ['/api/sms/metrics/breakdown?by=carrier', '/api/sms/metrics/latency?by=carrier', '/api/sms/metrics/receipts',
      '/api/sms/metrics/top-users', '/api/sms/metrics/silences?include_ended=true']) {
      const res = await t.request('GET', url, { token: admin });
      expect([url, res.body.data.length > 0]).toEqual([url, true]);
    }
  });

  it('a route sends the database\'s JSON text byte for byte (the response schema does not re-serialize it)', async () => {
    const sql = t.db.sql;
    const [daily] = await sql<{ body: string }[]>`select sms_monitor.api_daily_metrics('2026-03-08', '2026-03-09')::text as body`;
    const [detail] = await sql<{ body: string }[]>`select sms_monitor.api_alert_detail(${alertId}::uuid)::text as body`;
    const [rules] = await sql<{ body: string }[]>`select sms_monitor.api_alert_rules()::text as body`;
    expect((await t.request('GET', '/api/sms/metrics/daily?start_date=2026-03-08&end_date=2026-03-09', { token: admin })).text).toBe(daily!.body);
    expect((await t.request('GET', `/api/sms/metrics/alerts/${alertId}`, { token: admin })).text).toBe(detail!.body);
    expect((await t.request('GET', '/api/sms/metrics/rules', { token: admin })).text).toBe(rules!.body);
  });

  it('the api_* functions called in SQL answer what the schemas say', async () => {
    const sql = t.db.sql;
    const bodies: Array<[string, Promise<Array<{ body: unknown }>>, object]> = [
      ['api_daily_metrics', sql`select sms_monitor.api_daily_metrics('2026-03-01', '2026-03-10') as body`, schemas.DAILY_METRICS_RESPONSE],
      ['api_user_metrics', sql`select sms_monitor.api_user_metrics(${U1}::uuid, 7) as body`, schemas.USER_METRICS_RESPONSE],
      ['api_today_metrics', sql`select sms_monitor.api_today_metrics() as body`, schemas.TODAY_METRICS_RESPONSE],
      ['api_today_metrics(live)', sql`select sms_monitor.api_today_metrics(p_live => true) as body`, schemas.TODAY_METRICS_RESPONSE],
      ['api_metrics_summary', sql`select sms_monitor.api_metrics_summary() as body`, schemas.METRICS_SUMMARY_RESPONSE],
      ['api_alerts', sql`select sms_monitor.api_alerts() as body`, schemas.ALERTS_RESPONSE],
      ['api_alerts(history)', sql`select sms_monitor.api_alerts('history', 50, '2026-03-01') as body`, schemas.ALERTS_RESPONSE],
      ['api_alert_detail', sql`select sms_monitor.api_alert_detail(${alertId}::uuid) as body`, schemas.ALERT_DETAIL_RESPONSE],
      ['api_alert_rules', sql`select sms_monitor.api_alert_rules() as body`, schemas.ALERT_RULES_RESPONSE],
      ['api_top_users', sql`select sms_monitor.api_top_users(p_by => 'cost') as body`, schemas.TOP_USERS_RESPONSE],
      ['api_health', sql`select sms_monitor.api_health() as body`, schemas.HEALTH_RESPONSE],
      ['api_message_breakdown', sql`select sms_monitor.api_message_breakdown('country') as body`, schemas.MESSAGE_BREAKDOWN_RESPONSE],
      ['api_message_latency', sql`select sms_monitor.api_message_latency() as body`, schemas.MESSAGE_LATENCY_RESPONSE],
      ['api_message_receipts', sql`select sms_monitor.api_message_receipts() as body`, schemas.MESSAGE_RECEIPTS_RESPONSE],
      ['api_message_series', sql`select sms_monitor.api_message_series(60, 15, 'carrier') as body`, schemas.MESSAGE_SERIES_RESPONSE],
    ];
    for (const [name, rows, schema] of bodies) check(strict.compile(schema), (await rows)[0]!.body, name);
  });
});
