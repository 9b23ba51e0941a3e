// The sms-monitor HTTP server (fastify): the API under /api/sms/metrics/ (routes.ts), a live event
// stream (events.ts), the dashboard page at /, GET /healthz, GET /metrics (Prometheus) and GET
// /api/openapi.json generated from the route schemas. Every answer is a body the database builds
// (the api_* functions); the server authenticates the bearer token, switches to its role per
// request (db.ts) and maps SQLSTATEs to statuses (errors.ts). Bounds against hostile load come from
// limits.ts: statement_timeout per request, cancellation when the client leaves, a rate limit per
// token, request/body/keep-alive timeouts, and pools of their own for /healthz and for /metrics.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type pino from 'pino';
import { repoRoot } from '../client/paths.ts';
import { AuthError, bearerToken, type Claims, tokenKey, verifyToken } from './auth.ts';
import { callBody } from './calls.ts';
import { createPool, jsonBody, type Pool } from './db.ts';
import { describeOperation, OPENAPI_TAGS } from './openapi.ts';
import { classify, envelope, HttpError } from './errors.ts';
import { EventHub } from './events.ts';
import { CONNECTION_CHECK_MS, DEFAULT_LIMITS, type Limits } from './limits.ts';
import { redactUrl } from './redact.ts';
import { registerApiRoutes, SECURITY } from './routes.ts';
import { schemaErrorFormatter, validatorCompiler } from './validation.ts';

import { registerMessageRoutes } from './messages/routes.ts';
import type { EventBatcher } from './webhooks/batch.ts';
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
  /** Bounds (default: DEFAULT_LIMITS; `sms-monitor serve` reads them from the environment). */
  limits?: Partial<Limits>;

  /** Provider webhook settings (default: from the environment, server/webhooks/config.ts). */
  webhooks?: WebhookConfig;
}

export interface SmsMonitorServer {
  app: FastifyInstance;
  pool: Pool;
  /** /metrics and the event stream's reads: never queued behind API requests. */
  opsPool: Pool;
  /** /healthz alone: never queued behind API requests or /metrics. */
  healthPool: Pool;
  events: EventHub;
  limits: Limits;
  /** The webhooks' group commit (server/webhooks/batch.ts): its queue, for tests. */
  webhookWrites: EventBatcher;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted when the client closes the connection before its answer was sent. */
    gone: AbortSignal;
    /** Why it failed, for its log line (set by the error handler). */
    failure?: Record<string, unknown>;
  }
}

/** The page's files and the chart library, served as they are: there is no build step. */
const pageRoot = path.join(repoRoot, 'server', 'page');
const uplotRoot = path.dirname(createRequire(import.meta.url).resolve('uplot'));

export async function buildServer(options: ServerOptions): Promise<SmsMonitorServer> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const pool = createPool(options.databaseUrl, options.poolSize ?? 10);
  const opsPool = createPool(options.databaseUrl, 2, 'sms-monitor-serve-ops');
  const healthPool = createPool(options.databaseUrl, 1, 'sms-monitor-serve-health');
  const events = new EventHub(opsPool, options.logger, limits, options.heartbeatMs ?? 15_000);
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 16 * 1024,
    // One line per request from the onResponse hook below (fastify's own are two, with the URL whole).
    logController: new LogController({ disableRequestLogging: true }),
    // node's own timeouts: the whole request (headers and body) within requestTimeout, checked
    // every CONNECTION_CHECK_MS; idle keep-alive sockets closed after keepAliveTimeout; a socket
    // with no traffic at all for two minutes is closed (event streams write a comment every 15 s).
    serverFactory: (handler) => {
      const server = http.createServer({
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: CONNECTION_CHECK_MS,
      }, handler);
      server.setTimeout(120_000);
      return server;
    },
    schemaErrorFormatter,
  });
  app.setValidatorCompiler(validatorCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'sms-monitor HTTP API',
        version: '1.0.0',
        contact: { name: 'sms-monitor' },
        description: 'Metrics, alerts and notifications of an SMS pipeline. Bodies are built by the database '
          + '(the sms_monitor.api_* functions). Bearer tokens: HS256 JWTs whose role claim is sms_monitor_admin, '
          + 'sms_monitor_reader or sms_monitor_self (with sub = the user uuid). Errors: {success: false, error: '
          + '{status, code, message, request_id}}; 400 bad input (SQLSTATE 22023), 401 token, 403 (42501), 404 (P0002), '
          + '429 rate limit and 503 (database unavailable or statement_timeout) with Retry-After, 500.',
      },
      servers: [{ url: '/', description: 'this server' }],
      tags: OPENAPI_TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: describeOperation,
  });

  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    request.gone = controller.signal;
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort(); });
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

  // One log line per request: debug when it went well (quiet at the default info level, so the
  // start banner stays on screen), info for a client error with its reason, warn for a 503, error
  // for anything else ("request failed", with the detail the client never sees).
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const level = status === 503 ? 'warn' : status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
    request.log[level]({ method: request.method, url: redactUrl(request.url), status, ms: Math.round(reply.elapsedTime), ...request.failure },
      status >= 500 && status !== 503 ? 'request failed' : 'request');
  });

  app.setErrorHandler((error, request, reply) => {
    const c = classify(error, limits.statementTimeoutMs);
    const e = error as { message?: string; code?: string; detail?: string };
    request.failure = c.internal ? { err: { message: e.message, code: e.code, detail: e.detail } }
      : c.status === 503 ? { reason: c.message, err: { message: e.message, code: e.code } } : { reason: c.message };
    if (c.retryAfterSeconds !== undefined) void reply.header('retry-after', String(c.retryAfterSeconds));
    void reply.status(c.status).type('application/json; charset=utf-8').send(envelope(c.status, c.code, c.message, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(envelope(404, 'not_found', `route: ${request.method} ${redactUrl(request.url.split('?')[0]!)} does not exist`, request.id));
  });

  // Per token (a hash of it: the token itself is kept nowhere), else per address; /healthz is free.
  await app.register(fastifyRateLimit, {
    max: limits.ratePerMinute,
    timeWindow: 60_000,
    allowList: (request) => request.url === '/healthz',
    keyGenerator: (request) => {
      const key = tokenKey(request.headers.authorization);
      return key ? `t:${key}` : `a:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => new HttpError(429, 'rate_limited',
      `rate limit: more than ${context.max} requests a minute for this token; retry in ${Math.ceil(context.ttl / 1000)} s`,
      Math.ceil(context.ttl / 1000)),
  });

  /** The verified claims of the request's bearer token (401 otherwise). */
  async function claimsOf(request: FastifyRequest): Promise<Claims> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new HttpError(401, 'unauthorized', 'token: missing (send Authorization: Bearer <token>)');
    try {
      return await verifyToken(options.jwtSecret, token, { maxTtlSeconds: limits.maxTokenTtlSeconds });
    } catch (error) {
      if (error instanceof AuthError) throw new HttpError(401, 'unauthorized', error.message);
      throw error;
    }
  }

  const sqlRoute = registerApiRoutes(app, { pool, claimsOf, limits });
  registerMessageRoutes(sqlRoute);

  app.route({
    method: 'GET', url: '/api/sms/metrics/events',
    schema: { tags: ['metrics'], summary: 'Server-sent events: "change" when incidents or their notifications changed '
      + '(fired, repeated, acknowledged, resolved, delivered); read with fetch() and the Authorization header. '
      + 'At most SMS_MONITOR_SSE_PER_TOKEN streams per token (429) and SMS_MONITOR_SSE_MAX in all (503); '
      + 'a stream ends when its token expires', security: SECURITY },
    handler: async (request, reply) => {
      const claims = await claimsOf(request);
      return events.attach(request, reply, claims);
    },
  });

  app.get('/metrics', {
    schema: { tags: ['operations'], summary: 'Prometheus text format (reader or admin token)', security: SECURITY },
  }, async (request, reply) => {
    const claims = await claimsOf(request);
    const text = await jsonBody(opsPool, claims, { statementTimeoutMs: limits.statementTimeoutMs, signal: request.gone },
      ...callBody('api_prometheus_metrics', {}));
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness: the server answers and reaches the database '
    + '(on a connection of its own, never behind API requests or /metrics)' } },
  async (request, reply) => {
    try {
      await healthPool`select 1`;
      return reply.send({ status: 'ok', database: 'ok' });
    } catch (error) {
      request.log.warn({ err: { message: (error as Error).message } }, 'healthz: database unreachable');
      return reply.status(503).header('retry-after', '5').send({ status: 'unavailable', database: 'unreachable' });
    }
  });

  const webhookWrites = await registerWebhooks(app, options.databaseUrl, options.webhooks ?? webhookConfigFromEnv(),
    { statementTimeoutMs: limits.statementTimeoutMs, ratePerMinute: limits.webhookRatePerMinute });
  app.get('/api/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(app.swagger()));

  await app.register(fastifyStatic, { root: pageRoot, prefix: '/', index: ['index.html'], cacheControl: false });
  await app.register(fastifyStatic, { root: uplotRoot, prefix: '/vendor/uplot/', decorateReply: false, cacheControl: false,
    allowedPath: (p) => p === '/uPlot.iife.min.js' || p === '/uPlot.min.css' });

  app.addHook('preClose', async () => { events.close(); });
  app.addHook('onClose', async () => {
    await Promise.all([pool.end({ timeout: 5 }), opsPool.end({ timeout: 5 }), healthPool.end({ timeout: 5 })]);
  });
  await events.start();
  return { app, pool, opsPool, healthPool, events, limits, webhookWrites };
}
