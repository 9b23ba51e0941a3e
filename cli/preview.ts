// sms-monitor preview: what `sms-monitor check` would do now (or at --now), changing nothing
// (preview_sms_alerts: the engine runs and is rolled back; no incident, notification or rule state).
import { type Command, InvalidArgumentError } from 'commander';
import { dimension, printJson, printTable, withClient } from './common.ts';
import { hasUtcOffset } from '../client/validate.ts';

function parseTime(v: string): Date {
  if (!hasUtcOffset(v)) throw new InvalidArgumentError(`"${v}" has no UTC offset (say Z or +hh:mm, e.g. 2026-03-29T12:00:00Z)`);
  const t = new Date(v);
  if (Number.isNaN(t.getTime())) throw new InvalidArgumentError(`"${v}" is not a time (ISO 8601)`);
  return t;
}

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('what `check` would do for every enabled rule, per value of a per-dimension rule (fire, repeat, resolve, ...), changing nothing: '
      + 'no incident, no notification, no rule state')
    .option('--now <time>', 'as of this time, ISO 8601 with a UTC offset, e.g. 2026-03-29T12:00:00Z (default now; the future is allowed)', parseTime)
    .option('--json', 'print the rows as JSON')
    .action(withClient(program, 'preview', async (client, opts: { now?: Date; json?: boolean }) => {
      const rows = await client.preview(opts.now);
      if (opts.json) return printJson(rows);
      printTable(['alert_type', 'for', 'would', 'value', 'threshold', 'sample', 'alert_id', 'detail'],
        rows.map((r) => [r.alert_type, dimension(r), r.action, r.metric_value, r.threshold_value, r.sample_size, r.alert_id, r.detail]));
      console.log('(a preview: nothing was changed; `sms-monitor check` does it)');
    }));
}
