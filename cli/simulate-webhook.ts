// The simulator's webhook path: each message event becomes the callback a provider would send.
// Twilio: the status callback POSTed to the server's /webhooks/twilio/status, signed with
// X-Twilio-Signature as Twilio specifies (twilio.com/docs/usage/webhooks/webhooks-security: base64
// of HMAC-SHA1, keyed with the Auth Token, over the full URL Twilio called followed by each POST
// parameter's name and value, sorted by name). Twilio's callbacks carry no time, price or carrier:
// the server takes the arrival time, and the carrier and price of these messages stay unknown.
// Vonage: the SMS API delivery receipt POSTed as a form to /webhooks/vonage/receipt, signed with
// `sig` as Vonage signs it (server/webhooks/vonage.ts) with the signature secret; Vonage sends no
// receipt for a queued message, so a message's first receipt is `accepted` (sent). Its
// network-code carries the simulator's carrier name (Vonage puts the network's code there; the
// server records it as the carrier), and its message-timestamp the event's time to the second.
// The tests check these signatures with the twilio library's validateRequest and with
// @vonage/sms's verifySignature. (The RPC path carries prices too.)
import { createHmac } from 'node:crypto';
import { vonageSignature, type VonageSignatureMethod } from '../server/webhooks/vonage.ts';
import type { MessageEvent, MessageSink, MessageStatus } from './simulate-messages.ts';

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

/** The receipt status Vonage sends for each status of the simulator (none for queued). */
const VONAGE_STATUS: Record<MessageStatus, string | undefined> = {
  queued: undefined, sent: 'accepted', delivered: 'delivered', undelivered: 'expired', failed: 'failed',
};

/** The receipt Vonage posts for one status of one message, unsigned; undefined for a status it sends none for. */
export function vonageReceiptParams(e: MessageEvent): Record<string, string> | undefined {
  const status = VONAGE_STATUS[e.status];
  if (!status) return undefined;
  const params: Record<string, string> = {
    messageId: e.message_id, status, 'err-code': e.error_code ?? '0', 'api-key': 'abcd1234',
    'message-timestamp': e.occurred_at.slice(0, 19).replace('T', ' '),
  };
  if (e.to) params.msisdn = e.to.replace(/^\+/, '');
  if (e.sender) params.to = e.sender.replace(/^\+/, '');
  if (e.carrier) params['network-code'] = e.carrier;
  if (e.price_usd !== undefined) params.price = e.price_usd.toFixed(8);
  return params;
}

/** The receipt with timestamp (Unix seconds, `nowSeconds`), nonce and sig added, as Vonage signs it. */
export function vonageSigned(params: Record<string, string>, secret: string, method: VonageSignatureMethod,
  nowSeconds: number, nonce: string): Record<string, string> {
  const all = { ...params, timestamp: String(nowSeconds), nonce };
  return { ...all, sig: vonageSignature(secret, method, all) };
}

export type WebhookSinkOptions = {
  /** Where the server listens, e.g. http://127.0.0.1:8787. */
  url: string;
  /** How many callbacks are in flight at once (default 8). */
  concurrency?: number;
} & ({
  provider: 'twilio';
  /** The origin the signature covers: the server's SMS_MONITOR_PUBLIC_URL (default: url). */
  publicUrl?: string;
  authToken: string;
} | {
  provider: 'vonage';
  /** The server's VONAGE_SIGNATURE_SECRET and VONAGE_SIGNATURE_METHOD. */
  signatureSecret: string;
  signatureMethod: VonageSignatureMethod;
});

/** The callback for one event as path and form body, or undefined when the provider sends none. */
type Callback = (e: MessageEvent, query: string) => { path: string; headers: Record<string, string>; body: string } | undefined;

function twilioCallback(options: Extract<WebhookSinkOptions, { provider: 'twilio' }>): Callback {
  const signedBase = (options.publicUrl ?? options.url).replace(/\/+$/, '');
  const accountSid = 'AC' + '0'.repeat(31) + '1';
  return (e, query) => {
    const path = `/webhooks/twilio/status?${query}`;
    const params = twilioCallbackParams(e, accountSid);
    return { path, headers: { 'x-twilio-signature': twilioSignature(options.authToken, signedBase + path, params) },
      body: new URLSearchParams(params).toString() };
  };
}

function vonageCallback(options: Extract<WebhookSinkOptions, { provider: 'vonage' }>): Callback {
  let nonces = 0;
  return (e, query) => {
    const params = vonageReceiptParams(e);
    if (!params) return undefined;
    const signed = vonageSigned(params, options.signatureSecret, options.signatureMethod, Math.floor(Date.now() / 1000),
      `sim${process.pid}n${nonces++}`);
    return { path: `/webhooks/vonage/receipt?${query}`, headers: {}, body: new URLSearchParams(signed).toString() };
  };
}

/**
 * A sink that posts each event as the provider's signed callback, user_id and class in the
 * callback URL's query as a service would set its callback URL. Any answer but 2xx is an error
 * naming the status and the server's message.
 */
export function webhookSink(options: WebhookSinkOptions): MessageSink & { posted: number } {
  const base = options.url.replace(/\/+$/, '');
  const callback = options.provider === 'twilio' ? twilioCallback(options) : vonageCallback(options);
  const post = async (e: MessageEvent) => {
    const query = new URLSearchParams({ user_id: e.user_id });
    const messageClass = e.callback_class ?? e.message_class;
    if (messageClass) query.set('class', messageClass);
    const c = callback(e, query.toString());
    if (!c) return;
    const response = await fetch(base + c.path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...c.headers },
      body: c.body,
    });
    if (!response.ok) throw new Error(`POST ${c.path}: ${response.status} ${(await response.text()).slice(0, 300)}`);
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
