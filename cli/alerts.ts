// sms-monitor alerts list | resolve <id> | ack <id>: incidents (api_alerts, api_resolve_alert, acknowledge_sms_alert).
import { Command, Option } from 'commander';
import { cell, parsePositiveInt, parseUuid, printJson, printTable, UsageError, withClient } from './common.ts';

export function registerAlerts(program: Command): void {
  const cmd = program.command('alerts').description('list, resolve or acknowledge incidents');

  cmd
    .command('list')
    .description('open incidents (default), or --history of a date range')
    .option('--history', 'incidents triggered between --from and --to (reporting days), open or resolved')
    .option('--from <date>', 'first day, YYYY-MM-DD (required with --history)')
    .option('--to <date>', 'last day, inclusive (default today)')
    .addOption(new Option('--limit <n>', 'at most this many, 1-200').default(50).argParser(parsePositiveInt))
    .option('--json', 'print the api_alerts body as JSON')
    .action(withClient(program, 'alerts list', async (client,
      opts: { history?: boolean; from?: string; to?: string; limit: number; json?: boolean }) => {
      if (!opts.history && (opts.from || opts.to)) throw new UsageError('--from and --to need --history');
      if (opts.history && !opts.from) throw new UsageError('--history needs --from YYYY-MM-DD');
      const body = await client.alerts({
        type: opts.history ? 'history' : 'unresolved', limit: opts.limit, startDate: opts.from, endDate: opts.to,
      });
      if (opts.json) return printJson(body);
      if (body.data.length === 0) {
        console.log(opts.history ? 'no incidents in that range' : 'no open incidents');
        return;
      }
      printTable(['id', 'alert_type', 'severity', 'value', 'threshold', 'triggered_at', 'state'],
        body.data.map((a) => [a.id, a.alert_type, a.severity, a.metric_value, a.threshold_value, a.triggered_at,
          a.resolved_at ? `resolved by ${cell(a.resolved_by)}` : a.acknowledged_at ? `acked by ${cell(a.acknowledged_by)}` : 'open']));
    }));

  cmd
    .command('resolve')
    .description('resolve an incident by hand (already resolved: says so, exit 0)')
    .argument('<alert_id>', 'the incident id (UUID)', parseUuid)
    .option('--by <name>', 'who resolves it (default: the database user)')
    .option('--json', 'print the api_resolve_alert body as JSON')
    .action(withClient(program, 'alerts resolve', async (client, id: string, opts: { by?: string; json?: boolean }) => {
      const body = await client.resolveAlert(id, opts.by);
      if (opts.json) return printJson(body);
      console.log(`${body.message} (${id})`);
    }));

  cmd
    .command('ack')
    .description('acknowledge an open incident: no more repeats; channels that were told hear about it')
    .argument('<alert_id>', 'the incident id (UUID)', parseUuid)
    .option('--by <name>', 'who acknowledges it (default: the database user)')
    .option('--json', 'print the incident row as JSON')
    .action(withClient(program, 'alerts ack', async (client, id: string, opts: { by?: string; json?: boolean }) => {
      const row = await client.acknowledge(id, opts.by);
      if (opts.json) return printJson(row);
      console.log(`acknowledged ${row.alert_type} incident ${id} by ${cell(row.acknowledged_by)} at ${cell(row.acknowledged_at)}`);
    }));
}
