// sms-monitor silence <alert_type|all> --for 2h --reason "...": incidents are recorded, not notified.
import { Command, Option } from 'commander';
import { cell, parseDuration, printJson, withClient } from './common.ts';

export function registerSilence(program: Command): void {
  program
    .command('silence')
    .description('silence one rule (or all) for a while; incidents are still recorded, announced when it ends if still open')
    .argument('<alert_type>', "the rule to silence, or 'all'")
    .addOption(new Option('--for <duration>', 'how long, e.g. 30m, 2h, 1h30m, 1d').argParser(parseDuration).makeOptionMandatory())
    .requiredOption('--reason <text>', 'why (kept with the silence)')
    .option('--json', 'print the silence row as JSON')
    .action(withClient(program, 'silence', async (client, alertType: string, opts: { for: number; reason: string; json?: boolean }) => {
      const until = new Date(Date.now() + opts.for);
      const row = await client.silence(alertType === 'all' ? null : alertType, until, opts.reason);
      if (opts.json) return printJson(row);
      console.log(`silenced ${alertType === 'all' ? 'every rule' : alertType} until ${cell(row.ends_at)}: ${opts.reason}`);
    }));
}
