// sms-monitor notifications list [--status ...] | retry <id> | retry --alert <id> | retry --all:
// the outbox (sms_alert_notifications) and re-sending what failed (retry_sms_notifications).
import { type Command, InvalidArgumentError, Option } from 'commander';
import { NOTIFICATION_STATUS_FILTERS, type NotificationStatusFilter } from '../client/types.ts';
import { cell, parsePositiveInt, parseUuid, printJson, printTable, statusWord, UsageError, withClient } from './common.ts';

const FILTERS = Object.keys(NOTIFICATION_STATUS_FILTERS) as NotificationStatusFilter[];

export function registerNotifications(program: Command): void {
  const cmd = program.command('notifications').description('the notification outbox: list it, re-send what failed');

  cmd
    .command('list')
    .description('notifications, newest first: by default every one not delivered yet (failed, dead, waiting)')
    .addOption(new Option('--status <status>', 'failed | dead | waiting (queued or between retries) | sent | unsent | all')
      .choices(FILTERS).default('unsent'))
    .option('--alert <alert_id>', "one incident's notifications", parseUuid)
    .addOption(new Option('--limit <n>', 'at most this many, 1-1000').default(100).argParser(parsePositiveInt))
    .option('--json', 'print the rows as JSON')
    .action(withClient(program, 'notifications list', async (client,
      opts: { status: NotificationStatusFilter; alert?: string; limit: number; json?: boolean }) => {
      const rows = await client.notifications({ status: opts.status, alertId: opts.alert, limit: opts.limit });
      if (opts.json) return printJson(rows);
      if (rows.length === 0) {
        console.log(`no ${opts.status === 'all' ? '' : `${opts.status === 'unsent' ? 'undelivered' : opts.status} `}notifications`);
        return;
      }
      printTable(['id', 'alert_id', 'channel', 'event', 'status', 'attempts', 'updated_at', 'last_error'],
        rows.map((n) => [n.id, n.alert_id, n.channel, n.event, statusWord(n.status), `${cell(n.attempts)}/${cell(n.max_attempts)}`,
          n.updated_at, n.last_error]));
    }));

  cmd
    .command('retry')
    .description('re-send failed and dead notifications now (attempts reset): one by id, one incident\'s (--alert), or --all. '
      + 'A notification whose incident later had a delivered notification on the same channel is not re-sent (out of order)')
    .argument('[notification_id]', 'the notification id (see notifications list)', (v: string) => {
      if (!/^[1-9]\d{0,17}$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a notification id`);
      return v;
    })
    .option('--alert <alert_id>', "every failed or dead notification of one incident", parseUuid)
    .option('--all', 'every failed or dead notification')
    .option('--json', 'print the rows reset as JSON')
    .action(withClient(program, 'notifications retry', async (client, id: string | undefined,
      opts: { alert?: string; all?: boolean; json?: boolean }) => {
      const given = [id !== undefined, opts.alert !== undefined, opts.all === true].filter(Boolean).length;
      if (given !== 1) throw new UsageError('name one notification id, or --alert <alert_id>, or --all');
      const rows = await client.retryNotifications({ id, alertId: opts.alert });
      if (opts.json) return printJson(rows);
      if (rows.length === 0) {
        console.log(opts.alert ? 'nothing to retry for that incident' : 'nothing to retry: no failed or dead notifications');
        return;
      }
      console.log(`queued ${rows.length} notification${rows.length === 1 ? '' : 's'} again (the notifier sends them now):`);
      printTable(['id', 'alert_id', 'channel', 'event', 'last_error'],
        rows.map((n) => [n.id, n.alert_id, n.channel, n.event, n.last_error]));
    }));
}
