// Vonage SMS API delivery receipts (DLR): the `sig` check of signed webhooks and the mapping of a
// receipt to a message event. Vonage sends a receipt as a query string (GET), a form (POST) or a
// JSON object of strings (POST-JSON), as the account's webhook format says.
// Signature (Vonage's "signing messages", as @vonage/sms's verifySignature checks it): every
// parameter but `sig`, sorted by name, as "&name=value" with each & and = in a value replaced by
// _; then md5 of that text followed by the signature secret (md5hash, Vonage's default), or the
// HMAC (md5, sha1, sha256, sha512) of that text keyed by the secret; hex. The signed parameters
// include `timestamp` (Unix seconds): one further than the tolerance from the server clock is
// refused (a replayed request).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.ts';
import { countryOf, senderTypeOf } from './phone.ts';

/** The signature methods of the Vonage Dashboard, as VONAGE_SIGNATURE_METHOD names them. */
export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = typeof VONAGE_SIGNATURE_METHODS[number];
/** The method Vonage uses unless the account chose another. */
export const VONAGE_DEFAULT_METHOD: VonageSignatureMethod = 'md5hash';
export const VONAGE_DEFAULT_TOLERANCE_SECONDS = 300;

export type VonageParams = Record<string, string>;

/** The callback URL's own query parameters (Twilio's too): not Vonage's. */
const CALLBACK_PARAMS = ['user_id', 'class'];

/** Lower-case hex of the signature Vonage computes over params (`sig` itself left out). */
export function vonageSignature(secret: string, method: VonageSignatureMethod, params: VonageParams): string {
  let text = '';
  for (const key of Object.keys(params).sort()) {
    if (key !== 'sig') text += `&${key}=${params[key]!.replace(/[&=]/g, '_')}`;
  }
  return method === 'md5hash'
    ? createHash('md5').update(text + secret, 'utf8').digest('hex')
    : createHmac(method, secret).update(text, 'utf8').digest('hex');
}

/**
 * Why a receipt is not Vonage's, or undefined when its `sig` and `timestamp` hold. `signed` are the
 * parameter sets the signature may cover (Vonage's own; with the callback URL's query parameters):
 * one matching is enough (constant-time comparisons).
 */
export function vonageSignatureProblem(
  secret: string, method: VonageSignatureMethod, signed: VonageParams[], nowSeconds: number, toleranceSeconds: number,
): string | undefined {
  const params = signed[0]!;
  const sig = params.sig;
  if (!sig) return 'sig: missing';
  const timestamp = params.timestamp;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'timestamp: missing or not whole seconds';
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) {
    return `timestamp: more than ${toleranceSeconds} s from the server clock`;
  }
  if (!/^[0-9a-fA-F]+$/.test(sig)) return 'sig: does not match';
  const given = Buffer.from(sig.toLowerCase(), 'utf8');
  let match = false;
  for (const set of signed) {
    const expected = Buffer.from(vonageSignature(secret, method, set), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) match = true;
  }
  return match ? undefined : 'sig: does not match';
}

function single(entries: Iterable<[string, string]>, where: string): VonageParams {
  const params: VonageParams = {};
  for (const [key, value] of entries) {
    if (Object.hasOwn(params, key)) throw new HttpError(400, '22023', `${where}${key}: given more than once`);
    params[key] = value;
  }
  return params;
}

function jsonParams(body: string): VonageParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new HttpError(400, '22023', 'body: is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, '22023', 'body: must be a JSON object');
  }
  const params: VonageParams = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') params[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) params[key] = String(value);
    else throw new HttpError(400, '22023', `body.${key}: must be a string`);
  }
  return params;
}

/**
 * The receipt's parameters (the query less user_id and class for GET; the body for POST) and
 * the sets its signature may cover: the receipt's own first, then with the callback URL's query.
 */
export function vonageRequestParams(
  method: string, url: string, contentType: string | undefined, body: unknown,
): { receipt: VonageParams; signed: VonageParams[] } {
  const query = single(new URL(url, 'http://localhost').searchParams, 'query.');
  let receipt: VonageParams;
  let whole: VonageParams;
  if (method === 'GET') {
    receipt = Object.fromEntries(Object.entries(query).filter(([key]) => !CALLBACK_PARAMS.includes(key)));
    whole = query;
  } else {
    if (typeof body === 'string' && /^application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
      receipt = single(new URLSearchParams(body), 'body.');
    } else if (typeof body === 'string' && /^application\/json/i.test(contentType ?? '')) {
      receipt = jsonParams(body);
    } else {
      throw new HttpError(415, 'unsupported_media_type', 'body: must be application/x-www-form-urlencoded or application/json');
    }
    whole = { ...query, ...receipt };
  }
  const sameSet = Object.keys(whole).length === Object.keys(receipt).length;
  return { receipt, signed: sameSet ? [receipt] : [receipt, whole] };
}

const MESSAGE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const SCTS = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** An ISO 8601 UTC time from its parts, or undefined when they name no such time (month 13, ...). */
function utc(y: string, mo: string, d: string, h: string, mi: string, s: string): string | undefined {
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) || date.toISOString() !== `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z` ? undefined : iso;
}

/** When the receipt's status was reached: message-timestamp, else scts, else when the receipt arrived. */
function occurredAt(p: VonageParams, receivedAt: Date): string {
  const stamp = p['message-timestamp'];
  if (stamp) {
    const m = MESSAGE_TIMESTAMP.exec(stamp);
    const iso = m && utc(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!);
    if (!iso) throw new HttpError(400, '22023', 'message-timestamp: must be a UTC time as YYYY-MM-DD HH:MM:SS');
    return iso;
  }
  const scts = p.scts;
  if (scts) {
    const m = SCTS.exec(scts);
    const iso = m && utc(`20${m[1]}`, m[2]!, m[3]!, m[4]!, m[5]!, '00');
    if (!iso) throw new HttpError(400, '22023', 'scts: must be a UTC time as YYMMDDHHMM');
    return iso;
  }
  return receivedAt.toISOString();
}

/** Vonage writes numbers without the +: a recipient always (msisdn), a sender when longer than a short code. */
function e164(number: string | undefined, minDigits: number): string | undefined {
  if (!number) return undefined;
  return new RegExp(`^\\d{${minDigits},15}$`).test(number) ? `+${number}` : number;
}

/**
 * The message event of one receipt. user_id and message_class come from the callback URL's user_id
 * and class parameters. `price` is left out: Vonage gives it in the account's currency, unnamed,
 * and price_usd is US dollars.
 */
export function vonageEvent(p: VonageParams, query: { user_id?: string; class?: string }, receivedAt: Date): Record<string, unknown> {
  const sender = e164(p.to || undefined, 9);
  const errorCode = p['err-code'];
  const event: Record<string, unknown> = {
    message_id: p.messageId || p['message-id'] || undefined,
    status: p.status || undefined,
    occurred_at: occurredAt(p, receivedAt),
    provider: 'vonage',
    user_id: query.user_id,
    message_class: query.class,
    sender,
    sender_type: senderTypeOf(sender),
    carrier: p['network-code'] || undefined,
    country: countryOf(e164(p.msisdn, 1)),
    error_code: errorCode && errorCode !== '0' ? errorCode : undefined,
  };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return event;
}
