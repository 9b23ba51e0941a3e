// The parts of /api/openapi.json that are not a route's own schema: the tags, the server and a
// transform that gives every operation an operationId (from its method and path) and a
// description (its summary when it has none), so the document passes Spectral's spectral:oas rules.
import type { FastifySchema } from 'fastify';

export const OPENAPI_TAGS = [
  { name: 'metrics', description: 'Figures: daily, per user, today, the week, top users, health, per message' },
  { name: 'alerts', description: 'Incidents and rules: list, detail, resolve, acknowledge' },
  { name: 'silences', description: 'Silences of one rule or of every rule' },
  { name: 'operations', description: 'Liveness and Prometheus metrics' },
  { name: 'webhooks', description: 'Delivery receipts from SMS providers' },
];

/** getAlertsById for GET /api/sms/metrics/alerts/:id, postWebhooksTwilioStatus for POST /webhooks/twilio/status. */
export function operationId(method: string, url: string): string {
  const words = url.replace(/^\/api\/sms\/metrics\//, '/').split(/[/_-]+/).filter(Boolean)
    .map((w) => (w.startsWith(':') ? `by ${w.slice(1)}` : w))
    .flatMap((w) => w.split(' '));
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** @fastify/swagger's transform: an operationId and a description for every documented route. */
export function describeOperation({ schema: given, url, route }: { schema: FastifySchema; url: string; route: { method: string | string[] } }):
  { schema: FastifySchema; url: string } {
  const schema = given as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return { schema: given, url };
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  return {
    url,
    schema: {
      ...schema,
      operationId: schema.operationId ?? operationId(method, url),
      description: schema.description ?? schema.summary,
    } as FastifySchema,
  };
}
