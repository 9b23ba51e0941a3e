// Message-level reads over HTTP: GET /api/sms/metrics/breakdown (api_message_breakdown),
// /latency (api_message_latency), /receipts (api_message_receipts) and /series (api_message_series). Bearer token as on every /api route (admin,
// reader, or self for its own messages); the body is the one the database builds.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, bearerToken, type Claims, verifyToken } from '../auth.ts';
import { jsonBody, type Pool } from '../db.ts';
import { HttpError } from '../errors.ts';

const TIME = { type: 'string', maxLength: 40, pattern: '([Zz]|[+-]\\d{2}(:?\\d{2})?)$', description: 'ISO 8601 time with an offset' } as const;

async function claimsOf(request: FastifyRequest, jwtSecret: string): Promise<Claims> {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw new HttpError(401, 'unauthorized', 'token: missing (send Authorization: Bearer <token>)');
  try {
    return await verifyToken(jwtSecret, token);
  } catch (error) {
    if (error instanceof AuthError) throw new HttpError(401, 'unauthorized', error.message);
    throw error;
  }
}

const BY = ['carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider'] as const;
const WINDOW = {
  minutes: { type: 'integer', minimum: 1, maximum: 44640, description: 'the window: the last N minutes (default 60)' },
  start: { ...TIME, description: 'window start (inclusive); instead of minutes' },
  end: { ...TIME, description: 'window end (exclusive, default now); needs start' },
} as const;
type WindowQuery = { by?: string; minutes?: number; start?: string; end?: string };

export function registerMessageRoutes(app: FastifyInstance, pool: Pool, jwtSecret: string): void {
  const route = (url: string, summary: string, byRequired: boolean, fn: string) => {
    app.get(url, {
      schema: {
        tags: ['metrics'], summary, security: [{ bearer: [] }],
        querystring: {
          type: 'object', required: byRequired ? ['by'] : [], additionalProperties: false,
          properties: { by: { type: 'string', enum: BY }, ...WINDOW },
        },
      },
    }, async (request: FastifyRequest<{ Querystring: WindowQuery }>, reply) => {
      const claims = await claimsOf(request, jwtSecret);
      const q = request.query;
      const text = await jsonBody(pool, claims,
        `select sms_monitor.${fn}($1::text, coalesce($2::integer, 60), $3::text::timestamptz, $4::text::timestamptz)::text as body`,
        [q.by ?? null, q.minutes ?? null, q.start ?? null, q.end ?? null]);
      return reply.type('application/json; charset=utf-8').send(text);
    });
  };
  route('/api/sms/metrics/breakdown',
    'Where messages fail: per carrier, country, sender, sender type, error code, class or provider, worst first', true,
    'api_message_breakdown');
  route('/api/sms/metrics/latency',
    'Delivery time p50/p95/p99 (exact) overall or per carrier, country, sender, ..., slowest first', false,
    'api_message_latency');
  app.get('/api/sms/metrics/receipts', {
    schema: {
      tags: ['metrics'], security: [{ bearer: [] }],
      summary: 'Receipt delays: messages sent long enough ago still without a final status, per carrier and country',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          after_minutes: { type: 'integer', minimum: 1, maximum: 10080, description: 'a receipt is due after this (default 10)' },
          minutes: { type: 'integer', minimum: 2, maximum: 44640, description: 'how far back sends count (default 1440)' },
        },
      },
    },
  }, async (request: FastifyRequest<{ Querystring: { after_minutes?: number; minutes?: number } }>, reply) => {
    const claims = await claimsOf(request, jwtSecret);
    const text = await jsonBody(pool, claims,
      'select sms_monitor.api_message_receipts(coalesce($1::integer, 10), coalesce($2::integer, 1440))::text as body',
      [request.query.after_minutes ?? null, request.query.minutes ?? null]);
    return reply.type('application/json; charset=utf-8').send(text);
  });
  app.get('/api/sms/metrics/series', {
    schema: {
      tags: ['metrics'], security: [{ bearer: [] }],
      summary: 'Minute-grain series (sent, delivered, failed, delivery rate, p95) for the incident view',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          minutes: { type: 'integer', minimum: 1, maximum: 10080, description: 'span, a multiple of step (default 180)' },
          step: { type: 'integer', enum: [1, 5, 15, 60], description: 'bucket minutes (default 1)' },
          by: { type: 'string', enum: BY },
        },
      },
    },
  }, async (request: FastifyRequest<{ Querystring: { minutes?: number; step?: number; by?: string } }>, reply) => {
    const claims = await claimsOf(request, jwtSecret);
    const q = request.query;
    const text = await jsonBody(pool, claims,
      'select sms_monitor.api_message_series(coalesce($1::integer, 180), coalesce($2::integer, 1), $3::text)::text as body',
      [q.minutes ?? null, q.step ?? null, q.by ?? null]);
    return reply.type('application/json; charset=utf-8').send(text);
  });
}
