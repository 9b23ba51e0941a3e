// sms-monitor record <type> [--user <uuid>] [--value <n>] [--at <time>]: one event, written at once.
// sms-monitor record --stdin (or `record -`): JSON lines from stdin for backfills, one
// record_sms_events round trip per chunk of --chunk-size lines, each chunk all or nothing.
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { SmsMonitor } from '../client/client.ts';
import { METRIC_KINDS, type MetricType } from '../client/types.ts';
import { parsePositiveInt, UsageError, withClient } from './common.ts';

import { hasUtcOffset } from '../client/validate.ts';

interface RecordOptions { user?: string; value?: number; at?: string; json?: boolean; stdin?: boolean; chunkSize: number }

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record one event, or a batch of JSON lines from stdin (--stdin or -) for backfills; services use the client library')
    .argument('[type]', `metric type: ${Object.keys(METRIC_KINDS).join(', ')}; - reads JSON lines from stdin`)
    .option('--user <uuid>', 'the user (default: system-wide)')
    .option('--value <number>', 'the value (default 1; a timing is one sample in ms)', (v: string) => {
      if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a non-negative number`);
      return Number(v);
    })
    .option('--at <time>', 'when it happened, ISO 8601 with a UTC offset, e.g. 2026-03-29T01:30:00Z (default now)', (v: string) => {
      if (!hasUtcOffset(v)) throw new InvalidArgumentError(`"${v}" has no UTC offset (say Z or +hh:mm, e.g. 2026-03-29T01:30:00Z)`);
      return v;
    })
    .option('--stdin', 'read events from stdin, one JSON object per line: {"metric_type", "user_id", "value", "occurred_at", "metadata"} '
      + '(the record_sms_events element; only metric_type is required); blank lines are skipped')
    .addOption(new Option('--chunk-size <n>', 'with --stdin: lines per round trip (1-100000), each chunk all or nothing')
      .default(1000).argParser((v: string) => {
        const n = parsePositiveInt(v);
        if (n < 1 || n > 100_000) throw new InvalidArgumentError(`"${v}" must be between 1 and 100000`);
        return n;
      }))
    .option('--json', 'print what was recorded as JSON')
    .action(withClient(program, 'record', async (client, type: string | undefined, opts: RecordOptions) => {
      if (opts.stdin || type === '-') {
        if (opts.stdin && type !== undefined && type !== '-') throw new UsageError('--stdin reads the metric type from each line: give no <type>');
        if (opts.user !== undefined || opts.value !== undefined || opts.at !== undefined) {
          throw new UsageError('--user, --value and --at are per line with --stdin (user_id, value, occurred_at)');
        }
        return recordLines(client, opts);
      }
      if (type === undefined) throw new UsageError('name a metric type, or use --stdin');
      await client.record(type as MetricType, { userId: opts.user ?? null, value: opts.value, at: opts.at });
      const what = { metric_type: type, user_id: opts.user ?? null, value: opts.value ?? 1, occurred_at: opts.at ?? null };
      if (opts.json) console.log(JSON.stringify(what));
      else console.log(`recorded ${type} ${what.value}${opts.user ? ` for ${opts.user}` : ' (system-wide)'}`);
    }));
}

async function recordLines(client: SmsMonitor, opts: RecordOptions): Promise<void> {
  let recorded = 0;
  let chunks = 0;
  let events: unknown[] = [];
  let lines: number[] = [];
  let lineNo = 0;
  const refused = (line: number, problem: string): never => {
    const first = lines[0] ?? line;
    throw new UsageError(`line ${line}: ${problem} (nothing of lines ${first}-${lines[lines.length - 1] ?? line} was recorded`
      + `${recorded ? `; the ${recorded} events of the lines before were` : ''})`);
  };
  const flush = async () => {
    if (events.length === 0) return;
    try {
      recorded += (await client.rpc('record_sms_events', { p_events: events as never })) ?? 0;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      const m = e.code === '22023' ? /^events\[(\d+)\]\.(.*)$/s.exec(e.message ?? '') : null;
      if (m) refused(lines[Number(m[1])] ?? lineNo, m[2]!);
      throw error;
    }
    chunks++;
    events = [];
    lines = [];
  };
  for await (const raw of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNo++;
    if (raw.trim() === '') continue;
    lines.push(lineNo);
    try {
      events.push(JSON.parse(raw));
    } catch (error) {
      refused(lineNo, `not JSON (${(error as Error).message})`);
    }
    if (events.length >= opts.chunkSize) await flush();
  }
  await flush();
  if (opts.json) console.log(JSON.stringify({ recorded, lines: lineNo, round_trips: chunks }));
  else console.log(`recorded ${recorded} events from ${lineNo} lines in ${chunks} round trip${chunks === 1 ? '' : 's'}`);
}
