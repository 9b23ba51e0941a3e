// Helpers of the failure-to-page benchmark (bench/sections/62-page.ts): the two pg_cron jobs that
// evaluate alerts in production, run by the bench on the same minute schedule, and signed Telnyx
// message.finalized receipts.
import { generateKeyPairSync, sign } from 'node:crypto';
import type postgres from 'postgres';

/** The ms until the next whole UTC minute after `at`. */
export function msToNextMinute(at = Date.now()): number {
  return 60_000 - (at % 60_000);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The bench's stand-in for pg_cron on the databases of one round: at every whole UTC minute it
 * starts, each in its own session as pg_cron's background workers do, the bodies of
 * `sms-monitor-rollup` (`call sms_monitor.run_sms_rollups()`, which folds and rolls up at its default pause
 * for its default length) and `sms-monitor-check-alerts` (`select sms_monitor.check_sms_alerts()`), with the
 * commands install_sms_monitor_schedule() registers. Like pg_cron, a job whose last run is still
 * active is not started again.
 */
export class MinuteCron {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, postgres.PendingQuery<postgres.Row[]>>();
  private stopped = false;
  private pause = 1;
  readonly errors: Error[] = [];

  /**
   * `continuous`: instead of the rollup job, rollup_sms_messages() and rollup_sms_metrics() at the
   * job's pause without its break (the job's procedure stops before each whole minute).
   */
  constructor(private readonly sessions: Array<{ name: string; rollup: postgres.Sql; check: postgres.Sql; continuous?: boolean }>) {}

  /** `job`: run_sms_rollups's defaults (rollupJobDefaults in bench/lib.ts). */
  start(job: { seconds: number; pause: number }): void {
    this.pause = job.pause;
    // the rollup job as if pg_cron had started it at the last whole minute: the rest of its length
    const left = Math.floor(job.seconds - (Date.now() % 60_000) / 1000);
    for (const s of this.sessions) {
      if (s.continuous) void this.continuousRollup(s.name, s.rollup);
      else if (left > 0) this.run(`${s.name}/rollup`, () => s.rollup`call sms_monitor.run_sms_rollups(${left})`);
    }
    const arm = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => { this.tick(); arm(); }, msToNextMinute());
    };
    arm();
  }

  private tick(): void {
    for (const s of this.sessions) {
      if (!s.continuous) this.run(`${s.name}/rollup`, () => s.rollup`call sms_monitor.run_sms_rollups()`);
      this.run(`${s.name}/check`, () => s.check`select sms_monitor.check_sms_alerts()`);
    }
  }

  private run(key: string, make: () => postgres.PendingQuery<postgres.Row[]>): void {
    if (this.running.has(key)) return;
    const query = make();
    this.running.set(key, query);
    query.then(
      () => { this.running.delete(key); },
      (e: Error) => {
        this.running.delete(key);
        // a run cancelled by stop() is expected; anything else is a failure of the round
        if (!this.stopped) this.errors.push(e);
      },
    );
  }

  private async continuousRollup(name: string, sql: postgres.Sql): Promise<void> {
    while (!this.stopped) {
      try {
        // two transactions, as the job's procedure commits after each
        for (const q of [() => sql`select sms_monitor.rollup_sms_messages()`, () => sql`select sms_monitor.rollup_sms_metrics()`]) {
          const running = q();
          this.running.set(`${name}/continuous`, running);
          await running;
        }
      } catch (e) {
        if (!this.stopped) this.errors.push(e as Error);
        return;
      } finally {
        this.running.delete(`${name}/continuous`);
      }
      if (!this.stopped) await sleep(this.pause * 1_000);
    }
  }

  /** Stops the schedule and cancels the runs still active (the rollup job's run, most of a minute). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const active = [...this.running.values()];
    for (const q of active) q.cancel();
    await Promise.allSettled(active);
  }
}

/** An ed25519 key pair as Telnyx uses it: the public key as base64 of the 32 raw bytes (TELNYX_PUBLIC_KEY). */
export function telnyxKeys(): { publicKey: string; signer: (payload: string) => Record<string, string> } {
  const keys = generateKeyPairSync('ed25519');
  const publicKey = Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
  return {
    publicKey,
    signer: (payload) => {
      const timestamp = Math.floor(Date.now() / 1000);
      return {
        'content-type': 'application/json',
        'telnyx-timestamp': String(timestamp),
        'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${payload}`), keys.privateKey).toString('base64'),
      };
    },
  };
}

/** A Telnyx message.finalized body for one outbound message to one recipient on `carrier`. */
export function telnyxFinalized(id: string, carrier: string, delivered: boolean, sentAt: Date, completedAt: Date): string {
  return JSON.stringify({
    data: {
      event_type: 'message.finalized', id: `ev-${id}`, occurred_at: completedAt.toISOString(), record_type: 'event',
      payload: {
        id, direction: 'outbound', type: 'SMS', parts: 1,
        from: { phone_number: '+18885550100', carrier: 'Telnyx', line_type: 'VoIP' },
        to: [{ phone_number: '+13125550100', status: delivered ? 'delivered' : 'delivery_failed', carrier, line_type: 'Wireless' }],
        cost: { amount: '0.0040', currency: 'USD' },
        errors: delivered ? [] : [{ code: '40300', title: 'Unreachable' }],
        sent_at: sentAt.toISOString(), completed_at: completedAt.toISOString(),
      },
    },
    meta: { attempt: 1 },
  });
}
