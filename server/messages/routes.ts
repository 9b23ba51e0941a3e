// Message-level reads over HTTP: GET /api/sms/metrics/breakdown (api_message_breakdown), /latency
// (api_message_latency), /receipts (api_message_receipts) and /series (api_message_series). Declared
// through the API's sqlRoute (server/routes.ts), so they share its token check, per-token limits,
// statement_timeout, cancellation when the client leaves, and envelope; the body is the one the
// database builds (admin, reader, or self for its own messages).
import { callBody } from '../calls.ts';
import type { SqlRoute } from '../routes.ts';
import {
  MESSAGE_BREAKDOWN_RESPONSE, MESSAGE_DIMENSIONS, MESSAGE_LATENCY_RESPONSE, MESSAGE_RECEIPTS_RESPONSE, MESSAGE_SERIES_RESPONSE,
} from '../../client/schemas.ts';

const TIME = { type: 'string', maxLength: 40, pattern: '([Zz]|[+-]\\d{2}(:?\\d{2})?)$', description: 'ISO 8601 time with an offset' } as const;
const WINDOW = {
  minutes: { type: 'integer', minimum: 1, maximum: 44640, description: 'the window: the last N minutes (default 60)' },
  start: { ...TIME, description: 'window start (inclusive); instead of minutes' },
  end: { ...TIME, description: 'window end (exclusive, default now); needs start' },
} as const;

export function registerMessageRoutes(sqlRoute: SqlRoute): void {
  const windowed = (url: string, summary: string, byRequired: boolean, fn: 'api_message_breakdown' | 'api_message_latency',
    response: object) =>
    sqlRoute('GET', url, {
      tags: ['metrics'], summary, response: { 200: response },
      querystring: {
        type: 'object', required: byRequired ? ['by'] : [], additionalProperties: false,
        properties: { by: { type: 'string', enum: MESSAGE_DIMENSIONS }, ...WINDOW },
      },
    }, ({ q }) => callBody(fn, { p_by: q.by, p_minutes: q.minutes, p_start: q.start, p_end: q.end }));
  windowed('/api/sms/metrics/breakdown',
    'Where messages fail: per carrier, country, sender, sender type, error code, class or provider, worst first', true,
    'api_message_breakdown', MESSAGE_BREAKDOWN_RESPONSE);
  windowed('/api/sms/metrics/latency',
    'Delivery time p50/p95/p99 (exact) overall or per carrier, country, sender, ..., slowest first', false,
    'api_message_latency', MESSAGE_LATENCY_RESPONSE);
  sqlRoute('GET', '/api/sms/metrics/receipts', {
    tags: ['metrics'], response: { 200: MESSAGE_RECEIPTS_RESPONSE },
    summary: 'Receipt delays: messages sent long enough ago still without a final status, per carrier and country',
    querystring: {
      type: 'object', additionalProperties: false,
      properties: {
        after_minutes: { type: 'integer', minimum: 1, maximum: 10080, description: 'a receipt is due after this (default 10)' },
        minutes: { type: 'integer', minimum: 2, maximum: 44640, description: 'how far back sends count (default 1440)' },
      },
    },
  }, ({ q }) => callBody('api_message_receipts', { p_after_minutes: q.after_minutes, p_minutes: q.minutes }));
  sqlRoute('GET', '/api/sms/metrics/series', {
    tags: ['metrics'], response: { 200: MESSAGE_SERIES_RESPONSE },
    summary: 'Minute-grain series (sent, delivered, failed, delivery rate, p95) for the incident view',
    querystring: {
      type: 'object', additionalProperties: false,
      properties: {
        minutes: { type: 'integer', minimum: 1, maximum: 10080, description: 'span, a multiple of step (default 180)' },
        step: { type: 'integer', enum: [1, 5, 15, 60], description: 'bucket minutes (default 1)' },
        by: { type: 'string', enum: MESSAGE_DIMENSIONS },
      },
    },
  }, ({ q }) => callBody('api_message_series', { p_minutes: q.minutes, p_step: q.step, p_by: q.by }));
}
