// Message-level reads over HTTP: GET /api/sms/metrics/breakdown (api_message_breakdown). Bearer
// token as on every /api route (admin, reader, or self for its own messages); the body is the one
// the database builds.
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

export function registerMessageRoutes(app: FastifyInstance, pool: Pool, jwtSecret: string): void {
  app.get('/api/sms/metrics/breakdown', {
    schema: {
      tags: ['metrics'],
      summary: 'Where messages fail: per carrier, country, sender, sender type, error code, class or provider, worst first',
      security: [{ bearer: [] }],
      querystring: {
        type: 'object', required: ['by'], additionalProperties: false,
        properties: {
          by: { type: 'string', enum: ['carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider'] },
          minutes: { type: 'integer', minimum: 1, maximum: 44640, description: 'the window: the last N minutes (default 60)' },
          start: { ...TIME, description: 'window start (inclusive); instead of minutes' },
          end: { ...TIME, description: 'window end (exclusive, default now); needs start' },
        },
      },
    },
  }, async (request: FastifyRequest<{ Querystring: { by: string; minutes?: number; start?: string; end?: string } }>, reply) => {
    const claims = await claimsOf(request, jwtSecret);
    const q = request.query;
    const text = await jsonBody(pool, claims,
      'select sms_monitor.api_message_breakdown($1::text, coalesce($2::integer, 60), $3::text::timestamptz, $4::text::timestamptz)::text as body',
      [q.by, q.minutes ?? null, q.start ?? null, q.end ?? null]);
    return reply.type('application/json; charset=utf-8').send(text);
  });
}
