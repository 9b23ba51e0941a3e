// Provider webhooks: POST /webhooks/twilio/status (form-encoded status callbacks),
// POST /webhooks/telnyx (message.sent / message.finalized) and GET or POST
// /webhooks/vonage/receipt (SMS API delivery receipts). No bearer token: a request counts only
// when its provider signature holds (403 and nothing written otherwise); then its events are
// recorded with record_sms_message_events as sms_monitor_writer (on a connection of its own),
// together with the events of the other webhook requests arriving at the same time (group commit,
// batch.ts: one write at a time); the answer (204) comes after that statement committed. A callback a provider retries
// is logged again but counted once (the fold counts each message and status once).
// The routes live in their own plugin context: their body parsers keep the raw body the
// signatures are computed over and touch no other route.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.ts';
import { EventBatcher, writerPool } from './batch.ts';
import type { WebhookConfig } from './config.ts';
import { TELNYX_EVENT_TYPES, telnyxEvents, telnyxPublicKey, telnyxSignatureProblem, type TelnyxWebhookBody } from './telnyx.ts';
import { parseForm, twilioEvent, twilioSignatureValid } from './twilio.ts';
import {
  VONAGE_DEFAULT_METHOD, VONAGE_DEFAULT_TOLERANCE_SECONDS, vonageEvent, vonageRequestParams, vonageSignatureProblem,
} from './vonage.ts';

export { webhookConfigFromEnv, type WebhookConfig } from './config.ts';

const QUERY = {
  type: 'object',
  properties: {
    user_id: { type: 'string', description: 'the user the messages belong to (a UUID)' },
    class: { type: 'string', description: 'message_class: otp, transactional, marketing or other' },
  },
  additionalProperties: true,
} as const;

function notConfigured(what: string): HttpError {
  return new HttpError(503, 'not_configured', `webhooks: ${what} is not set on the server, so nothing can be verified`);
}

export async function registerWebhooks(app: FastifyInstance, databaseUrl: string, config: WebhookConfig,
  bounds: { statementTimeoutMs: number; ratePerMinute: number }): Promise<EventBatcher> {
  const writers = writerPool(databaseUrl, bounds.statementTimeoutMs);
  app.addHook('onClose', async () => { await writers.end({ timeout: 5 }); });
  const batcher = new EventBatcher(writers);
  // Not the API's per-address limit: a provider posts several callbacks a message from few addresses.
  const rateLimit = { max: bounds.ratePerMinute, timeWindow: 60_000 };
  const telnyxKey = config.telnyxPublicKey ? telnyxPublicKey(config.telnyxPublicKey) : undefined;

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post('/webhooks/twilio/status', {
      config: { rateLimit },
      schema: {
        tags: ['webhooks'],
        summary: 'Twilio message status callback (form-encoded, X-Twilio-Signature); 204 when recorded',
        querystring: QUERY,
      },
    }, async (request: FastifyRequest<{ Querystring: { user_id?: string; class?: string } }>, reply) => {
      if (!config.twilioAuthToken) throw notConfigured('TWILIO_AUTH_TOKEN');
      if (!config.publicUrl) throw notConfigured('SMS_MONITOR_PUBLIC_URL');
      if (typeof request.body !== 'string' || !/^application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'unsupported_media_type', 'body: must be application/x-www-form-urlencoded');
      }
      const params = parseForm(request.body);
      const signature = request.headers['x-twilio-signature'];
      const settings = request.headers['x-twilio-webhooks-signature-settings'];
      if (!twilioSignatureValid(config.twilioAuthToken, typeof signature === 'string' ? signature : undefined,
        config.publicUrl + request.url, params, typeof settings === 'string' ? settings : undefined)) {
        request.log.warn({ provider: 'twilio' }, 'webhook refused: X-Twilio-Signature missing or wrong; nothing recorded');
        throw new HttpError(403, 'forbidden', 'X-Twilio-Signature: missing or does not match');
      }
      const batch = await batcher.record([twilioEvent(params, request.query, new Date())]);
      request.log.info({ provider: 'twilio', batch }, 'webhook recorded');
      return reply.status(204).send();
    });

    scope.post('/webhooks/telnyx', {
      config: { rateLimit },
      schema: {
        tags: ['webhooks'],
        summary: 'Telnyx messaging webhook (message.sent, message.finalized; ed25519-signed); 204 when recorded',
        querystring: QUERY,
      },
    }, async (request: FastifyRequest<{ Querystring: { user_id?: string; class?: string } }>, reply) => {
      if (!telnyxKey) throw notConfigured('TELNYX_PUBLIC_KEY');
      if (typeof request.body !== 'string' || !/^application\/json/i.test(request.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'unsupported_media_type', 'body: must be application/json');
      }
      const signature = request.headers['telnyx-signature-ed25519'];
      const timestamp = request.headers['telnyx-timestamp'];
      const problem = telnyxSignatureProblem(telnyxKey, typeof signature === 'string' ? signature : undefined,
        typeof timestamp === 'string' ? timestamp : undefined, request.body, Math.floor(Date.now() / 1000),
        config.telnyxToleranceSeconds);
      if (problem) {
        request.log.warn({ provider: 'telnyx', problem }, 'webhook refused; nothing recorded');
        throw new HttpError(403, 'forbidden', problem);
      }
      let body: TelnyxWebhookBody;
      try {
        body = JSON.parse(request.body) as TelnyxWebhookBody;
      } catch {
        throw new HttpError(400, '22023', 'body: is not JSON');
      }
      const type = body.data?.event_type;
      if (!(TELNYX_EVENT_TYPES as readonly (string | undefined)[]).includes(type)) {
        request.log.info({ provider: 'telnyx', event_type: type }, 'webhook ignored: not a message receipt');
        return reply.status(204).send();
      }
      const batch = await batcher.record(telnyxEvents(body, request.query));
      request.log.info({ provider: 'telnyx', event_type: type, batch }, 'webhook recorded');
      return reply.status(204).send();
    });

    // Vonage posts a receipt (form or JSON) or, with the account's webhook format set to GET, sends it as the query.
    const vonageReceipt = async (request: FastifyRequest<{ Querystring: { user_id?: string; class?: string } }>, reply: FastifyReply) => {
      const secret = config.vonageSignatureSecret;
      if (!secret) throw notConfigured('VONAGE_SIGNATURE_SECRET');
      const { receipt, signed } = vonageRequestParams(request.method, request.url, request.headers['content-type'], request.body);
      const problem = vonageSignatureProblem(secret, config.vonageSignatureMethod ?? VONAGE_DEFAULT_METHOD, signed,
        Math.floor(Date.now() / 1000), config.vonageToleranceSeconds ?? VONAGE_DEFAULT_TOLERANCE_SECONDS);
      if (problem) {
        request.log.warn({ provider: 'vonage', problem }, 'webhook refused; nothing recorded');
        throw new HttpError(403, 'forbidden', problem);
      }
      const batch = await batcher.record([vonageEvent(receipt, request.query, new Date())]);
      request.log.info({ provider: 'vonage', batch }, 'webhook recorded');
      return reply.status(204).send();
    };
    const vonageSummary = 'Vonage SMS API delivery receipt, signed with sig; 204 when recorded';
    scope.post('/webhooks/vonage/receipt', {
      config: { rateLimit },
      schema: { tags: ['webhooks'], summary: `${vonageSummary} (form-encoded or JSON body)`, querystring: QUERY },
    }, vonageReceipt);
    scope.get('/webhooks/vonage/receipt', {
      config: { rateLimit },
      exposeHeadRoute: false,
      schema: { tags: ['webhooks'], summary: `${vonageSummary} (the receipt in the query string)`, querystring: QUERY },
    }, vonageReceipt);
  });
  return batcher;
}
