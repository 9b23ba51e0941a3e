// The heartbeat: tells the database which channels this notifier serves (sms_notifier_heartbeat),
// live for three intervals. A channel no live notifier serves shows as "not configured" in
// sms_alert_status, and its rows wait for a notifier that is configured for it.
import { callFunction } from '../client/rpc.ts';
import { errText, type NotifierContext } from './context.ts';

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: NotifierContext, private readonly intervalMs: number) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    void this.beat();
  }

  private async beat(): Promise<void> {
    if (this.ctx.stopping.aborted) return;
    const ttl = Math.max(5, Math.ceil((this.intervalMs * 3) / 1000));
    try {
      await callFunction(this.ctx.sql, 'sms_notifier_heartbeat', { p_worker: this.ctx.workerId, p_channels: this.ctx.served, p_ttl_seconds: ttl });
    } catch (error) {
      // Down or refused: the drain loop reports database problems; the next beat tries again.
      this.ctx.log.debug({ err: errText(this.ctx, error) }, 'could not write the heartbeat; trying again at the next one');
    }
  }

  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Withdraws the heartbeat at shutdown (it would expire on its own otherwise). */
  async withdraw(): Promise<void> {
    try {
      await callFunction(this.ctx.sql, 'sms_notifier_heartbeat', { p_worker: this.ctx.workerId, p_channels: null });
    } catch (error) {
      this.ctx.log.debug({ err: errText(this.ctx, error) }, 'could not withdraw the heartbeat; it expires on its own');
    }
  }
}
