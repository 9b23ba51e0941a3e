// sms-monitor simulate: realistic SMS traffic for a set of users, recorded through the buffered
// client (scheduled, LLM successes and template fallbacks with costs and timings, sends with SMS
// cost, deliveries with timings, failures, opt-outs, quiet-hours skips, daily-limit hits), so a
// fresh machine shows something real; it can stage an incident and backfill days of history.
//
// Time is counted in ticks of one simulated second: the command runs one tick per wall-clock
// second, tests call tick() directly with a seeded RNG, so what is recorded is a function of the
// seed and the number of ticks only (backfill: of the seed, the days and the time it is given).
// The command's live loop (watching the staged incident open, acknowledging it, draining the
// backlog until it resolves) is in simulate-run.ts.
import type { Command } from 'commander';
import type { SmsMonitor } from '../client/client.ts';
import { parseDuration, parsePositiveInt, UsageError } from './common.ts';
import { type MessageIncidentKind, MESSAGE_INCIDENTS, type MessageTraffic } from './simulate-messages.ts';
import { seededRandom } from './simulate-random.ts';
import { runSimulation } from './simulate-run.ts';

export type IncidentKind = 'delivery' | 'llm' | 'opt_out' | 'cost' | MessageIncidentKind;
export const INCIDENTS: readonly IncidentKind[] = ['delivery', 'llm', 'opt_out', 'cost', ...MESSAGE_INCIDENTS];
/** The rule each staged incident breaches (the message incidents: the per-dimension rules). */
export const INCIDENT_RULE: Record<IncidentKind, string> = {
  delivery: 'delivery_rate_critical', llm: 'llm_failure_critical', opt_out: 'opt_out_rate_warning', cost: 'llm_cost_spike_warning',
  filtering: 'sender_filtering_warning', receipts: 'receipt_delay_warning', latency: 'delivery_latency_warning',
  carrier: 'carrier_delivery_rate_critical',
};
/** Whether an incident needs message events (it names a carrier, sender or delivery time). */
export function isMessageIncident(kind: string | undefined): kind is MessageIncidentKind {
  return (MESSAGE_INCIDENTS as readonly string[]).includes(kind ?? '');
}

/** The recording methods the simulator uses (the client's). */
export type Recorder = Pick<SmsMonitor, 'recordScheduled' | 'recordSent' | 'recordDelivered' | 'recordFailed'
  | 'recordLLMGeneration' | 'recordOptOut' | 'recordQuietHoursSkip' | 'recordDailyLimitHit' | 'recordSmsCost' | 'record'>;

export interface SimulatorOptions {
  users: number;
  /** Messages per tick (a simulated second). */
  rate: number;
  incident?: IncidentKind;
  /** The incident starts after this many ticks... */
  incidentAfterTicks?: number;
  /** ...and lasts this many (default 120: two minutes). */
  incidentTicks?: number;
  seed?: number;
  /**
   * Message events instead of the message counters: each sent message goes to this traffic (its
   * sent, delivered, failed, cost and delivery-time counters then follow from its events), and the
   * Tally's sent_count, delivered_count, failed_count, sms_cost_usd and delivery_time_samples stay 0.
   */
  messages?: MessageTraffic;
}

/** What the simulator asked to record, by metric type (counts, and sums rounded to 1e-9). */
export interface Tally {
  scheduled_count: number; sent_count: number; delivered_count: number; failed_count: number;
  llm_success_count: number; template_fallback_count: number; opt_out_count: number;
  quiet_hours_skip_count: number; daily_limit_hit_count: number;
  llm_cost_usd: number; sms_cost_usd: number;
  delivery_time_samples: number; generation_time_samples: number;
}

export { seededRandom };

const NANO = 1e9;

export class Simulator {
  readonly users: string[];
  readonly tally: Tally = {
    scheduled_count: 0, sent_count: 0, delivered_count: 0, failed_count: 0, llm_success_count: 0,
    template_fallback_count: 0, opt_out_count: 0, quiet_hours_skip_count: 0, daily_limit_hit_count: 0,
    llm_cost_usd: 0, sms_cost_usd: 0, delivery_time_samples: 0, generation_time_samples: 0,
  };
  ticks = 0;
  private readonly rnd: () => number;
  private seq = 0;
  private llmNano = 0;
  private smsNano = 0;

  constructor(private readonly recorder: Recorder, private readonly options: SimulatorOptions) {
    if (!Number.isInteger(options.users) || options.users < 1 || options.users > 100_000) {
      throw new UsageError('--users: must be between 1 and 100000');
    }
    if (!Number.isInteger(options.rate) || options.rate < 1 || options.rate > 10_000) {
      throw new UsageError('--rate: must be between 1 and 10000 messages a second');
    }
    if (options.incident !== undefined && !INCIDENTS.includes(options.incident)) {
      throw new UsageError(`--incident: must be one of ${INCIDENTS.join(', ')}`);
    }
    this.rnd = seededRandom(options.seed ?? 1);
    // User ids from the RNG: the same seed gives the same users.
    this.users = Array.from({ length: options.users }, () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(this.rnd() * 16).toString(16)).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    });
  }

  private incidentEndedAt: number | null = null;

  /** Is the staged incident on during the current tick? */
  incidentActive(): boolean {
    if (!this.options.incident) return false;
    const start = this.options.incidentAfterTicks ?? 180;
    const end = this.incidentEndedAt ?? start + (this.options.incidentTicks ?? 120);
    return this.ticks >= start && this.ticks < end;
  }

  /** Ends the staged incident now (the carrier recovered early): later ticks are normal traffic. */
  endIncident(): void {
    if (this.incidentActive()) this.incidentEndedAt = this.ticks;
  }

  /**
   * Plausible history for the `days` reporting days before `now`'s (UTC dates): every hour a few
   * users send a volume that follows the day (quiet at night, busiest in the afternoon), each day
   * 98.5-99.7 % delivered and 3-6 % template fallbacks. Hours less than three hours before `now`
   * are left out, so the rules' windows (the current and the previous hour) see only live traffic.
   */
  async backfill(days: number, now: Date): Promise<void> {
    if (!Number.isInteger(days) || days < 0 || days > 30) throw new UsageError('--backfill: must be between 0 and 30 days');
    const writes: Array<Promise<void>> = [];
    const todayUtc = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const rec = (type: Parameters<Recorder['record']>[0], userId: string, value: number, at: Date) => {
      if (value > 0) writes.push(this.recorder.record(type, { userId, value, at }));
    };
    for (let d = days; d >= 1; d--) {
      const dayScale = 0.85 + this.rnd() * 0.3;
      const pDeliver = 0.985 + this.rnd() * 0.012;
      const pFallback = 0.03 + this.rnd() * 0.03;
      for (let h = 0; h < 24; h++) {
        const at = new Date(todayUtc - d * 86_400_000 + h * 3_600_000 + 30 * 60_000);
        if (at.getTime() > now.getTime() - 3 * 3_600_000) continue;
        // Sends this hour: about 600 at night up to about 4,000 in the afternoon.
        const shape = 0.15 + 0.85 * Math.max(0, Math.sin((Math.PI * (h - 6)) / 18));
        const hourly = Math.round(4000 * shape * dayScale);
        for (let k = 0; k < 8; k++) {
          const user = this.users[Math.floor(this.rnd() * this.users.length)]!;
          const sent = Math.round((hourly / 8) * (0.5 + this.rnd()));
          const delivered = Math.round(sent * pDeliver);
          const llm = Math.round(sent * (1 - pFallback));
          const skips = Math.round(sent * 0.01 * this.rnd());
          const limits = this.rnd() < 0.05 ? 1 : 0;
          const optOuts = this.rnd() < sent * 0.0002 ? 1 : 0;
          const llmNano = Math.round(llm * 0.0014 * NANO);
          rec('scheduled_count', user, sent + skips + limits, at);
          rec('sent_count', user, sent, at);
          rec('delivered_count', user, delivered, at);
          rec('failed_count', user, sent - delivered, at);
          rec('llm_success_count', user, llm, at);
          rec('template_fallback_count', user, sent - llm, at);
          rec('quiet_hours_skip_count', user, skips, at);
          rec('daily_limit_hit_count', user, limits, at);
          rec('opt_out_count', user, optOuts, at);
          rec('llm_cost_usd', user, llmNano / NANO, at);
          rec('sms_cost_usd', user, (sent * 7_900_000) / NANO, at);
          // One timing sample per user and hour (the mean is what the charts show).
          rec('avg_delivery_time_ms', user, delivered > 0 ? 800 + Math.round(this.rnd() * 3200) : 0, at);
          rec('avg_generation_time_ms', user, sent > 0 ? 300 + Math.round(this.rnd() * 1200) : 0, at);
          const t = this.tally;
          t.scheduled_count += sent + skips + limits; t.sent_count += sent; t.delivered_count += delivered;
          t.failed_count += sent - delivered; t.llm_success_count += llm; t.template_fallback_count += sent - llm;
          t.quiet_hours_skip_count += skips; t.daily_limit_hit_count += limits; t.opt_out_count += optOuts;
          t.delivery_time_samples += delivered > 0 ? 1 : 0; t.generation_time_samples += sent > 0 ? 1 : 0;
          this.llmNano += llmNano;
          this.smsNano += sent * 7_900_000;
        }
      }
    }
    this.tally.llm_cost_usd = this.llmNano / NANO;
    this.tally.sms_cost_usd = this.smsNano / NANO;
    await Promise.all(writes);
  }

  /** One simulated second: `rate` messages (or `messages`) through the pipeline. Resolves when the client accepted them. */
  async tick(messages = this.options.rate): Promise<void> {
    const on = this.incidentActive();
    const kind = on ? this.options.incident : undefined;
    const pDeliver = kind === 'delivery' ? 0.5 : 0.995;
    const pFallback = kind === 'llm' ? 0.8 : 0.04;
    const pOptOut = kind === 'opt_out' ? 0.2 : 0.0002;
    const costFactor = kind === 'cost' ? 12 : 1;
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < messages; i++) {
      const user = this.users[Math.floor(this.rnd() * this.users.length)]!;
      const id = `sim-${++this.seq}`;
      writes.push(this.recorder.recordScheduled(user, 1));
      this.tally.scheduled_count += 1;
      const r = this.rnd();
      if (r < 0.01) {
        writes.push(this.recorder.recordQuietHoursSkip(user, 1));
        this.tally.quiet_hours_skip_count += 1;
        continue;
      }
      if (r < 0.0105) {
        writes.push(this.recorder.recordDailyLimitHit(user));
        this.tally.daily_limit_hit_count += 1;
        continue;
      }
      const generationMs = 300 + Math.round(this.rnd() * 1200);
      if (this.rnd() < pFallback) {
        writes.push(this.recorder.recordLLMGeneration(user, 'template', null, generationMs));
        this.tally.template_fallback_count += 1;
      } else {
        const cost = Math.round((0.0008 + this.rnd() * 0.0012) * costFactor * NANO) / NANO;
        writes.push(this.recorder.recordLLMGeneration(user, 'llm', cost, generationMs));
        this.tally.llm_success_count += 1;
        this.llmNano += Math.round(cost * NANO);
      }
      this.tally.generation_time_samples += 1;
      if (this.options.messages) {
        this.options.messages.plan(user, this.ticks, on);
        if (this.rnd() < pOptOut) {
          writes.push(this.recorder.recordOptOut(user));
          this.tally.opt_out_count += 1;
        }
        continue;
      }
      writes.push(this.recorder.recordSent(user, id, `SM${this.seq.toString(16).padStart(32, '0')}`));
      writes.push(this.recorder.recordSmsCost(user, 0.0079));
      this.tally.sent_count += 1;
      this.smsNano += 7_900_000;
      if (this.rnd() < pDeliver) {
        writes.push(this.recorder.recordDelivered(user, id, 800 + Math.round(this.rnd() * 3200)));
        this.tally.delivered_count += 1;
        this.tally.delivery_time_samples += 1;
      } else {
        writes.push(this.recorder.recordFailed(user, id, 'carrier rejected the message (30007)'));
        this.tally.failed_count += 1;
      }
      if (this.rnd() < pOptOut) {
        writes.push(this.recorder.recordOptOut(user));
        this.tally.opt_out_count += 1;
      }
    }
    this.tally.llm_cost_usd = this.llmNano / NANO;
    this.tally.sms_cost_usd = this.smsNano / NANO;
    const emitted = this.options.messages?.emit(this.ticks);
    this.ticks += 1;
    await Promise.all([...writes, emitted]);
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('record realistic SMS traffic for a set of users through the buffered client, one second at a '
      + 'time, or message events through record_sms_message_events or signed Twilio or Vonage webhooks, and optionally backfill '
      + 'history and stage an incident (connect as a writer; --ack-after needs an admin)')
    .option('--users <n>', 'how many users', parsePositiveInt, 200)
    .option('--rate <n>', 'messages a second', parsePositiveInt, 20)
    .option('--backfill <days>', 'first record this many days of plausible history before today (at most 30; default none)', parsePositiveInt)
    .option('--incident <kind>', `stage an incident: ${INCIDENTS.join(' | ')} (the last four with message events: 30007 `
      + 'filtering of one sender at one carrier, one carrier sending no receipts, slow delivery, one carrier\'s delivery collapsing)')
    // Durations: the default is said in words here and applied in runSimulation (commander would print milliseconds).
    .option('--after <duration>', 'when the incident starts (default 3m)', parseDuration)
    .option('--incident-for <duration>', 'how long it lasts at most (default 2m; with --ack-after it ends once its alert is open)', parseDuration)
    .option('--ack-after <duration>', 'watch for the incident\'s alert to open, acknowledge it this long after, as "simulator", '
      + 'then send the backlog at 10 times the rate until the alert resolves (needs an admin role)', parseDuration)
    .option('--messages', 'record message events (message ids, statuses, carriers, countries, senders, error codes, '
      + 'prices) instead of the sent, delivered, failed and cost counters; implied by the message incidents and --via webhook')
    .option('--via <path>', 'how message events arrive: rpc (record_sms_message_events, one batch a second) or webhook '
      + '(signed callbacks of --provider to --url)', 'rpc')
    .option('--provider <name>', 'whose callbacks --via webhook sends: twilio (status callbacks; needs TWILIO_AUTH_TOKEN, '
      + 'and SMS_MONITOR_PUBLIC_URL when the server has one) or vonage (delivery receipts; needs VONAGE_SIGNATURE_SECRET, '
      + 'and VONAGE_SIGNATURE_METHOD when the server has one)', 'twilio')
    .option('--url <url>', 'the server for --via webhook', 'http://127.0.0.1:8787')
    .option('--seed <n>', 'random seed (default: the time)', parsePositiveInt)
    .option('--ticks <n>', 'stop after this many simulated seconds (default: run until Ctrl-C)', parsePositiveInt)
    .action(async (opts: SimulateOptions) => {
      if (opts.incident !== undefined && !INCIDENTS.includes(opts.incident as IncidentKind)) {
        console.error(`sms-monitor simulate: --incident: must be one of ${INCIDENTS.join(', ')}`);
        process.exit(2);
      }
      if (opts.via !== 'rpc' && opts.via !== 'webhook') {
        console.error('sms-monitor simulate: --via: must be rpc or webhook');
        process.exit(2);
      }
      if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(opts.provider)) {
        console.error(`sms-monitor simulate: --provider: must be ${WEBHOOK_PROVIDERS.join(' or ')}`);
        process.exit(2);
      }
      await runSimulation(program, opts);
    });
}

export interface SimulateOptions {
  users: number; rate: number; backfill?: number; incident?: string; after?: number; incidentFor?: number;
  ackAfter?: number; seed?: number; ticks?: number; messages?: boolean; via: 'rpc' | 'webhook'; url: string;
  provider: WebhookProvider;
}

/** The providers whose callbacks simulate --via webhook sends. */
export const WEBHOOK_PROVIDERS = ['twilio', 'vonage'] as const;
export type WebhookProvider = typeof WEBHOOK_PROVIDERS[number];
