// The simulator's webhook path: each message event becomes the status callback Twilio would POST
// to the server's /webhooks/twilio/status, signed with X-Twilio-Signature as Twilio specifies
// (twilio.com/docs/usage/webhooks/webhooks-security: base64 of HMAC-SHA1, keyed with the Auth
// Token, over the full URL Twilio called followed by each POST parameter's name and value, sorted
// by name). The test checks these signatures with the twilio library's validateRequest.
// Twilio's callbacks carry no time, price or carrier: the server takes the arrival time, and the
// carrier and price of these messages stay unknown (the RPC path carries both).
import { createHmac } from 'node:crypto';
import type { MessageEvent, MessageSink } from './simulate-messages.ts';

/** X-Twilio-Signature for a callback to url with these form parameters. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  let data = url;
  for (const key of Object.keys(params).sort()) data += key + params[key];
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The form Twilio posts for one status of one message. */
export function twilioCallbackParams(e: MessageEvent, accountSid: string): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: accountSid, ApiVersion: '2010-04-01', MessageSid: e.message_id, SmsSid: e.message_id,
    MessageStatus: e.status, SmsStatus: e.status,
  };
  if (e.sender) params.From = e.sender;
  if (e.to) params.To = e.to;
  if (e.segments !== undefined) params.NumSegments = String(e.segments);
  if (e.error_code) params.ErrorCode = e.error_code;
  return params;
}

export interface WebhookSinkOptions {
  /** Where the server listens, e.g. http://127.0.0.1:8787. */
  url: string;
  /** The origin the signature covers: the server's SMS_MONITOR_PUBLIC_URL (default: url). */
  publicUrl?: string;
  authToken: string;
  /** How many callbacks are in flight at once (default 8). */
  concurrency?: number;
}

/**
 * A sink that posts each event as a signed Twilio status callback, user_id and class in the
 * callback URL's query as a service would set its StatusCallback. Any answer but 2xx is an error
 * naming the status and the server's message.
 */
export function twilioWebhookSink(options: WebhookSinkOptions): MessageSink & { posted: number } {
  const base = options.url.replace(/\/+$/, '');
  const signedBase = (options.publicUrl ?? options.url).replace(/\/+$/, '');
  const accountSid = 'AC' + '0'.repeat(31) + '1';
  const post = async (e: MessageEvent) => {
    const query = new URLSearchParams({ user_id: e.user_id });
    if (e.message_class) query.set('class', e.message_class);
    const path = `/webhooks/twilio/status?${query.toString()}`;
    const params = twilioCallbackParams(e, accountSid);
    const response = await fetch(base + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(options.authToken, signedBase + path, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    sink.posted += 1;
  };
  const sink = {
    posted: 0,
    async send(events: MessageEvent[]): Promise<void> {
      // One message's events go one after the other (queued, sent, then the receipt); messages in parallel.
      const groups = new Map<string, MessageEvent[]>();
      for (const e of events) {
        const group = groups.get(e.message_id);
        if (group) group.push(e); else groups.set(e.message_id, [e]);
      }
      const ordered = [...groups.values()];
      let next = 0;
      const worker = async () => {
        while (next < ordered.length) {
          for (const e of ordered[next++]!) await post(e);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
    },
  };
  return sink;
}
