// The simulator's message events: each message it sends gets a provider id and a life (queued,
// sent, then delivered, undelivered or failed after a realistic delay, or no receipt at all), a
// country, carrier, sender and sender type, message class, segments and price, and the events go
// out in time order through a sink (record_sms_message_events, or signed Twilio callbacks or Vonage receipts:
// simulate-webhook.ts). Staged message incidents change what one carrier or sender does:
//   filtering  sender FILTERED_SENDER at carrier FILTERED_CARRIER: 70 % undelivered with 30007
//   receipts   carrier NO_RECEIPT_CARRIER: no final status at all (sent, then silence)
//   latency    every delivery takes 15 times as long (p95 well over a minute)
//   carrier    carrier COLLAPSED_CARRIER: 60 % undelivered (30003 unreachable, 30008 unknown)
// Simulated time: tick t is the second [start + t s, start + t s + 1 s); a message planned in a
// tick has its events at fixed offsets from its queued time, and emit(t) sends the events whose
// time is before the end of tick t. What is sent is a function of the seed and the ticks only.
import { randomUUID } from 'node:crypto';
import { seededRandom } from './simulate-random.ts';

export type MessageIncidentKind = 'filtering' | 'receipts' | 'latency' | 'carrier';
export const MESSAGE_INCIDENTS: readonly MessageIncidentKind[] = ['filtering', 'receipts', 'latency', 'carrier'];

/** Who a staged message incident hits. */
export const FILTERED_SENDER = '+15017122661';
export const FILTERED_CARRIER = 'Verizon';
export const NO_RECEIPT_CARRIER = 'Vodafone UK';
export const COLLAPSED_CARRIER = 'T-Mobile';

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** One element of record_sms_message_events (docs/messages.md). */
export interface MessageEvent {
  message_id: string; status: MessageStatus; occurred_at: string; user_id: string; provider: string;
  sender?: string; sender_type?: string; carrier?: string; country?: string; error_code?: string;
  segments?: number; price_usd?: number; message_class?: string;
  /** Not part of the event: the recipient's number (the Twilio callback's To). */
  to?: string;
  /** Not part of the event: the message's class, in the query of each of its callbacks' URL. */
  callback_class?: string;
}

/** Where the events go: in time order, one call per tick. */
export interface MessageSink {
  send(events: MessageEvent[]): Promise<void>;
}

/** The record_sms_message_events path: one batch per tick, with its own batch id. */
export function rpcSink(rpc: (events: MessageEvent[], batchId: string) => Promise<unknown>): MessageSink {
  return {
    send: async (events) => {
      if (events.length > 0) await rpc(events.map(({ to: _to, callback_class: _class, ...e }) => e), randomUUID());
    },
  };
}

/** What one simulated message did (the truth the tests compare the database with). */
export interface SimMessage {
  message_id: string; user_id: string; country: string; carrier: string; sender: string; sender_type: string;
  message_class: string; segments: number; price_usd: number; to: string;
  queued_ms: number; sent_ms: number | null; final: 'delivered' | 'undelivered' | 'failed' | null;
  final_ms: number | null; error_code: string | null;
}

interface Carrier { name: string; weight: number }
interface Country { code: string; weight: number; prefix: string; price: number; carriers: Carrier[] }

// Recipients: a valid mobile number plan per country, the prefix and 3 more digits (the webhook test checks
// the country the server derives from them with libphonenumber).
const COUNTRIES: Country[] = [
  { code: 'US', weight: 50, prefix: '+14152671', price: 0.0079,
    carriers: [{ name: 'Verizon', weight: 40 }, { name: 'T-Mobile', weight: 35 }, { name: 'AT&T', weight: 25 }] },
  { code: 'GB', weight: 20, prefix: '+447400123', price: 0.0400, carriers: [{ name: 'EE', weight: 55 }, { name: 'Vodafone UK', weight: 45 }] },
  { code: 'DE', weight: 15, prefix: '+4915123456', price: 0.0810, carriers: [{ name: 'Telekom', weight: 60 }, { name: 'Vodafone DE', weight: 40 }] },
  { code: 'FR', weight: 10, prefix: '+33612345', price: 0.0720, carriers: [{ name: 'Orange', weight: 60 }, { name: 'SFR', weight: 40 }] },
  { code: 'IN', weight: 5, prefix: '+918123456', price: 0.0500, carriers: [{ name: 'Jio', weight: 55 }, { name: 'Airtel', weight: 45 }] },
];
/** Senders: US numbers of each kind, and an alphanumeric sender id abroad. */
const US_SENDERS = [
  { sender: FILTERED_SENDER, sender_type: 'long_code', weight: 50 },
  { sender: '24365', sender_type: 'short_code', weight: 30 },
  { sender: '+18005550100', sender_type: 'toll_free', weight: 20 },
];
const ABROAD_SENDERS = [
  { sender: 'ACME', sender_type: 'alphanumeric', weight: 70 },
  { sender: FILTERED_SENDER, sender_type: 'long_code', weight: 30 },
];
const CLASSES = [{ name: 'otp', weight: 50 }, { name: 'transactional', weight: 30 }, { name: 'marketing', weight: 20 }];
/** Normal failures: undelivered (unreachable, unknown destination, landline) and failed at send. */
const UNDELIVERED_CODES = [{ code: '30003', weight: 50 }, { code: '30005', weight: 30 }, { code: '30006', weight: 20 }];
const FAILED_CODES = [{ code: '30008', weight: 60 }, { code: '21610', weight: 40 }];
const P_FAILED = 0.003;
const P_UNDELIVERED = 0.012;
/** Median sent-to-delivered time and the spread of its log (p95 about 6.7 s). */
const DELIVERY_MEDIAN_MS = 2500;
const DELIVERY_SIGMA = 0.6;
const LATENCY_FACTOR = 15;

function pick<T extends { weight: number }>(rnd: () => number, items: readonly T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = rnd() * total;
  for (const item of items) { r -= item.weight; if (r < 0) return item; }
  return items[items.length - 1]!;
}

export class MessageTraffic {
  readonly messages: SimMessage[] = [];
  private readonly rnd: () => number;
  private queue: MessageEvent[] = [];
  private readonly startMs: number;

  constructor(private readonly sink: MessageSink, options: { seed: number; start: Date; incident?: MessageIncidentKind }) {
    // Its own stream (seed + 1), so the counters a seed records are the same with or without messages.
    this.rnd = seededRandom((options.seed + 1) >>> 0);
    this.startMs = options.start.getTime();
    this.incident = options.incident;
  }

  private readonly incident: MessageIncidentKind | undefined;

  /** One message from userId, queued in tick `tick`; `incidentOn` says whether the staged incident is on then. */
  plan(userId: string, tick: number, incidentOn: boolean): SimMessage {
    const r = this.rnd;
    const country = pick(r, COUNTRIES);
    const carrier = pick(r, country.carriers).name;
    const s = pick(r, country.code === 'US' ? US_SENDERS : ABROAD_SENDERS);
    const messageClass = pick(r, CLASSES).name;
    const segments = r() < 0.8 ? 1 : r() < 0.75 ? 2 : 3;
    const to = country.prefix + String(Math.floor(r() * 1000)).padStart(3, '0');
    const id = 'SM' + Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
    const queued = this.startMs + tick * 1000 + Math.floor(r() * 1000);
    const sent = queued + 200 + Math.floor(r() * 1300);
    // Log-normal delivery time (Box-Muller).
    const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    let delay = Math.round(DELIVERY_MEDIAN_MS * Math.exp(DELIVERY_SIGMA * normal));
    const fate = r();
    const codeDraw = r();
    const kind = incidentOn ? this.incident : undefined;
    if (kind === 'latency') delay *= LATENCY_FACTOR;
    let final: SimMessage['final'] = 'delivered';
    let errorCode: string | null = null;
    if (fate < P_FAILED) {
      final = 'failed';
      errorCode = pick(() => codeDraw, FAILED_CODES).code;
    } else if (kind === 'filtering' && s.sender === FILTERED_SENDER && carrier === FILTERED_CARRIER && fate < 0.7) {
      final = 'undelivered'; errorCode = '30007';
    } else if (kind === 'carrier' && carrier === COLLAPSED_CARRIER && fate < 0.6) {
      final = 'undelivered'; errorCode = codeDraw < 0.7 ? '30003' : '30008';
    } else if (fate < P_FAILED + P_UNDELIVERED) {
      final = 'undelivered'; errorCode = pick(() => codeDraw, UNDELIVERED_CODES).code;
    } else if (kind === 'receipts' && carrier === NO_RECEIPT_CARRIER) {
      final = null;
    }
    const m: SimMessage = {
      message_id: id, user_id: userId, country: country.code, carrier, sender: s.sender, sender_type: s.sender_type,
      message_class: messageClass, segments, price_usd: Math.round(country.price * segments * 1e4) / 1e4, to,
      queued_ms: queued, sent_ms: final === 'failed' ? null : sent, final,
      final_ms: final === null ? null : final === 'failed' ? sent : sent + delay, error_code: errorCode,
    };
    this.messages.push(m);
    const base = { message_id: id, user_id: userId, provider: 'twilio', sender: m.sender, to, callback_class: messageClass };
    const at = (ms: number) => new Date(ms).toISOString();
    this.queue.push({ ...base, status: 'queued', occurred_at: at(queued), sender_type: m.sender_type, country: m.country,
      message_class: m.message_class, segments });
    // The provider knows the carrier once it hands the message over (its number lookup), and the receipt names it again.
    if (m.sent_ms !== null) this.queue.push({ ...base, status: 'sent', occurred_at: at(m.sent_ms), carrier, price_usd: m.price_usd });
    if (m.final !== null) {
      const receipt: MessageEvent = { ...base, status: m.final, occurred_at: at(m.final_ms!) };
      if (m.final !== 'failed') receipt.carrier = carrier;
      if (errorCode) receipt.error_code = errorCode;
      this.queue.push(receipt);
    }
    return m;
  }

  /** Sends the events that happened before the end of tick `tick`, in time order. */
  async emit(tick: number): Promise<void> {
    const until = this.startMs + (tick + 1) * 1000;
    const due = this.queue.filter((e) => Date.parse(e.occurred_at) < until);
    if (due.length === 0) return;
    this.queue = this.queue.filter((e) => Date.parse(e.occurred_at) >= until);
    due.sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0));
    await this.sink.send(due);
  }

  /** Sends every event still to come (the receipts of the last ticks' messages). */
  async drain(): Promise<void> {
    await this.emit(this.lastEventTick());
  }

  /** Events not sent yet (receipts still to come). */
  pending(): number { return this.queue.length; }

  /** The tick by whose end every planned event has happened. */
  lastEventTick(): number {
    const last = this.queue.reduce((m, e) => Math.max(m, Date.parse(e.occurred_at)), this.startMs);
    return Math.floor((last - this.startMs) / 1000);
  }
}
