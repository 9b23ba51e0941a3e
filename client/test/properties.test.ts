// Property-based suite (fast-check) over the public SQL functions, against a real database:
// generated arguments, valid for their SQL types but anywhere in (and past) the documented
// ranges, for the record functions, the dashboards, the alert operator functions and rule updates.
// For every call:
//   - it succeeds, or fails with a documented SQLSTATE (22023 for bad arguments, P0002 for an
//     unknown id); anything else (22003, 22008, 22009, 0A000, 23514, XX000, ...) fails the test;
//   - a 22023 message names the field: "field: ...", "events[i].field: ...";
//   - a failed call changes no table (row counts and an md5 of every sms_monitor table);
//   - after a successful write, every reader still answers (refresh, check_sms_alerts without an
//     'error' row, live today figures, the summary): no accepted write can make a reader fail.
// Seeded: SMS_MONITOR_PROPERTY_SEED (default fixed, so CI is reproducible); the seed is printed,
// and fast-check prints the seed and path of a failing case. numRuns is small enough to finish in
// well under a minute on a loaded 2-core machine.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
let checksumSql = '';
let incidentIds: string[] = [];
let silenceIds: string[] = [];
const NOW = Date.now();

beforeAll(async () => {
  db = await freshDatabase();
  const tables = await db.sql<Array<{ t: string }>>`
    select quote_ident(schemaname) || '.' || quote_ident(tablename) as t from pg_tables
     where schemaname = 'sms_monitor' order by tablename`;
  checksumSql = `select md5(${tables.map(({ t }) =>
    `(select '${t}:' || count(*) || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') from ${t} x)`).join(" || ',' || ")}) as sum`;
  // Some state for the operator functions: an open incident (50 % delivery now) and a silence.
  await db.sql`select sms_monitor.record_sms_event('sent_count', null, 100, now() - interval '1 minute')`;
  await db.sql`select sms_monitor.record_sms_event('delivered_count', null, 50, now() - interval '1 minute')`;
  await db.sql`select * from sms_monitor.check_sms_alerts()`;
  incidentIds = (await db.sql<Array<{ id: string }>>`select id from sms_monitor.sms_alert_history`).map((r) => r.id);
  const [s] = await db.sql<Array<{ id: string }>>`select id::text from sms_monitor.silence_sms_alerts(null, now() + interval '1 hour', 'property suite')`;
  silenceIds = [s!.id];
}, 120_000);
afterAll(async () => { await db?.drop(); });

const TYPES = ['scheduled_count', 'sent_count', 'delivered_count', 'failed_count', 'cancelled_count', 'llm_success_count',
  'template_fallback_count', 'opt_out_count', 'quiet_hours_skip_count', 'daily_limit_hit_count', 'llm_cost_usd',
  'sms_cost_usd', 'avg_delivery_time_ms', 'avg_generation_time_ms', 'delivery_success_rate'];

const iso = (ms: number) => new Date(ms).toISOString();
/** timestamptz literals: around now (both sides of every bound), the extremes, and anything 1900-2300. */
const arbTime = fc.oneof(
  fc.constant(null),
  fc.constantFrom('infinity', '-infinity', '4713-01-01 00:00:00+00 BC', '294276-12-31 00:00:00+00', '1999-12-31T23:59:59Z',
    '2000-01-01T00:00:00Z', '2199-12-31T23:59:59Z', '2200-01-01T00:00:00Z', '2100-01-01T00:00:00Z'),
  fc.integer({ min: -420 * 24 * 60, max: 24 * 60 }).map((min) => iso(NOW + min * 60_000)),
  fc.integer({ min: -600, max: 600 }).map((s) => iso(NOW + s * 1000)),
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2300-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
);
const arbDate = fc.oneof(
  fc.constant(null),
  fc.constantFrom('infinity', '-infinity', '4713-01-01 BC', '5874897-12-31', '1999-12-31', '2000-01-01', '2199-12-31', '2200-01-01'),
  fc.integer({ min: -420, max: 3 }).map((d) => iso(NOW + d * 86_400_000).slice(0, 10)),
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2300-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
const arbNumeric = fc.oneof(
  fc.constant(null),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '-1', '0', '1', '1e12', '1000000000000.5', '999999999999999',
    `0.${'1'.repeat(300)}`, '9'.repeat(500), '0.000000000000000000001', '1e-30'),
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }).map(String),
);
const arbUuid = fc.oneof(fc.constant(null), fc.uuid(), fc.constantFrom('d0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000002'));
const arbText = fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }),
  fc.constantFrom('auto', 'AUTO ', 'rule disabled', ' ', '', 'x'.repeat(201), 'y'.repeat(2001), 'ops'));
const arbInt = fc.oneof(fc.constant(null), fc.integer({ min: -10, max: 400 }), fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }));
const arbMetadata = fc.oneof(fc.constant(null), fc.constantFrom('{}', '{"a": 1}', '[1]', '"s"', 'null', JSON.stringify({ big: 'z'.repeat(5000) })));
const arbBool = fc.oneof(fc.constant(null), fc.boolean());

/** One element of a batch: sometimes well-formed, sometimes any JSON. */
const arbElement = fc.oneof(
  fc.record({
    metric_type: fc.oneof(fc.constantFrom(...TYPES, 'nope'), fc.constant(7)),
    user_id: fc.oneof(arbUuid, fc.constant('bob')),
    value: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0.5, 1e12, 1e12 + 1, 999999999999999, 1e300), fc.constant('3')),
    occurred_at: fc.oneof(arbTime, fc.constantFrom('2026-12-01T10:00:00+16:00', '2026-12-01T10:00:00', 'soon',
      '2026-02-30T10:00:00Z', `${iso(NOW - 60_000).slice(0, 19)}+1x:00`)),
    metadata: fc.oneof(fc.constant(undefined), fc.constant({ k: 1 }), fc.constant([1])),
  }, { requiredKeys: ['metric_type'] }),
  fc.jsonValue({ maxDepth: 1 }),
);
const arbBatchId = fc.oneof(fc.constant(null), fc.constantFrom('b0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000002'), fc.uuid());

interface Call { name: string; text: string; params: Array<string | null>; writes: boolean; codes: string[] }
// Every parameter travels as text and is cast by the server (postgres.js would otherwise serialize
// a timestamptz parameter through a JS Date, and 'infinity' would fail in the driver, not in SQL).
const call = (name: string, text: string, params: Array<string | null>, writes: boolean, codes = ['22023']): Call =>
  ({ name, text: text.replace(/\$(\d+)::(?!text\b)/g, '$$$1::text::'), params, writes, codes });

// Arguments inside every bound, mixed in so each function is seen succeeding too.
const COUNTERS = TYPES.slice(0, 10);
const arbRecentIso = fc.integer({ min: 0, max: 48 * 3600 }).map((s) => iso(NOW - s * 1000));
const arbRecentBucket = fc.integer({ min: 0, max: 48 }).map((h) => {
  const d = new Date(NOW - h * 3_600_000);
  return [d.toISOString().slice(0, 10), String(d.getUTCHours())] as const;
});
const arbGoodValue = fc.integer({ min: 0, max: 1000 }).map(String);
const validCalls: Array<fc.Arbitrary<Call>> = [
  fc.tuple(fc.constantFrom(...COUNTERS), arbUuid, arbGoodValue, arbRecentIso).map((a) =>
    call('record_sms_event', 'select sms_monitor.record_sms_event($1::text, $2::uuid, $3::numeric, $4::timestamptz)', a, true)),
  fc.tuple(arbRecentBucket, arbUuid, fc.constantFrom(...COUNTERS), arbGoodValue).map(([[d, h], u, t, v]) =>
    call('record_sms_metric', 'select sms_monitor.record_sms_metric($1::date, $2::integer, $3::uuid, $4::text, $5::numeric)', [d, h, u, t, v], true)),
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.boolean()).map(([days, open]) =>
    call('api_daily_metrics', 'select sms_monitor.api_daily_metrics($1::date, $2::date)',
      [iso(NOW - days * 86_400_000).slice(0, 10), open ? null : iso(NOW).slice(0, 10)], false)),
];

const arbCall: fc.Arbitrary<Call> = fc.oneof(
  ...validCalls.map((arbitrary) => ({ arbitrary, weight: 3 })),
  fc.tuple(fc.oneof(fc.constantFrom(...TYPES), arbText), arbUuid, arbNumeric, arbTime, arbMetadata).map((a) =>
    call('record_sms_event', 'select sms_monitor.record_sms_event($1::text, $2::uuid, $3::numeric, coalesce($4::timestamptz, now()), $5::jsonb)', a, true)),
  fc.tuple(arbDate, arbInt, arbUuid, fc.oneof(fc.constantFrom(...TYPES), arbText), arbNumeric, arbMetadata).map((a) =>
    call('record_sms_metric', 'select sms_monitor.record_sms_metric($1::date, $2::integer, $3::uuid, $4::text, $5::numeric, coalesce($6::jsonb, \'{}\'))',
      a.map((v) => (v === null ? null : String(v))), true)),
  fc.tuple(fc.oneof(fc.array(arbElement, { maxLength: 6 }).map((x) => JSON.stringify(x)), fc.constantFrom('{}', '3', 'null')), arbBatchId)
    .map((a) => call('record_sms_events', 'select sms_monitor.record_sms_events($1::jsonb, $2::uuid)', a, true)),
  fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.constantFrom('sent_count', 'delivered_count', 'sms_cost_usd'), fc.constantFrom('1', '999999999999', '1000000000000'))
    .map(([n, t, v]) => call('record_sms_events (bulk)',
      `select sms_monitor.record_sms_events((select jsonb_agg(jsonb_build_object('metric_type', $1::text, 'value', $2::numeric)) from generate_series(1, ${n})))`,
      [t, v], true)),
  fc.tuple(arbDate, arbDate).map((a) => call('api_daily_metrics', 'select sms_monitor.api_daily_metrics($1::date, $2::date)', a, false)),
  fc.tuple(arbUuid, arbInt, arbTime).map((a) =>
    call('api_user_metrics', 'select sms_monitor.api_user_metrics($1::uuid, coalesce($2::integer, 30), coalesce($3::timestamptz, now()))',
      a.map((v) => (v === null ? null : String(v))), false)),
  fc.tuple(arbUuid, arbInt, arbTime).map((a) =>
    call('get_user_sms_metrics', 'select * from sms_monitor.get_user_sms_metrics($1::uuid, $2::integer, coalesce($3::timestamptz, now()))',
      a.map((v) => (v === null ? null : String(v))), false)),
  fc.tuple(arbTime, arbBool).map((a) => call('api_today_metrics', 'select sms_monitor.api_today_metrics(coalesce($1::timestamptz, now()), $2::boolean)',
    a.map((v) => (v === null ? null : String(v))), false)),
  fc.tuple(arbTime, arbBool).map((a) => call('api_metrics_summary', 'select sms_monitor.api_metrics_summary(coalesce($1::timestamptz, now()), $2::boolean)',
    a.map((v) => (v === null ? null : String(v))), false)),
  fc.tuple(fc.oneof(fc.constantFrom('unresolved', 'history'), arbText), arbInt, arbDate, arbDate).map((a) =>
    call('api_alerts', 'select sms_monitor.api_alerts($1::text, $2::integer, $3::date, $4::date)', a.map((v) => (v === null ? null : String(v))), false)),
  arbTime.map((t) => call('check_sms_alerts', 'select * from sms_monitor.check_sms_alerts(coalesce($1::timestamptz, now()))', [t], true)),
  arbTime.map((t) => call('preview_sms_alerts', 'select * from sms_monitor.preview_sms_alerts($1::timestamptz)', [t], false)),
  fc.tuple(fc.oneof(fc.constant('existing'), arbUuid), arbText, arbTime).map(([id, by, t]) =>
    call('resolve_sms_alert', 'select sms_monitor.resolve_sms_alert($1::uuid, $2::text, coalesce($3::timestamptz, now()))',
      [id === 'existing' ? incidentIds[0] ?? null : id, by, t], true, ['22023', 'P0002'])),
  fc.tuple(fc.oneof(fc.constant('existing'), arbUuid), arbText, arbTime).map(([id, by, t]) =>
    call('acknowledge_sms_alert', 'select sms_monitor.acknowledge_sms_alert($1::uuid, $2::text, coalesce($3::timestamptz, now()))',
      [id === 'existing' ? incidentIds[0] ?? null : id, by, t], true, ['22023', 'P0002'])),
  fc.tuple(fc.oneof(fc.constantFrom('delivery_rate_critical', 'nope'), fc.constant(null)), arbTime, arbText, arbTime).map((a) =>
    call('silence_sms_alerts', 'select sms_monitor.silence_sms_alerts($1::text, $2::timestamptz, $3::text, $4::timestamptz)', a, true)),
  fc.tuple(arbBool, arbTime).map((a) => call('list_sms_alert_silences', 'select * from sms_monitor.list_sms_alert_silences(coalesce($1::boolean, false), $2::timestamptz)',
    a.map((v) => (v === null ? null : String(v))), false)),
  fc.tuple(fc.oneof(fc.constant('existing'), fc.constant(null), fc.integer({ min: -5, max: 1_000_000 }).map(String)), arbTime).map(([id, t]) =>
    call('lift_sms_alert_silence', 'select sms_monitor.lift_sms_alert_silence($1::bigint, $2::timestamptz)',
      [id === 'existing' ? silenceIds[0] ?? null : id, t], true, ['22023', 'P0002'])),
  fc.oneof(
    fc.tuple(fc.constantFrom('threshold_value', 'recovery_value'), arbNumeric).map(([c, v]) => [c, 'numeric', v] as const),
    fc.tuple(fc.constantFrom('window_minutes', 'min_sample', 'pending_minutes', 'cooldown_minutes'), arbInt)
      .map(([c, v]) => [c, 'integer', v === null ? null : String(v)] as const),
    fc.tuple(fc.constantFrom('severity', 'comparison', 'metric', 'description'), arbText).map(([c, v]) => [c, 'text', v] as const),
    fc.tuple(fc.constant('notification_channels'), fc.constantFrom('{slack}', '{{slack},{log}}', '{}', '{slack,slack}', '{nope}', '{NULL}', null))
      .map(([c, v]) => [c, 'text[]', v] as const),
  ).map(([col, type, v]) => call(`update sms_alert_thresholds.${col}`,
    `update sms_monitor.sms_alert_thresholds set ${col} = $1::${type} where alert_type = 'opt_out_rate_warning'`, [v], true)),
);

const NAMES_A_FIELD = /^(events(\[\d+\])?(\.[a-z_()]+)?|[a-z_]+): \S/;

async function checksum(): Promise<string> {
  const [r] = await db.sql.unsafe<Array<{ sum: string }>>(checksumSql);
  return r!.sum;
}

describe('property: every public function, generated arguments', () => {
  it('documented SQLSTATEs only, 22023 names a field, a failure changes nothing, readers never fail', async () => {
    const seed = Number(process.env.SMS_MONITOR_PROPERTY_SEED ?? 1010);
    const numRuns = Number(process.env.SMS_MONITOR_PROPERTY_RUNS ?? 300);
    console.log(`properties: seed ${seed}, ${numRuns} runs (replay with SMS_MONITOR_PROPERTY_SEED=${seed})`);
    const seen: Record<string, Record<string, number>> = {};
    await fc.assert(fc.asyncProperty(arbCall, async (c) => {
      const before = await checksum();
      let code = 'ok';
      let message = '';
      try {
        await db.sql.unsafe(c.text, c.params);
      } catch (e) {
        code = (e as { code?: string }).code ?? 'no code';
        message = (e as Error).message;
      }
      (seen[c.name] ??= {})[code] = ((seen[c.name] ?? {})[code] ?? 0) + 1;
      const where = `${c.name}(${JSON.stringify(c.params).slice(0, 300)}) -> ${code} ${message.slice(0, 300)}`;
      if (code !== 'ok') {
        expect(c.codes, `undocumented SQLSTATE: ${where}`).toContain(code);
        if (code === '22023') expect(message, `22023 without a field: ${where}`).toMatch(NAMES_A_FIELD);
        expect(await checksum(), `a failed call changed a table: ${where}`).toBe(before);
      } else if (c.writes) {
        // an accepted write: every reader still answers
        await db.sql`select sms_monitor.refresh_sms_metrics_daily()`;
        const errors = await db.sql<Array<{ alert_type: string; detail: string }>>`
          select alert_type, detail from sms_monitor.preview_sms_alerts() where action = 'error'`;
        expect(errors, `a rule fails after ${where}`).toEqual([]);
        await db.sql`select sms_monitor.api_today_metrics(now(), true), sms_monitor.api_metrics_summary(now(), true)`;
        await db.sql`select sms_monitor.api_daily_metrics(current_date - 30, current_date)`;
      }
    }), { seed, numRuns, endOnFailure: true });
    console.log(`properties: outcomes per function ${JSON.stringify(seen)}`);
    // the generators reach both sides: every function succeeded at least once and was refused at least once
    for (const name of ['record_sms_event', 'record_sms_metric', 'record_sms_events', 'api_daily_metrics', 'check_sms_alerts']) {
      expect(Object.keys(seen[name] ?? {}), name).toContain('ok');
      expect(Object.keys(seen[name] ?? {}), name).toContain('22023');
    }
  }, 240_000);
});
