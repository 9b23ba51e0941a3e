// The sms-monitor HTTP server (fastify): the original's six endpoints under /api/sms/metrics/ plus
// acknowledge, incident detail, silences, rules, top users, health and a live event stream, the
// dashboard page at /, GET /healthz, GET /metrics (Prometheus) and GET /api/openapi.json generated
// from the route schemas. Every answer is a body the database builds (the api_* functions); the
// server authenticates the bearer token, switches to its role per request (db.ts) and maps
// SQLSTATEs to statuses (errors.ts). No logic of its own.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type pino from 'pino';
import { repoRoot } from '../client/paths.ts';
import { AuthError, bearerToken, type Claims, verifyToken } from './auth.ts';
import { createPool, jsonBody, type Pool } from './db.ts';
import { classify, envelope, HttpError } from './errors.ts';
import { EventHub } from './events.ts';
import { registerMessageRoutes } from './messages/routes.ts';
import { registerWebhooks, type WebhookConfig, webhookConfigFromEnv } from './webhooks/index.ts';

export interface ServerOptions {
  /** A LOGIN role that is a member of sms_monitor_authenticator. */
  databaseUrl: string;
  jwtSecret: string;
  logger: pino.Logger;
  /** Connections in the request pool (default 10). */
  poolSize?: number;
  /** Keep-alive comment on the event stream every so often (default 15 s). */
  heartbeatMs?: number;
  /** Provider webhook settings (default: from the environment, server/webhooks/config.ts). */
  webhooks?: WebhookConfig;
}

export interface SmsMonitorServer {
  app: FastifyInstance;
  pool: Pool;
  events: EventHub;
}

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (a reporting day)' } as const;
const UUID = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
const INT = (description: string) => ({ type: 'integer', minimum: -2147483648, maximum: 2147483647, description }) as const;
const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: UUID }, additionalProperties: false } as const;
const SECURITY = [{ bearer: [] }];

type Q = Record<string, string | number | boolean | null | undefined>;

/** The page's files and the chart library, served as they are: there is no build step. */
const pageRoot = path.join(repoRoot, 'server', 'page');
const uplotRoot = path.dirname(createRequire(import.meta.url).resolve('uplot'));

export async function buildServer(options: ServerOptions): Promise<SmsMonitorServer> {
  const pool = createPool(options.databaseUrl, options.poolSize ?? 10);
  const events = new EventHub(pool, options.logger, options.heartbeatMs ?? 15_000);
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 16 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    schemaErrorFormatter: (errors, dataVar) => {
      const e = errors[0]!;
      const missing = (e.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (e.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const field = missing ?? extra ?? (e.instancePath.replace(/^\//, '').replace(/\//g, '.') || dataVar);
      const what = extra ? 'is not a known field' : missing ? 'is required' : e.message ?? 'is invalid';
      return new Error(`${field}: ${what}`);
    },
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sms-monitor HTTP API',
        version: '1.0.0',
        description: 'Metrics, alerts and notifications of an SMS pipeline. Bodies are built by the database '
          + '(the sms_monitor.api_* functions). Bearer tokens: HS256 JWTs whose role claim is sms_monitor_admin, '
          + 'sms_monitor_reader or sms_monitor_self (with sub = the user uuid). Errors: {success: false, error: '
          + '{status, code, message, request_id}}; 400 bad input (SQLSTATE 22023), 401 token, 403 (42501), 404 (P0002), 500.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    if (request.url.startsWith('/api/') || request.url === '/metrics') reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    const c = classify(error);
    if (c.internal) {
      const e = error as { message?: string; code?: string; detail?: string };
      request.log.error({ err: { message: e.message, code: e.code, detail: e.detail } }, 'request failed');
    } else if (c.status === 401) {
      request.log.info({ reason: c.message }, 'unauthorized');
    }
    void reply.status(c.status).type('application/json; charset=utf-8').send(envelope(c.status, c.code, c.message, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(envelope(404, 'not_found', `route: ${request.method} ${request.url.split('?')[0]} does not exist`, request.id));
  });

  /** The verified claims of the request's bearer token (401 otherwise). */
  async function claimsOf(request: FastifyRequest): Promise<Claims> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new HttpError(401, 'unauthorized', 'token: missing (send Authorization: Bearer <token>)');
    try {
      return await verifyToken(options.jwtSecret, token);
    } catch (error) {
      if (error instanceof AuthError) throw new HttpError(401, 'unauthorized', error.message);
      throw error;
    }
  }

  /** A route whose answer is the JSON text of one SQL statement run as the token's role. */
  function sqlRoute(method: 'GET' | 'POST', url: string, schema: Record<string, unknown>,
    build: (input: { q: Q; body: Q; params: Q; claims: Claims }) => [string, unknown[]], status = 200): void {
    app.route({
      method, url, schema: { security: SECURITY, ...schema },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const claims = await claimsOf(request);
        const [query, params] = build({
          q: (request.query ?? {}) as Q, body: (request.body ?? {}) as Q, params: (request.params ?? {}) as Q, claims,
        });
        const text = await jsonBody(pool, claims, query, params);
        return reply.status(status).type('application/json; charset=utf-8').send(text);
      },
    });
  }
  const v = (x: unknown) => (x === undefined || x === '' ? null : x);
  const who = (body: Q, key: string, claims: Claims) => v(body[key]) ?? claims.sub ?? null;

  // ---- the original's six endpoints ------------------------------------------------------------
  sqlRoute('GET', '/api/sms/metrics/daily', {
    tags: ['metrics'], summary: 'Daily figures, every day of the range (quiet days: zeros, null rates)',
    querystring: { type: 'object', required: ['start_date'], additionalProperties: false,
      properties: { start_date: DATE, end_date: { ...DATE, description: 'default today; at most 366 days' } } },
  }, ({ q }) => ['select sms_monitor.api_daily_metrics($1::text::date, $2::text::date)::text as body', [v(q.start_date), v(q.end_date)]]);

  sqlRoute('GET', '/api/sms/metrics/user', {
    tags: ['metrics'], summary: "One user's daily figures and summary (a self token: only its own sub)",
    querystring: { type: 'object', additionalProperties: false,
      properties: { user_id: { ...UUID, description: 'default: the token\'s sub' }, days: INT('1-365, default 30') } },
  }, ({ q }) => ['select sms_monitor.api_user_metrics($1::uuid, coalesce($2::integer, 30))::text as body', [v(q.user_id), v(q.days)]]);

  sqlRoute('GET', '/api/sms/metrics/today', {
    tags: ['metrics'], summary: "Today's figures and the original's health flags",
    querystring: { type: 'object', additionalProperties: false,
      properties: { live: { type: 'boolean', description: 'aggregate sms_metrics instead of the 5-minute view' } } },
  }, ({ q }) => ['select sms_monitor.api_today_metrics(now(), $1::boolean)::text as body', [q.live === true]]);

  sqlRoute('GET', '/api/sms/metrics/summary', {
    tags: ['metrics'], summary: 'Today, the last 7 days, open alerts and status',
    querystring: { type: 'object', additionalProperties: false, properties: { live: { type: 'boolean' } } },
  }, ({ q }) => ['select sms_monitor.api_metrics_summary(now(), $1::boolean)::text as body', [q.live === true]]);

  sqlRoute('GET', '/api/sms/metrics/alerts', {
    tags: ['alerts'], summary: 'Open incidents (default) or the history of a date range',
    querystring: { type: 'object', additionalProperties: false, properties: {
      type: { type: 'string', enum: ['unresolved', 'history'] }, limit: INT('1-200, default 50'),
      start_date: DATE, end_date: DATE } },
  }, ({ q }) => ['select sms_monitor.api_alerts(coalesce($1::text, \'unresolved\'), coalesce($2::integer, 50), $3::text::date, $4::text::date)::text as body',
    [v(q.type), v(q.limit), v(q.start_date), v(q.end_date)]]);

  sqlRoute('POST', '/api/sms/metrics/alerts', {
    tags: ['alerts'], summary: 'Resolve an incident by hand (the original\'s POST); admin',
    body: { type: 'object', required: ['alert_id'], additionalProperties: false,
      properties: { alert_id: UUID, resolved_by: { type: 'string', maxLength: 200 } } },
  }, ({ body, claims }) => ['select sms_monitor.api_resolve_alert($1::uuid, $2::text)::text as body',
    [body.alert_id, who(body, 'resolved_by', claims)]]);

  // ---- beyond the original ----------------------------------------------------------------------
  sqlRoute('GET', '/api/sms/metrics/alerts/:id', {
    tags: ['alerts'], summary: 'One incident with its notifications per channel (status, attempts, last error)',
    params: ID_PARAMS,
  }, ({ params }) => ['select sms_monitor.api_alert_detail($1::uuid)::text as body', [params.id]]);

  sqlRoute('POST', '/api/sms/metrics/alerts/:id/acknowledge', {
    tags: ['alerts'], summary: 'Acknowledge an open incident (no more repeats); admin',
    params: ID_PARAMS,
    body: { type: 'object', additionalProperties: false, properties: { by: { type: 'string', maxLength: 200 } } },
  }, ({ params, body, claims }) => [
    "select jsonb_build_object('success', true, 'data', to_jsonb(a))::text as body from sms_monitor.acknowledge_sms_alert($1::uuid, $2::text) a",
    [params.id, who(body, 'by', claims)]]);

  sqlRoute('GET', '/api/sms/metrics/silences', {
    tags: ['silences'], summary: 'Active and upcoming silences (all of them with include_ended)',
    querystring: { type: 'object', additionalProperties: false, properties: { include_ended: { type: 'boolean' } } },
  }, ({ q }) => [
    "select jsonb_build_object('success', true, 'data', coalesce(jsonb_agg(to_jsonb(s) order by s.starts_at, s.id), '[]'::jsonb))::text as body "
    + 'from sms_monitor.list_sms_alert_silences($1::boolean) s', [q.include_ended === true]]);

  sqlRoute('POST', '/api/sms/metrics/silences', {
    tags: ['silences'], summary: 'Silence one rule (or every rule: alert_type null) for some minutes or until a time; admin',
    body: { type: 'object', required: ['reason'], additionalProperties: false, properties: {
      alert_type: { type: ['string', 'null'], maxLength: 63, description: 'null or absent: every rule' },
      minutes: { type: 'integer', minimum: 1, maximum: 525600 },
      until: { type: 'string', maxLength: 40, description: 'ISO 8601 with an offset' },
      reason: { type: 'string', maxLength: 500 } } },
  }, ({ body }) => [
    "select jsonb_build_object('success', true, 'data', to_jsonb(s))::text as body from sms_monitor.silence_sms_alerts("
    + '$1::text, coalesce($2::text::timestamptz, now() + make_interval(mins => $3::integer)), $4::text) s',
    [v(body.alert_type), v(body.until), v(body.minutes), body.reason]], 201);

  sqlRoute('POST', '/api/sms/metrics/silences/:id/lift', {
    tags: ['silences'], summary: 'Lift a silence now; admin',
    params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } } },
  }, ({ params }) => [
    "select jsonb_build_object('success', true, 'data', to_jsonb(s))::text as body from sms_monitor.lift_sms_alert_silence($1::bigint) s",
    [params.id]]);

  sqlRoute('GET', '/api/sms/metrics/rules', {
    tags: ['alerts'], summary: 'Every alert rule with what its last check did',
  }, () => ['select sms_monitor.api_alert_rules()::text as body', []]);

  sqlRoute('GET', '/api/sms/metrics/top-users', {
    tags: ['metrics'], summary: 'Users ranked by sent volume, cost or failures over the last days',
    querystring: { type: 'object', additionalProperties: false, properties: {
      days: INT('1-365, default 7'), by: { type: 'string', enum: ['sent', 'cost', 'failures'] }, limit: INT('1-100, default 10'),
      live: { type: 'boolean', description: 'aggregate sms_metrics instead of the 5-minute per-user view' } } },
  }, ({ q }) => ['select sms_monitor.api_top_users(coalesce($1::integer, 7), coalesce($2::text, \'sent\'), coalesce($3::integer, 10), now(), $4::boolean)::text as body',
    [v(q.days), v(q.by), v(q.limit), q.live === true]]);

  sqlRoute('GET', '/api/sms/metrics/health', {
    tags: ['metrics'], summary: 'Health from the open incidents and the rules\' own windows, naming the driving rule',
  }, () => ['select sms_monitor.api_health()::text as body', []]);

  app.get('/api/sms/metrics/events', {
    schema: { tags: ['metrics'], summary: 'Server-sent events: "change" whenever the outbox gets rows (an incident fired, '
      + 'repeated, was acknowledged or resolved); read with fetch() and the Authorization header', security: SECURITY },
  }, async (request, reply) => {
    await claimsOf(request);
    events.attach(request, reply);
  });

  app.get('/metrics', {
    schema: { tags: ['operations'], summary: 'Prometheus text format (reader or admin token)', security: SECURITY },
  }, async (request, reply) => {
    const claims = await claimsOf(request);
    const text = await jsonBody(pool, claims, 'select sms_monitor.api_prometheus_metrics() as body');
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness: the server answers and reaches the database' } },
    async (request, reply) => {
      try {
        await pool`select 1`;
        return reply.send({ status: 'ok', database: 'ok' });
      } catch (error) {
        request.log.warn({ err: { message: (error as Error).message } }, 'healthz: database unreachable');
        return reply.status(503).send({ status: 'unavailable', database: 'unreachable' });
      }
    });

  await registerWebhooks(app, pool, options.webhooks ?? webhookConfigFromEnv());
  registerMessageRoutes(app, pool, options.jwtSecret);
  app.get('/api/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(app.swagger()));

  await app.register(fastifyStatic, { root: pageRoot, prefix: '/', index: ['index.html'], cacheControl: false });
  await app.register(fastifyStatic, { root: uplotRoot, prefix: '/vendor/uplot/', decorateReply: false, cacheControl: false,
    allowedPath: (p) => p === '/uPlot.iife.min.js' || p === '/uPlot.min.css' });

  app.addHook('preClose', async () => { events.close(); });
  app.addHook('onClose', async () => { await pool.end({ timeout: 5 }); });
  await events.start();
  return { app, pool, events };
}
