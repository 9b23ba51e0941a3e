// sms-monitor alerts list | show <id> | resolve <id> | ack <id>: incidents (api_alerts,
// sms_alert_history with its outbox rows, api_resolve_alert, acknowledge_sms_alert).
import { type Command, Option } from 'commander';
import {
  cell, notificationSummary, parsePositiveInt, parseUuid, printJson, printTable, statusWord, UsageError, withClient,
} from './common.ts';

export function registerAlerts(program: Command): void {
  const cmd = program.command('alerts').description('list, show, resolve or acknowledge incidents');

  cmd
    .command('list')
    .description('open incidents (default), or --history of a date range; the notifications column says which failed or wait')
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
      printTable(['id', 'alert_type', 'severity', 'value', 'threshold', 'triggered_at', 'state', 'notifications'],
        body.data.map((a) => [a.id, a.alert_type, a.severity, a.value_text, a.threshold_text, a.triggered_at,
          a.resolved_at ? `resolved by ${cell(a.resolved_by)}` : a.acknowledged_at ? `acked by ${cell(a.acknowledged_by)}` : 'open',
          notificationSummary(a.notification_status)]));
      printNotificationErrors(body.data);
    }));

  cmd
    .command('show')
    .description('one incident, with each notification: channel, event, status, attempts, last error')
    .argument('<alert_id>', 'the incident id (UUID)', parseUuid)
    .option('--json', 'print {alert, notifications} as JSON')
    .action(withClient(program, 'alerts show', async (client, id: string, opts: { json?: boolean }) => {
      const { alert: a, notifications } = await client.alert(id);
      if (opts.json) return printJson({ alert: a, notifications });
      const state = a.resolved_at ? `resolved at ${cell(a.resolved_at)} by ${cell(a.resolved_by)}`
        : a.acknowledged_at ? `open, acknowledged at ${cell(a.acknowledged_at)} by ${cell(a.acknowledged_by)}` : 'open';
      console.log(`incident ${a.id}: ${a.alert_type} (${a.severity}), ${state}`);
      console.log(`  ${a.message}`);
      console.log(`  ${a.metric} ${a.comparison} ${cell(a.threshold_value)}: value ${cell(a.metric_value)} over ${a.window_minutes} min`
        + `${a.sample_size !== null && a.sample_size !== undefined ? `, sample ${cell(a.sample_size)}` : ''}; triggered at ${cell(a.triggered_at)}`);
      if (notifications.length === 0) {
        console.log('  no notifications');
        return;
      }
      console.log('');
      printTable(['id', 'channel', 'event', 'status', 'attempts', 'next_attempt_at', 'sent_at', 'last_error'],
        notifications.map((n) => [n.id, n.channel, n.event, statusWord(n.status), `${cell(n.attempts)}/${cell(n.max_attempts)}`,
          n.status === 'pending' ? n.next_attempt_at : null, n.sent_at, n.last_error]));
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
    .description('acknowledge an open incident: no more repeats; channels that were told hear about it '
      + '(already acknowledged or resolved: says so, exit 0)')
    .argument('<alert_id>', 'the incident id (UUID)', parseUuid)
    .option('--by <name>', 'who acknowledges it (default: the database user)')
    .option('--json', 'print {acknowledged, alert} as JSON (acknowledged false: it was before)')
    .action(withClient(program, 'alerts ack', async (client, id: string, opts: { by?: string; json?: boolean }) => {
      const { acknowledged, alert: row } = await client.acknowledgeAlert(id, opts.by);
      if (opts.json) return printJson({ acknowledged, alert: row });
      if (acknowledged) {
        console.log(`acknowledged ${row.alert_type} incident ${id} by ${cell(row.acknowledged_by)} at ${cell(row.acknowledged_at)}`);
      } else if (row.acknowledged_at) {
        console.log(`${row.alert_type} incident ${id} was already acknowledged at ${cell(row.acknowledged_at)} by ${cell(row.acknowledged_by)}`);
      } else {
        console.log(`${row.alert_type} incident ${id} is already resolved (at ${cell(row.resolved_at)} by ${cell(row.resolved_by)}): nothing to acknowledge`);
      }
    }));
}

/** Under a table of incidents: the error of each notification that failed or waits to retry. */
export function printNotificationErrors(alerts: Array<{ id: unknown; notification_error?: unknown }>): void {
  const failing = alerts.filter((a) => typeof a.notification_error === 'string' && a.notification_error !== '');
  if (failing.length === 0) return;
  console.log('');
  console.log('notifications not delivered (see `sms-monitor alerts show <id>`, `sms-monitor notifications retry`):');
  for (const a of failing) console.log(`  ${cell(a.id)}: ${cell(a.notification_error)}`);
}
