// sms-monitor silence: silence a rule (or all) for a while, list the silences, lift one early.
//   silence <alert_type|all> --for 2h --reason "..." [--value <group_value>]   (also: silence add ...)
//   silence list [--all] [--json]
//   silence lift <id> [--json]
// Incidents under a silence are recorded, not notified; announced when it ends if still open.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { SmsMonitor } from '../client/client.ts';
import { cell, parseDuration, parsePositiveInt, printJson, printTable, withClient } from './common.ts';

interface AddOptions { for: number; reason: string; value?: string; json?: boolean }

export function registerSilence(program: Command): void {
  // `add` is the default subcommand: `silence <alert_type|all> --for ... --reason ...` (the short
  // form the docs show) runs it, while `silence list` and `silence lift <id>` are their own.
  const cmd = program
    .command('silence')
    .description('silence one rule (or all) for a while; incidents are still recorded, announced when it ends if still open')
    .addHelpText('after', '\nThe default subcommand is add:\n'
      + '  sms-monitor silence <alert_type|all> --for <duration> --reason <text> [--value <group_value>] [--json]\n'
      + '  sms-monitor silence list [--all] [--json]\n'
      + '  sms-monitor silence lift <silence_id> [--json]\n');

  cmd
    .command('add', { isDefault: true })
    .description('silence one rule, or all (the default: `silence <alert_type|all> ...`; a rule named list or lift needs `add`)')
    .argument('<alert_type>', "the rule to silence, or 'all'")
    .addOption(new Option('--for <duration>', 'how long, e.g. 30m, 2h, 1h30m, 1d').argParser(parseDuration).makeOptionMandatory())
    .requiredOption('--reason <text>', 'why (kept with the silence)')
    .option('--value <group_value>', 'only this value of a per-dimension rule, e.g. a carrier')
    .option('--json', 'print the silence row as JSON')
    .action(withClient(program, 'silence', add));

  cmd
    .command('list')
    .description('silences in force or upcoming (--all: ended and lifted ones too), by start time')
    .option('--all', 'include silences that ended or were lifted')
    .option('--json', 'print the rows as JSON')
    .action(withClient(program, 'silence list', async (client, opts: { all?: boolean; json?: boolean }) => {
      const rows = await client.silences({ includeEnded: opts.all });
      if (opts.json) return printJson(rows);
      if (rows.length === 0) {
        console.log(opts.all ? 'no silences' : 'no silences in force or upcoming');
        return;
      }
      const now = Date.now();
      printTable(['id', 'rule', 'value', 'starts_at', 'ends_at', 'state', 'created_by', 'reason'],
        rows.map((s) => [s.id, s.alert_type ?? 'all', s.group_value ?? '-', s.starts_at, s.ends_at, silenceState(s, now), s.created_by, s.reason]));
    }));

  cmd
    .command('lift')
    .description('end a silence now; open incidents it held back are announced by the next check')
    .argument('<silence_id>', 'the silence id (see silence list)', (v: string) => {
      const n = parsePositiveInt(v);
      if (n < 1) throw new InvalidArgumentError(`"${v}" is not a silence id`);
      return n;
    })
    .option('--json', 'print the silence row as JSON')
    .action(withClient(program, 'silence lift', async (client, id: number, opts: { json?: boolean }) => {
      const { lifted, silence: row } = await client.liftSilence(id);
      if (opts.json) return printJson({ lifted, ...row });
      const what = row.alert_type ?? 'every rule';
      if (lifted) console.log(`lifted silence ${id} (${what}) at ${cell(row.lifted_at)}`);
      else if (row.lifted_at) console.log(`silence ${id} (${what}) was already lifted at ${cell(row.lifted_at)} by ${cell(row.lifted_by)}`);
      else console.log(`silence ${id} (${what}) already ended at ${cell(row.ends_at)}`);
    }));
}

async function add(client: SmsMonitor, alertType: string, opts: AddOptions): Promise<void> {
  const until = new Date(Date.now() + opts.for);
  const row = await client.silence(alertType === 'all' ? null : alertType, until, opts.reason,
    opts.value === undefined ? {} : { groupValue: opts.value });
  if (opts.json) return printJson(row);
  const what = alertType === 'all' ? 'every rule' : opts.value === undefined ? alertType : `${alertType} for ${opts.value}`;
  console.log(`silenced ${what} until ${cell(row.ends_at)} (silence ${row.id}): ${opts.reason}`);
}

function silenceState(s: { starts_at: unknown; ends_at: unknown; lifted_at: unknown }, now: number): string {
  const t = (v: unknown) => new Date(v as string).getTime();
  if (s.lifted_at && t(s.lifted_at) <= now) return 'lifted';
  if (t(s.ends_at) <= now) return 'ended';
  if (t(s.starts_at) > now) return 'upcoming';
  return 'in force';
}
