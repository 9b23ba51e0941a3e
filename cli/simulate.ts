// sms-monitor simulate: realistic SMS traffic for a set of users, recorded through the buffered
// client (scheduled, LLM successes and template fallbacks with costs and timings, sends with SMS
// cost, deliveries with timings, failures, opt-outs, quiet-hours skips, daily-limit hits), so a
// fresh machine shows something real; it can stage an incident.
//
// Time is counted in ticks of one simulated second: the command runs one tick per wall-clock
// second, tests call tick() directly with a seeded RNG, so what is recorded is a function of the
// seed and the number of ticks only.
import type { Command } from 'commander';
import type { SmsMonitor } from '../client/client.ts';
import { resolveDatabaseUrl } from '../client/config.ts';
import { parseDuration, parsePositiveInt, UsageError } from './common.ts';

export type IncidentKind = 'delivery' | 'llm' | 'opt_out' | 'cost';
export const INCIDENTS: readonly IncidentKind[] = ['delivery', 'llm', 'opt_out', 'cost'];

/** The recording methods the simulator uses (the client's). */
export type Recorder = Pick<SmsMonitor, 'recordScheduled' | 'recordSent' | 'recordDelivered' | 'recordFailed'
  | 'recordLLMGeneration' | 'recordOptOut' | 'recordQuietHoursSkip' | 'recordDailyLimitHit' | 'recordSmsCost'>;

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
}

/** What the simulator asked to record, by metric type (counts, and sums rounded to 1e-9). */
export interface Tally {
  scheduled_count: number; sent_count: number; delivered_count: number; failed_count: number;
  llm_success_count: number; template_fallback_count: number; opt_out_count: number;
  quiet_hours_skip_count: number; daily_limit_hit_count: number;
  llm_cost_usd: number; sms_cost_usd: number;
  delivery_time_samples: number; generation_time_samples: number;
}

/** mulberry32: a small seeded PRNG, so a seed fixes everything the simulator does. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

  /** Is the staged incident on during the current tick? */
  incidentActive(): boolean {
    if (!this.options.incident) return false;
    const start = this.options.incidentAfterTicks ?? 180;
    return this.ticks >= start && this.ticks < start + (this.options.incidentTicks ?? 120);
  }

  /** One simulated second: `rate` messages through the pipeline. Resolves when the client accepted them. */
  async tick(): Promise<void> {
    const on = this.incidentActive();
    const kind = on ? this.options.incident : undefined;
    const pDeliver = kind === 'delivery' ? 0.5 : 0.995;
    const pFallback = kind === 'llm' ? 0.8 : 0.04;
    const pOptOut = kind === 'opt_out' ? 0.2 : 0.001;
    const costFactor = kind === 'cost' ? 12 : 1;
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < this.options.rate; i++) {
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
      if (r < 0.012) {
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
    this.ticks += 1;
    await Promise.all(writes);
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('record realistic SMS traffic for a set of users through the buffered client, one second at a '
      + 'time, and optionally stage an incident (connect as a writer; --ack-after needs an admin)')
    .option('--users <n>', 'how many users (default 200)', parsePositiveInt, 200)
    .option('--rate <n>', 'messages a second (default 20)', parsePositiveInt, 20)
    .option('--incident <kind>', `stage an incident: ${INCIDENTS.join(' | ')}`)
    .option('--after <duration>', 'when the incident starts (default 3m)', parseDuration, 180_000)
    .option('--incident-for <duration>', 'how long it lasts (default 2m)', parseDuration, 120_000)
    .option('--ack-after <duration>', 'acknowledge the open incident this long after it started, as "simulator" (needs an admin role)', parseDuration)
    .option('--seed <n>', 'random seed (default: the time)', parsePositiveInt)
    .option('--ticks <n>', 'stop after this many simulated seconds (default: run until Ctrl-C)', parsePositiveInt)
    .action(async (opts: { users: number; rate: number; incident?: string; after: number; incidentFor: number;
      ackAfter?: number; seed?: number; ticks?: number }) => {
      if (opts.incident !== undefined && !INCIDENTS.includes(opts.incident as IncidentKind)) {
        console.error(`sms-monitor simulate: --incident: must be one of ${INCIDENTS.join(', ')}`);
        process.exit(2);
      }
      // Loaded here, not at start-up (postgres.js): `sms-monitor --help` stays quick.
      const { createSmsMonitor } = await import('../client/client.ts');
      const monitor = createSmsMonitor(resolveDatabaseUrl(program.opts().databaseUrl as string | undefined), {
        buffered: true,
        onError: (e, ctx) => console.error(`sms-monitor simulate: ${ctx.operation} failed: ${e.message} (${e.code})`),
      });
      let sim: Simulator;
      try {
        sim = new Simulator(monitor, {
          users: opts.users, rate: opts.rate, incident: opts.incident as IncidentKind | undefined,
          incidentAfterTicks: Math.round(opts.after / 1000), incidentTicks: Math.round(opts.incidentFor / 1000),
          seed: opts.seed ?? (Date.now() % 2_147_483_647),
        });
      } catch (error) {
        console.error(`sms-monitor simulate: ${(error as Error).message}`);
        await monitor.close();
        process.exit(2);
      }
      let stopping = false;
      const stop = () => { stopping = true; };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      console.error(`sms-monitor simulate: ${opts.users} users, ${opts.rate} messages a second`
        + (opts.incident ? `; a ${opts.incident} incident from ${opts.after / 1000} s for ${opts.incidentFor / 1000} s` : ''));
      const ackTick = opts.incident && opts.ackAfter !== undefined ? Math.round((opts.after + opts.ackAfter) / 1000) : -1;
      const started = Date.now();
      while (!stopping && (opts.ticks === undefined || sim.ticks < opts.ticks)) {
        const was = sim.incidentActive();
        await sim.tick();
        if (sim.incidentActive() !== was) console.error(`sms-monitor simulate: incident ${sim.incidentActive() ? 'started' : 'over'} (tick ${sim.ticks})`);
        if (sim.ticks === ackTick) {
          const open = await monitor.alerts().catch(() => null);
          for (const a of open?.data ?? []) await monitor.acknowledge(a.id, 'simulator').catch(() => {});
          if (open?.data.length) console.error(`sms-monitor simulate: acknowledged ${open.data.length} open incident(s)`);
        }
        if (sim.ticks % 60 === 0) {
          const t = sim.tally;
          console.error(`sms-monitor simulate: ${sim.ticks} s: sent ${t.sent_count}, delivered ${t.delivered_count}, failed ${t.failed_count}`);
        }
        if (opts.ticks === undefined) {
          // One tick per wall-clock second, measured from the start (no drift).
          const wait = started + sim.ticks * 1000 - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
      await monitor.close();
      console.log(JSON.stringify({ ticks: sim.ticks, users: opts.users, ...sim.tally }));
      process.exit(0);
    });
}
