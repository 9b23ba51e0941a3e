// Telnyx messaging webhooks (JSON): the ed25519 signature check and the mapping of
// message.sent and message.finalized to message events. Telnyx signs "<telnyx-timestamp>|<raw
// body>" with its ed25519 key; the signature (base64) is in telnyx-signature-ed25519. A timestamp
// further than the tolerance from the server clock is refused (a replayed request).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { countryOf, senderTypeOf } from './phone.ts';

// DER prefix of an ed25519 SubjectPublicKeyInfo: the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The public key from its base64 form (32 raw bytes, as Mission Control shows it). */
export function telnyxPublicKey(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error('TELNYX_PUBLIC_KEY: must be the base64 of a 32-byte ed25519 public key');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Why a request is not Telnyx's, or undefined when its signature and timestamp hold. */
export function telnyxSignatureProblem(
  key: KeyObject, signature: string | undefined, timestamp: string | undefined, rawBody: string,
  nowSeconds: number, toleranceSeconds: number,
): string | undefined {
  if (!signature) return 'telnyx-signature-ed25519: missing';
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'telnyx-timestamp: missing or not whole seconds';
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) {
    return `telnyx-timestamp: more than ${toleranceSeconds} s from the server clock`;
  }
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return 'telnyx-signature-ed25519: not an ed25519 signature';
  return verify(null, Buffer.from(`${timestamp}|${rawBody}`, 'utf8'), key, sig)
    ? undefined : 'telnyx-signature-ed25519: does not match';
}

interface TelnyxRecipient { phone_number?: string; status?: string; carrier?: string }
interface TelnyxPayload {
  id?: string;
  direction?: string;
  from?: { phone_number?: string };
  to?: TelnyxRecipient[];
  errors?: Array<{ code?: string | number }>;
  cost?: { amount?: string | number; currency?: string } | null;
  parts?: number;
  sent_at?: string | null;
  completed_at?: string | null;
}
export interface TelnyxWebhookBody {
  data?: { event_type?: string; occurred_at?: string; payload?: TelnyxPayload };
}

/** Event types whose receipts are recorded; others are acknowledged and ignored. */
export const TELNYX_EVENT_TYPES = ['message.sent', 'message.finalized'] as const;

/**
 * The message events of one webhook: per recipient (message id, or id:number when a message has
 * several recipients) its status at completed_at (or the webhook's occurred_at), plus "sent" at
 * sent_at when Telnyx reports it, so the delivery time is measured from Telnyx's own clocks.
 */
export function telnyxEvents(body: TelnyxWebhookBody, query: { user_id?: string; class?: string }): Array<Record<string, unknown>> {
  const data = body.data ?? {};
  const p = data.payload ?? {};
  if (p.direction !== undefined && p.direction !== 'outbound') return [];
  const recipients = p.to ?? [];
  const from = p.from?.phone_number;
  const price = p.cost?.currency === 'USD' && p.cost.amount !== undefined && p.cost.amount !== null ? Number(p.cost.amount) : undefined;
  const events: Array<Record<string, unknown>> = [];
  recipients.forEach((r, i) => {
    const common: Record<string, unknown> = {
      message_id: recipients.length > 1 ? `${p.id}:${r.phone_number ?? i}` : p.id,
      provider: 'telnyx',
      user_id: query.user_id,
      message_class: query.class,
      sender: from,
      sender_type: senderTypeOf(from),
      carrier: r.carrier || undefined,
      country: countryOf(r.phone_number),
      segments: p.parts,
    };
    const at = data.event_type === 'message.finalized' ? p.completed_at ?? data.occurred_at : p.sent_at ?? data.occurred_at;
    if (p.sent_at && r.status !== 'sent') events.push({ ...common, status: 'sent', occurred_at: p.sent_at });
    events.push({
      ...common,
      status: r.status,
      occurred_at: at,
      error_code: p.errors?.[0]?.code !== undefined ? String(p.errors[0].code) : undefined,
      price_usd: data.event_type === 'message.finalized' && price !== undefined && price >= 0 ? price : undefined,
    });
  });
  for (const e of events) for (const key of Object.keys(e)) if (e[key] === undefined) delete e[key];
  return events;
}
