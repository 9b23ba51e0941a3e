// The `simulate` command's live loop: one tick a wall-clock second (or --ticks as fast as it can),
// after an optional backfill of history. With --ack-after it follows the staged incident through
// its life as an operator would: it polls for the incident's alert (the minute's check opens it
// whenever it runs, so no fixed tick can be right), ends the staged fault once the alert is open,
// acknowledges it --ack-after later as "simulator", and sends the backlog at 10 times the rate
// until the alert resolves (at most CATCH_UP_TICKS), so one incident fires, is acknowledged and
// resolves within minutes. Every step is one line on stderr; the tally is printed as JSON at the end.
import type { Command } from 'commander';
import type { SmsMonitor } from '../client/client.ts';
import { resolveDatabaseUrl } from '../client/config.ts';
import { type MessageSink, MessageTraffic, rpcSink } from './simulate-messages.ts';
import type { VonageSignatureMethod } from '../server/webhooks/vonage.ts';
import {
  INCIDENT_RULE, type IncidentKind, isMessageIncident, type SimulateOptions, Simulator, type WebhookProvider,
} from './simulate.ts';

/** How often (in ticks) the staged incident's alert is looked up. */
const POLL_TICKS = 2;
/** The backlog after the incident goes out at this multiple of --rate... */
const CATCH_UP_FACTOR = 10;
/** ...for at most this many ticks. */
const CATCH_UP_TICKS = 180;

function say(text: string): void {
  console.error(`sms-monitor simulate: ${text}`);
}

/** Follows one staged incident: open -> acknowledged -> resolved, by polling the open alerts. */
class IncidentWatch {
  openedAt: number | null = null;
  ids: string[] = [];
  acknowledged = false;
  resolved = false;
  catchUpFrom: number | null = null;

  constructor(private readonly monitor: SmsMonitor, private readonly rule: string, private readonly ackAfterTicks: number) {}

  /** Called after each tick; returns how many messages the next tick sends (the backlog drains faster). */
  async step(sim: Simulator, rate: number): Promise<number> {
    const tick = sim.ticks;
    const polling = tick % POLL_TICKS === 0 || (this.openedAt !== null && !this.acknowledged);
    if (!this.resolved && polling && (sim.incidentActive() || this.openedAt !== null)) {
      const open = await this.monitor.alerts({ type: 'unresolved', limit: 200 });
      const mine = open.data.filter((a) => a.alert_type === this.rule);
      if (this.openedAt === null && mine.length > 0) {
        this.openedAt = tick;
        this.ids = mine.map((a) => a.id);
        say(`${this.rule} is open (tick ${tick}): ${mine.map((a) => a.id).join(', ')}; the staged fault ends now`);
        sim.endIncident();
        this.catchUpFrom = tick;
      } else if (this.openedAt !== null && !mine.some((a) => this.ids.includes(a.id))) {
        this.resolved = true;
        say(`${this.rule} resolved (tick ${tick}, ${tick - this.openedAt} s after it opened)`);
      }
    }
    if (this.openedAt !== null && !this.acknowledged && tick >= this.openedAt + this.ackAfterTicks) {
      for (const id of this.ids) await this.monitor.acknowledge(id, 'simulator');
      this.acknowledged = true;
      say(`acknowledged ${this.ids.length} open incident(s) of ${this.rule} as simulator (tick ${tick})`);
    }
    const catchingUp = this.catchUpFrom !== null && !this.resolved && tick < this.catchUpFrom + CATCH_UP_TICKS;
    return catchingUp ? rate * CATCH_UP_FACTOR : rate;
  }
}

const PROVIDER_NAMES: Record<WebhookProvider, string> = { twilio: 'Twilio', vonage: 'Vonage' };

/**
 * The --via webhook sink of --provider, signing with the server's secret from the environment.
 * Loaded here, not at start-up: the webhook code brings libphonenumber's metadata.
 */
async function webhookSinkFromEnv(opts: SimulateOptions): Promise<MessageSink> {
  const { webhookSink } = await import('./simulate-webhook.ts');
  const { VONAGE_DEFAULT_METHOD, VONAGE_SIGNATURE_METHODS } = await import('../server/webhooks/vonage.ts');
  if (opts.provider === 'vonage') {
    const signatureSecret = process.env.VONAGE_SIGNATURE_SECRET;
    if (!signatureSecret) throw new Error('--via webhook --provider vonage: VONAGE_SIGNATURE_SECRET must be set (the server\'s, to sign the receipts)');
    const method = (process.env.VONAGE_SIGNATURE_METHOD?.trim() || VONAGE_DEFAULT_METHOD).toLowerCase();
    if (!(VONAGE_SIGNATURE_METHODS as readonly string[]).includes(method)) {
      throw new Error(`VONAGE_SIGNATURE_METHOD: must be one of ${VONAGE_SIGNATURE_METHODS.join(', ')}`);
    }
    return webhookSink({ provider: 'vonage', url: opts.url, signatureSecret, signatureMethod: method as VonageSignatureMethod });
  }
  const authToken = process.env.TWILIO_AUTH_TOKEN;
  if (!authToken) throw new Error('--via webhook: TWILIO_AUTH_TOKEN must be set (the server\'s, to sign the callbacks)');
  return webhookSink({ provider: 'twilio', url: opts.url, publicUrl: process.env.SMS_MONITOR_PUBLIC_URL || undefined, authToken });
}

export async function runSimulation(program: Command, options: SimulateOptions): Promise<void> {
  const opts = { ...options, after: options.after ?? 180_000, incidentFor: options.incidentFor ?? 120_000 };
  // Loaded here, not at start-up (postgres.js): `sms-monitor --help` stays quick.
  const { createSmsMonitor } = await import('../client/client.ts');
  const monitor = createSmsMonitor(resolveDatabaseUrl(program.opts().databaseUrl as string | undefined), {
    buffered: true,
    onError: (e, ctx) => console.error(`sms-monitor simulate: ${ctx.operation} failed: ${e.message} (${e.code})`),
  });
  const seed = opts.seed ?? (Date.now() % 2_147_483_647);
  const messageMode = opts.messages === true || opts.via === 'webhook' || isMessageIncident(opts.incident);
  let traffic: MessageTraffic | undefined;
  let sim: Simulator;
  try {
    if (messageMode) {
      let sink: MessageSink;
      if (opts.via === 'webhook') {
        sink = await webhookSinkFromEnv(opts);
      } else {
        sink = rpcSink((events, batchId) => monitor.rpc('record_sms_message_events', { p_events: events as never, p_batch_id: batchId }));
      }
      // Live, simulated time starts now: tick t is the wall-clock second t after the start. With
      // --ticks (as fast as it can) the run ends 10 minutes before now, so every event, the last
      // receipts included (sent at the end), is in the past.
      const start = new Date(Date.now() - (opts.ticks === undefined ? 0 : (opts.ticks + 600) * 1000));
      traffic = new MessageTraffic(sink, { seed, start, incident: isMessageIncident(opts.incident) ? opts.incident : undefined });
    }
    sim = new Simulator(monitor, {
      users: opts.users, rate: opts.rate, incident: opts.incident as IncidentKind | undefined,
      incidentAfterTicks: Math.round(opts.after / 1000), incidentTicks: Math.round(opts.incidentFor / 1000),
      seed, messages: traffic,
    });
    if (opts.backfill) {
      await sim.backfill(opts.backfill, new Date());
      await monitor.flush();
      say(`backfilled ${opts.backfill} days of history: sent ${sim.tally.sent_count}, delivered ${sim.tally.delivered_count}`);
      // The charts read the live views either way; rolling the backfill up now keeps their reads
      // from aggregating the whole backfill as the not-yet-rolled-up tail until the job catches up.
      await monitor.rpc('refresh_sms_metrics_daily', {}).catch((e: Error) => say(`the backfill is not rolled up yet `
        + `(${e.message}): the rollup job does it within a minute; the figures are the same meanwhile`));
    }
  } catch (error) {
    say((error as Error).message);
    await monitor.close();
    process.exit(2);
  }
  let stopping = false;
  const stop = () => { stopping = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  say(`${opts.users} users, ${opts.rate} messages a second`
    + (traffic ? ` as message events (${opts.via === 'webhook' ? `signed ${PROVIDER_NAMES[opts.provider]} callbacks to ${opts.url}`
      : 'record_sms_message_events'})` : '')
    + (opts.incident ? `; a ${opts.incident} incident from ${opts.after / 1000} s for at most ${opts.incidentFor / 1000} s` : ''));
  const watch = opts.incident && opts.ackAfter !== undefined
    ? new IncidentWatch(monitor, INCIDENT_RULE[opts.incident as IncidentKind], Math.round(opts.ackAfter / 1000)) : null;
  let next = opts.rate;
  const started = Date.now();
  while (!stopping && (opts.ticks === undefined || sim.ticks < opts.ticks)) {
    const was = sim.incidentActive();
    try {
      await sim.tick(next);
    } catch (error) {
      // A refused batch or callback: say why and stop (the counters' buffered writes report through onError).
      say(`recording message events failed: ${(error as Error).message}`);
      await monitor.close();
      process.exit(1);
    }
    if (sim.incidentActive() !== was) say(`incident ${sim.incidentActive() ? 'started' : 'over'} (tick ${sim.ticks})`);
    if (watch) next = await watch.step(sim, opts.rate);
    if (next !== opts.rate && sim.ticks % 30 === 0) say(`sending the backlog: ${next} messages a second`);
    if (sim.ticks % 60 === 0) {
      const t = sim.tally;
      if (traffic) {
        const m = traffic.messages;
        say(`${sim.ticks} s: ${m.length} messages, ${m.filter((x) => x.final === 'delivered').length} delivered, `
          + `${m.filter((x) => x.final === 'undelivered' || x.final === 'failed').length} failed (receipts still to come: ${traffic.pending()})`);
      } else {
        say(`${sim.ticks} s: sent ${t.sent_count}, delivered ${t.delivered_count}, failed ${t.failed_count}`);
      }
    }
    if (opts.ticks === undefined) {
      // One tick per wall-clock second, measured from the start (no drift).
      const wait = started + sim.ticks * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  if (traffic && opts.ticks !== undefined) {
    // --ticks: the receipts still to come of the last messages go out too (they are in the past).
    try {
      await traffic.drain();
    } catch (error) {
      say(`recording message events failed: ${(error as Error).message}`);
      await monitor.close();
      process.exit(1);
    }
  }
  await monitor.close();
  console.log(JSON.stringify({ ticks: sim.ticks, users: opts.users, ...sim.tally,
    ...(traffic ? { messages: traffic.messages.length, message_events_pending: traffic.pending() } : {}) }));
  process.exit(0);
}
