// sms-monitor check: evaluate every enabled rule once (check_sms_alerts) and print what each did.
import type { Command } from 'commander';
import { dimension, printJson, printTable, withClient } from './common.ts';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('evaluate every enabled alert rule once and print what each rule did')
    .option('--json', 'print the rows as JSON')
    .action(withClient(program, 'check', async (client, opts: { json?: boolean }) => {
      const rows = await client.check();
      if (opts.json) return printJson(rows);
      printTable(['alert_type', 'for', 'action', 'value', 'threshold', 'sample', 'alert_id', 'detail'],
        rows.map((r) => [r.alert_type, dimension(r), r.action, r.metric_value, r.threshold_value, r.sample_size, r.alert_id, r.detail]));
    }));
}
