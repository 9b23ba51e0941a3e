// The log channel: one JSON line per notification on stdout (operational logs go to stderr).
import { headline } from '../format.ts';
import type { Channel, OutboxRow, Outcome } from '../types.ts';
import { RetryAfterHold } from '../hold.ts';

export class LogChannel implements Channel {
  readonly name = 'log' as const;
  readonly hold = new RetryAfterHold();
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async deliver(row: OutboxRow): Promise<Outcome> {
    const p = row.payload;
    const line = JSON.stringify({
      type: 'sms_monitor_notification',
      notification_id: row.id,
      time: new Date().toISOString(),
      event: p.event,
      severity: p.severity,
      alert_type: p.alert_type,
      alert_id: p.alert_id,
      dedup_key: p.dedup_key ?? null,
      summary: headline(p),
      payload: p,
    });
    return new Promise<Outcome>((resolve) => {
      this.out.write(`${line}\n`, (error) => resolve(error ? { kind: 'retry', error: `log: ${error.message}` } : { kind: 'sent' }));
    });
  }
}
