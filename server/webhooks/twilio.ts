// Twilio's status callback (form-encoded POST to the message's StatusCallback URL): the
// X-Twilio-Signature check and the mapping of its fields to a message event.
// Signature (twilio.com/docs/usage/webhooks/webhooks-security): base64(HMAC(auth token, the URL
// Twilio called, query included, followed by every POST parameter's name and value, sorted by
// name)); HMAC-SHA1 unless X-Twilio-Webhooks-Signature-Settings names algorithm=HMAC_SHA256.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { countryOf, senderTypeOf } from './phone.ts';

export type FormParams = Record<string, string | string[]>;

/** The form body as Twilio's signature sees it: a name given twice holds all its values. */
export function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prior = params[key];
    params[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return params;
}

function hashName(settingsHeader: string | undefined): 'sha1' | 'sha256' | undefined {
  let algorithm = 'HMAC_SHA1';
  for (const part of (settingsHeader ?? '').split(',')) {
    const [name, value] = part.split('=', 2).map((s) => s.trim());
    if (name === 'algorithm' && value) algorithm = value.toUpperCase();
  }
  return algorithm === 'HMAC_SHA1' ? 'sha1' : algorithm === 'HMAC_SHA256' ? 'sha256' : undefined;
}

/** Whether signature is Twilio's for url and params (constant-time comparison). */
export function twilioSignatureValid(
  authToken: string, signature: string | undefined, url: string, params: FormParams, settingsHeader?: string,
): boolean {
  const hash = hashName(settingsHeader);
  if (!signature || !hash) return false;
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key]!;
    // a repeated name: each distinct value, sorted, as Twilio signs it
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += key + v;
  }
  const expected = createHmac(hash, authToken).update(Buffer.from(data, 'utf8')).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function one(params: FormParams, name: string): string | undefined {
  const v = params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/**
 * The message event of one callback. Twilio sends no event time: occurred_at is when the callback
 * arrived. user_id and message_class come from the callback URL's user_id and class parameters.
 */
export function twilioEvent(params: FormParams, query: { user_id?: string; class?: string }, receivedAt: Date): Record<string, unknown> {
  const to = one(params, 'To');
  const from = one(params, 'From');
  const segments = one(params, 'NumSegments');
  const event: Record<string, unknown> = {
    message_id: one(params, 'MessageSid') ?? one(params, 'SmsSid'),
    status: one(params, 'MessageStatus') ?? one(params, 'SmsStatus'),
    occurred_at: receivedAt.toISOString(),
    provider: 'twilio',
    user_id: query.user_id,
    message_class: query.class,
    sender: from,
    sender_type: senderTypeOf(from),
    country: countryOf(to),
    error_code: one(params, 'ErrorCode'),
    segments: segments !== undefined && /^\d{1,3}$/.test(segments) ? Number(segments) : segments,
  };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return event;
}
