// The API routes under /api/sms/metrics/: each is one call of a public sms_monitor function
// (calls.ts: named arguments checked against the generated signatures, the envelope built there)
// run as the token's role. Query strings are read
// leniently (text to integer/boolean); bodies strictly (validation.ts): the same rules as the SQL
// functions, refused with 400 naming the field before anything is written. Audit columns
// (resolved_by, acknowledged_by, created_by, lifted_by) record the token's subject (auditSubject).
// A POST with an Idempotency-Key header runs at most once per key and token subject within 24
// hours: a retry gets the first reply (header idempotent-replayed: true) from the database.
// Each route declares its response schema (client/schemas.ts), which the OpenAPI document carries;
// the body is sent as the database's JSON text, which fastify passes through as it is (no serializer
// drops or reorders a key: server/test/response-schemas.test.ts).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Claims, tokenKey } from './auth.ts';
import { asRole, ClientGone, jsonBody, type Pool } from './db.ts';
import { callBody } from './calls.ts';
import { UUID_PATTERN } from '../client/validate.ts';
import {
  ACKNOWLEDGE_ALERT_RESPONSE, ALERT_DETAIL_RESPONSE, ALERT_RULES_RESPONSE, ALERTS_RESPONSE, DAILY_METRICS_RESPONSE,
  HEALTH_RESPONSE, METRICS_SUMMARY_RESPONSE, RESOLVE_ALERT_RESPONSE, SILENCE_RESPONSE, SILENCES_RESPONSE,
  TODAY_METRICS_RESPONSE, TOP_USERS_RESPONSE, USER_METRICS_RESPONSE,
} from '../client/schemas.ts';
import { HttpError } from './errors.ts';
import type { Limits } from './limits.ts';

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (a reporting day)' } as const;
const UUID = { type: 'string', pattern: UUID_PATTERN } as const;
/** ISO 8601 with an explicit offset (Z, +hh, +hhmm, +hh:mm), as _looks_like_iso_time_with_offset. */
const ISO_WITH_OFFSET = {
  type: 'string', maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?([Zz]|[+-]\\d{2}(:?\\d{2})?)$',
  description: 'ISO 8601 with an offset, e.g. 2026-12-04T18:00:00Z',
} as const;
const INT = (description: string) => ({ type: 'integer', minimum: -2147483648, maximum: 2147483647, description }) as const;
const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: UUID }, additionalProperties: false } as const;
const IDEMPOTENCY_HEADERS = { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200,
  description: 'a retried POST with the same key (and token subject) within 24 h gets the first reply and acts once' } } } as const;
export const SECURITY = [{ bearer: [] }];

/** Requests of one token that may wait for one of its concurrentPerToken slots. */
export const PER_TOKEN_QUEUE = 16;

/** live=true aggregates raw rows: at most this many days (the 5-minute views serve longer ranges). */
export const MAX_LIVE_DAYS = 7;

type Q = Record<string, string | number | boolean | null | undefined>;

export interface RouteContext {
  pool: Pool;
  claimsOf: (request: FastifyRequest) => Promise<Claims>;
  limits: Limits;
}

/** Who a write is recorded as: the token's subject, else its role (never the server's login). */
export function auditSubject(claims: Claims): string {
  return claims.sub ?? claims.role;
}

/** Declares one API route whose answer is one SQL function call (see registerApiRoutes). */
export type SqlRoute = (method: 'GET' | 'POST', url: string, schema: Record<string, unknown>,
  build: (input: { q: Q; body: Q; params: Q; claims: Claims }) => [string, unknown[]], status?: number) => void;

export function registerApiRoutes(app: FastifyInstance, ctx: RouteContext): SqlRoute {
  /**
   * API requests per token: at most concurrentPerToken run at a time (one token cannot hold the
   * whole pool) and at most PER_TOKEN_QUEUE more wait for their turn, without a connection (the
   * page sends six reads at once); past that 429. A waiting request whose client leaves is dropped.
   */
  const tokens = new Map<string, { running: number; waiting: Array<() => void> }>();
  async function bounded<T>(request: FastifyRequest, body: () => Promise<T>): Promise<T> {
    const key = tokenKey(request.headers.authorization);
    let slot = tokens.get(key);
    if (!slot) tokens.set(key, slot = { running: 0, waiting: [] });
    const s = slot;
    if (s.running >= ctx.limits.concurrentPerToken) {
      if (s.waiting.length >= PER_TOKEN_QUEUE) {
        throw new HttpError(429, 'too_many_requests', `concurrency: at most ${ctx.limits.concurrentPerToken} requests `
          + `at a time per token and ${PER_TOKEN_QUEUE} waiting; retry when one has answered`, 1);
      }
      await new Promise<void>((resolve, reject) => {
        const go = () => { request.gone.removeEventListener('abort', leave); resolve(); };
        const leave = () => { s.waiting.splice(s.waiting.indexOf(go), 1); reject(new ClientGone()); };
        s.waiting.push(go);
        request.gone.addEventListener('abort', leave, { once: true });
      });
    } else {
      s.running += 1;
    }
    try {
      return await body();
    } finally {
      const next = s.waiting.shift();
      if (next) next(); // the slot passes on: running stays the same
      else if ((s.running -= 1) === 0) tokens.delete(key);
    }
  }


  /** A route whose answer is the JSON text of one SQL statement run as the token's role. */
  function sqlRoute(method: 'GET' | 'POST', url: string, schema: Record<string, unknown>,
    build: (input: { q: Q; body: Q; params: Q; claims: Claims }) => [string, unknown[]], status = 200): void {
    app.route({
      method, url, schema: { security: SECURITY, ...(method === 'POST' ? { headers: IDEMPOTENCY_HEADERS } : {}), ...schema },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const claims = await ctx.claimsOf(request);
        const [query, params] = build({
          q: (request.query ?? {}) as Q, body: (request.body ?? {}) as Q, params: (request.params ?? {}) as Q, claims,
        });
        const options = { statementTimeoutMs: ctx.limits.statementTimeoutMs, signal: request.gone };
        const key = method === 'POST' ? request.headers['idempotency-key'] : undefined;
        if (typeof key !== 'string') {
          const text = await bounded(request, () => jsonBody(ctx.pool, claims, options, query, params));
          return reply.status(status).type('application/json; charset=utf-8').send(text);
        }
        const hash = createHash('sha256').update(`${method} ${request.url}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
        const out = await bounded(request, () => asRole(ctx.pool, claims, options, async (tx, track) => {
          const [prior] = await track(tx`select status, body from sms_monitor._idempotency_claim(${key}, ${hash})`);
          if (prior) return { status: Number(prior.status), text: String(prior.body), replayed: true };
          const rows = await track(tx.unsafe(query, params as never[]));
          const text = String(rows[0]?.body);
          await track(tx`select sms_monitor._idempotency_store(${key}, ${hash}, ${status}, ${text})`);
          return { status, text, replayed: false };
        }));
        return reply.status(out.status).header('idempotent-replayed', String(out.replayed))
          .type('application/json; charset=utf-8').send(out.text);
      },
    });
  }

  sqlRoute('GET', '/api/sms/metrics/daily', { response: { 200: DAILY_METRICS_RESPONSE },
    tags: ['metrics'], summary: 'Daily figures, every day of the range (quiet days: zeros, null rates)',
    querystring: { type: 'object', required: ['start_date'], additionalProperties: false,
      properties: { start_date: DATE, end_date: { ...DATE, description: 'default today; at most 366 days' } } },
  }, ({ q }) => callBody('api_daily_metrics', { p_start_date: q.start_date, p_end_date: q.end_date }));

  sqlRoute('GET', '/api/sms/metrics/user', { response: { 200: USER_METRICS_RESPONSE },
    tags: ['metrics'], summary: "One user's daily figures and summary (a self token: only its own sub)",
    querystring: { type: 'object', additionalProperties: false,
      properties: { user_id: { ...UUID, description: 'default: the token\'s sub' }, days: INT('1-365, default 30') } },
  }, ({ q }) => callBody('api_user_metrics', { p_user_id: q.user_id, p_days: q.days }));

  sqlRoute('GET', '/api/sms/metrics/today', { response: { 200: TODAY_METRICS_RESPONSE },
    tags: ['metrics'], summary: "Today's figures and health flags",
    querystring: { type: 'object', additionalProperties: false,
      properties: { live: { type: 'boolean', description: 'aggregate sms_metrics instead of the 5-minute view' } } },
  }, ({ q }) => callBody('api_today_metrics', { p_live: q.live }));

  sqlRoute('GET', '/api/sms/metrics/summary', { response: { 200: METRICS_SUMMARY_RESPONSE },
    tags: ['metrics'], summary: 'Today, the last 7 days, open alerts and status',
    querystring: { type: 'object', additionalProperties: false, properties: { live: { type: 'boolean' } } },
  }, ({ q }) => callBody('api_metrics_summary', { p_live: q.live }));

  sqlRoute('GET', '/api/sms/metrics/alerts', { response: { 200: ALERTS_RESPONSE },
    tags: ['alerts'], summary: 'Open incidents (default) or the history of a date range',
    querystring: { type: 'object', additionalProperties: false, properties: {
      type: { type: 'string', enum: ['unresolved', 'history'] }, limit: INT('1-200, default 50'),
      start_date: DATE, end_date: DATE } },
  }, ({ q }) => callBody('api_alerts', { p_type: q.type, p_limit: q.limit, p_start_date: q.start_date, p_end_date: q.end_date }));

  sqlRoute('POST', '/api/sms/metrics/alerts', { response: { 200: RESOLVE_ALERT_RESPONSE },
    tags: ['alerts'], summary: 'Resolve an incident by hand; admin. resolved_by is the token\'s subject',
    body: { type: 'object', required: ['alert_id'], additionalProperties: false, properties: { alert_id: UUID } },
  }, ({ body, claims }) => callBody('api_resolve_alert', { p_alert_id: body.alert_id, p_resolved_by: auditSubject(claims) }));

  sqlRoute('GET', '/api/sms/metrics/alerts/:id', { response: { 200: ALERT_DETAIL_RESPONSE },
    tags: ['alerts'], summary: 'One incident with its notifications per channel (status, attempts, last error)',
    params: ID_PARAMS,
  }, ({ params }) => callBody('api_alert_detail', { p_alert_id: params.id }));

  sqlRoute('POST', '/api/sms/metrics/alerts/:id/acknowledge', { response: { 200: ACKNOWLEDGE_ALERT_RESPONSE },
    tags: ['alerts'], summary: 'Acknowledge an open incident (no more repeats); admin. acknowledged_by is the token\'s subject',
    params: ID_PARAMS,
    body: { type: ['object', 'null'], additionalProperties: false, properties: {} },
  }, ({ params, claims }) => callBody('acknowledge_sms_alert', { p_alert_id: params.id, p_by: auditSubject(claims) }));

  sqlRoute('GET', '/api/sms/metrics/silences', { response: { 200: SILENCES_RESPONSE },
    tags: ['silences'], summary: 'Active and upcoming silences (all of them with include_ended)',
    querystring: { type: 'object', additionalProperties: false, properties: { include_ended: { type: 'boolean' } } },
  }, ({ q }) => callBody('list_sms_alert_silences', { p_include_ended: q.include_ended }));

  sqlRoute('POST', '/api/sms/metrics/silences', { response: { 201: SILENCE_RESPONSE },
    tags: ['silences'], summary: 'Silence one rule (or every rule: alert_type null) for some minutes or until a time; admin',
    body: { type: 'object', required: ['reason'], additionalProperties: false, properties: {
      alert_type: { type: ['string', 'null'], minLength: 1, maxLength: 63, description: 'a rule\'s alert_type; null or absent: every rule' },
      group_value: { type: 'string', minLength: 1, maxLength: 200,
        description: 'one value of a per-dimension rule (a carrier\'s name): only its incidents are silenced' },
      minutes: { type: 'integer', minimum: 1, maximum: 129600, description: 'how long (give minutes or until, not both)' },
      until: ISO_WITH_OFFSET,
      reason: { type: 'string', minLength: 1, maxLength: 500 } } },
  }, ({ body }) => {
    if ((body.minutes === undefined) === (body.until === undefined)) {
      throw new HttpError(400, '22023', 'until: give either minutes or until (ISO 8601 with an offset), not both or neither');
    }
    // minutes: from now on this server's clock, start and end both (so ends_at - starts_at is exact).
    const now = Date.now();
    const minutes = body.minutes as number | undefined;
    return callBody('silence_sms_alerts', {
      p_alert_type: body.alert_type ?? null, p_reason: body.reason, p_group_value: body.group_value ?? null,
      ...(minutes === undefined ? { p_until: body.until }
        : { p_starts_at: new Date(now).toISOString(), p_until: new Date(now + minutes * 60_000).toISOString() }),
    });
  }, 201);

  sqlRoute('POST', '/api/sms/metrics/silences/:id/lift', { response: { 200: SILENCE_RESPONSE },
    tags: ['silences'], summary: 'Lift a silence now; admin',
    params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } } },
    body: { type: ['object', 'null'], additionalProperties: false, properties: {} },
  }, ({ params }) => callBody('lift_sms_alert_silence', { p_silence_id: params.id }));

  sqlRoute('GET', '/api/sms/metrics/rules', { response: { 200: ALERT_RULES_RESPONSE },
    tags: ['alerts'], summary: 'Every alert rule with what its last check did',
  }, () => callBody('api_alert_rules', {}));

  sqlRoute('GET', '/api/sms/metrics/top-users', { response: { 200: TOP_USERS_RESPONSE },
    tags: ['metrics'], summary: 'Users ranked by sent volume, cost or failures over the last days',
    querystring: { type: 'object', additionalProperties: false, properties: {
      days: INT(`1-365, default 7; at most ${MAX_LIVE_DAYS} with live=true`), by: { type: 'string', enum: ['sent', 'cost', 'failures'] },
      limit: INT('1-100, default 10'),
      live: { type: 'boolean', description: 'aggregate sms_metrics instead of the 5-minute per-user view' } } },
  }, ({ q }) => {
    if (q.live === true && typeof q.days === 'number' && q.days > MAX_LIVE_DAYS) {
      throw new HttpError(400, '22023', `days: at most ${MAX_LIVE_DAYS} with live=true (${q.days} asked; without live the 5-minute view serves up to 365)`);
    }
    return callBody('api_top_users', { p_days: q.days, p_by: q.by, p_limit: q.limit, p_live: q.live });
  });

  sqlRoute('GET', '/api/sms/metrics/health', { response: { 200: HEALTH_RESPONSE },
    tags: ['metrics'], summary: 'Health from the open incidents and the rules\' own windows, naming the driving rule',
  }, () => callBody('api_health', {}));
  return sqlRoute;
}
