// sms-monitor record <type> [--user <uuid>] [--value <n>] [--at <time>]: one event, written at once.
import { Command, InvalidArgumentError } from 'commander';
import { METRIC_KINDS, type MetricType } from '../client/client.ts';
import { withClient } from './common.ts';
import { hasUtcOffset } from '../client/validate.ts';

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record one event (for tests and backfills; services use the client library)')
    .argument('<type>', `metric type: ${Object.keys(METRIC_KINDS).join(', ')}`)
    .option('--user <uuid>', 'the user (default: system-wide)')
    .option('--value <number>', 'the value (default 1; a timing is one sample in ms)', (v: string) => {
      if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a non-negative number`);
      return Number(v);
    })
    .option('--at <time>', 'when it happened, ISO 8601 with a UTC offset, e.g. 2026-03-29T01:30:00Z (default now)', (v: string) => {
      if (!hasUtcOffset(v)) throw new InvalidArgumentError(`"${v}" has no UTC offset (say Z or +hh:mm, e.g. 2026-03-29T01:30:00Z)`);
      return v;
    })
    .option('--json', 'print what was recorded as JSON')
    .action(withClient(program, 'record', async (client, type: string,
      opts: { user?: string; value?: number; at?: string; json?: boolean }) => {
      await client.record(type as MetricType, { userId: opts.user ?? null, value: opts.value, at: opts.at });
      const what = { metric_type: type, user_id: opts.user ?? null, value: opts.value ?? 1, occurred_at: opts.at ?? null };
      if (opts.json) console.log(JSON.stringify(what));
      else console.log(`recorded ${type} ${what.value}${opts.user ? ` for ${opts.user}` : ' (system-wide)'}`);
    }));
}
