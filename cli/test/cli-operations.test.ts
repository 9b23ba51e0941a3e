// Operator commands, as child processes against a fresh database: silence list |
// lift, alerts show, a second alerts ack, the notification state in status and alerts list,
// notifications list | retry (with the NOTIFY that wakes the notifier).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/paths.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { OUTBOX_NOTIFY_CHANNEL } from '../../client/generated/enums.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

interface Run { code: number; stdout: string; stderr: string }
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), ...args], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: db.url, NO_COLOR: '1' }, timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const A1 = '55555555-0000-0000-0000-000000000001';
const A2 = '55555555-0000-0000-0000-000000000002';

async function incident(id: string, alertType: string, triggeredAt: string): Promise<void> {
  await db.sql`insert into sms_monitor.sms_alert_history
    (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, sample_size, message, triggered_at)
    values (${id}, ${alertType}, 'critical', 'delivery_rate', '<', 55.31, 90, 60, 412, 'delivery rate 55.31 % < 90 %', ${triggeredAt})`;
}

async function outbox(alertId: string, rows: Array<[string, string, string, number, string | null]>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [channel, event, status, attempts, error] of rows) {
    const [r] = await db.sql<Array<{ id: string }>>`insert into sms_monitor.sms_alert_notifications
      (alert_id, channel, event, status, attempts, last_error, payload, sent_at)
      values (${alertId}, ${channel}, ${event}, ${status}, ${attempts}, ${error}, '{}',
              ${status === 'sent' ? '2026-05-10T10:00:05Z' : null})
      returning id::text as id`;
    ids[`${channel}/${event}`] = r!.id;
  }
  await db.sql`select sms_monitor._alert_sync_notification_status(${alertId}::uuid)`;
  return ids;
}

describe('silence list | lift', { timeout: 180_000 }, () => {
  it('list shows what is in force, lift ends it once, the second lift says so', async () => {
    expect(await cli('silence', 'list')).toMatchObject({ code: 0, stdout: 'no silences in force or upcoming\n' });
    const made = await cli('silence', 'opt_out_rate_warning', '--for', '2h', '--reason', 'carrier migration', '--json');
    expect(made.code).toBe(0);
    const { id } = JSON.parse(made.stdout) as { id: string };
    const list = await cli('silence', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^id\s+rule\s+value\s+starts_at\s+ends_at\s+state\s+created_by\s+reason$/);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+opt_out_rate_warning\\s+-\\s+\\S+\\s+\\S+\\s+in force\\s+postgres\\s+carrier migration$`, 'm'));
    const json = JSON.parse((await cli('silence', 'list', '--json')).stdout) as Array<{ id: string; reason: string }>;
    expect(json.map((s) => [String(s.id), s.reason])).toEqual([[String(id), 'carrier migration']]);

    const lift = await cli('silence', 'lift', String(id));
    expect(lift.code).toBe(0);
    expect(lift.stdout).toMatch(new RegExp(`^lifted silence ${id} \\(opt_out_rate_warning\\) at \\S+\\n$`));
    const [row] = await db.sql`select lifted_by, lifted_at is not null as lifted from sms_monitor.sms_alert_silences where id = ${id}`;
    expect(row).toEqual({ lifted_by: 'postgres', lifted: true });
    const again = await cli('silence', 'lift', String(id));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^silence ${id} \\(opt_out_rate_warning\\) was already lifted at \\S+ by postgres\\n$`));
    expect((await cli('silence', 'list')).stdout).toBe('no silences in force or upcoming\n');
    expect((await cli('silence', 'list', '--all')).stdout).toMatch(new RegExp(`^${id}\\s+opt_out_rate_warning\\s+-\\s+\\S+\\s+\\S+\\s+lifted\\s`, 'm'));
  });

  it('the old form and `silence add` both silence; unknown or malformed ids and missing options are errors', async () => {
    const add = await cli('silence', 'add', 'all', '--for', '30m', '--reason', 'deploy window');
    expect(add).toMatchObject({ code: 0 });
    expect(add.stdout).toMatch(/^silenced every rule until \S+ \(silence \d+\): deploy window\n$/);
    const oneCarrier = await cli('silence', 'carrier_delivery_rate_critical', '--value', 'T-Mobile', '--for', '1h',
      '--reason', 'carrier ticket 4711');
    expect(oneCarrier).toMatchObject({ code: 0 });
    expect(oneCarrier.stdout).toMatch(/^silenced carrier_delivery_rate_critical for T-Mobile until \S+ \(silence \d+\): carrier ticket 4711\n$/);
    expect((await cli('silence', 'list')).stdout).toMatch(/^\d+\s+carrier_delivery_rate_critical\s+T-Mobile\s+\S+\s+\S+\s+in force\s/m);
    expect(await cli('silence', 'lift', '999999')).toMatchObject({ code: 1 });
    expect((await cli('silence', 'lift', '999999')).stderr).toBe(
      'sms-monitor silence lift: silence_id: silence 999999 does not exist (SQLSTATE P0002)\n');
    expect(await cli('silence', 'lift', 'x1')).toMatchObject({ code: 2 });
    const noFor = await cli('silence', 'delivery_rate_critical', '--reason', 'x');
    expect(noFor.code).toBe(2);
    expect(noFor.stderr).toContain("required option '--for <duration>' not specified");
    expect(await cli('silence')).toMatchObject({ code: 2 });
    const help = await cli('silence', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('  sms-monitor silence <alert_type|all> --for <duration> --reason <text> [--value <group_value>] [--json]\n');
    expect(help.stdout).toMatch(/^ {2}list \[options\]/m);
  });
});

describe('alerts show | ack twice | notification state', { timeout: 180_000 }, () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    await incident(A1, 'delivery_rate_critical', '2026-05-10T10:00:00Z');
    ids = await outbox(A1, [
      ['slack', 'trigger', 'pending', 2, 'HTTP 503 from Slack'],
      ['pagerduty', 'trigger', 'failed', 1, 'HTTP 400: invalid routing key'],
      ['email', 'trigger', 'sent', 1, null],
    ]);
  });

  it('alerts show: the incident and each notification with status, attempts and last error', async () => {
    const r = await cli('alerts', 'show', A1);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `incident ${A1}: delivery_rate_critical (critical), open`,
      '  delivery rate 55.31 % < 90 %',
      '  delivery_rate < 90: value 55.31 over 60 min, sample 412; triggered at 2026-05-10T10:00:00Z',
    ]);
    expect(lines[4]).toMatch(/^id\s+channel\s+event\s+status\s+attempts\s+next_attempt_at\s+sent_at\s+last_error$/);
    expect(lines[6]).toMatch(new RegExp(`^${ids['slack/trigger']}\\s+slack\\s+trigger\\s+waiting\\s+2/10\\s+\\S+Z\\s+-\\s+HTTP 503 from Slack$`));
    expect(lines[7]).toMatch(new RegExp(`^${ids['pagerduty/trigger']}\\s+pagerduty\\s+trigger\\s+failed\\s+1/10\\s+-\\s+-\\s+HTTP 400: invalid routing key$`));
    expect(lines[8]).toMatch(new RegExp(`^${ids['email/trigger']}\\s+email\\s+trigger\\s+sent\\s+1/10\\s+-\\s+2026-05-10T10:00:05Z\\s+-$`));
    const json = JSON.parse((await cli('alerts', 'show', A1, '--json')).stdout);
    expect(json.alert.id).toBe(A1);
    expect(json.notifications.map((n: { channel: string; status: string }) => `${n.channel}:${n.status}`))
      .toEqual(['slack:pending', 'pagerduty:failed', 'email:sent']);
    expect(await cli('alerts', 'show', '00000000-0000-0000-0000-000000000000')).toMatchObject({
      code: 1, stderr: 'sms-monitor alerts show: alert_id: alert 00000000-0000-0000-0000-000000000000 does not exist (SQLSTATE P0002)\n' });
  });

  it('alerts list and status show which notifications failed or wait, and their errors', async () => {
    const list = await cli('alerts', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${A1}\\s+delivery_rate_critical\\s+critical\\s+55.31 %\\s+90.00 %\\s+\\S+\\s+open\\s+`
      + 'pagerduty/trigger failed, slack/trigger waiting$', 'm'));
    expect(list.stdout).toContain(`notifications not delivered (see \`sms-monitor alerts show <id>\`, \`sms-monitor notifications retry\`):\n`
      + `  ${A1}: slack/trigger (pending): HTTP 503 from Slack; pagerduty/trigger (failed): HTTP 400: invalid routing key\n`);
    const status = await cli('status', '--now', '2026-05-10T12:00:00Z');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^${A1}\\s+delivery_rate_critical\\s+critical\\s+55.31 %\\s+90.00 %\\s+\\S+\\s+no\\s+`
      + 'pagerduty/trigger failed, slack/trigger waiting$', 'm'));
    expect(status.stdout).toContain(`  ${A1}: slack/trigger (pending): HTTP 503 from Slack; pagerduty/trigger (failed)`);
  });

  it('a second ack says it was already acknowledged; ack of a resolved incident says so', async () => {
    const first = await cli('alerts', 'ack', A1, '--by', 'alice');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^acknowledged delivery_rate_critical incident ${A1} by alice at \\S+\\n$`));
    const [row] = await db.sql`select acknowledged_by, to_char(acknowledged_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as at
      from sms_monitor.sms_alert_history where id = ${A1}`;
    expect(row!.acknowledged_by).toBe('alice');
    const second = await cli('alerts', 'ack', A1, '--by', 'bob');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^delivery_rate_critical incident ${A1} was already acknowledged at ${row!.at}\\S* by alice\\n$`));
    expect(JSON.parse((await cli('alerts', 'ack', A1, '--json')).stdout)).toMatchObject({ acknowledged: false, alert: { acknowledged_by: 'alice' } });
    await cli('alerts', 'resolve', A1, '--by', 'carol');
    await incident(A2, 'delivery_rate_critical', '2026-05-11T10:00:00Z');
    await cli('alerts', 'resolve', A2, '--by', 'dave');
    const resolved = await cli('alerts', 'ack', A2);
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toMatch(new RegExp(`^delivery_rate_critical incident ${A2} is already resolved \\(at \\S+ by dave\\): nothing to acknowledge\\n$`));
  });
});

describe('notifications list | retry', { timeout: 180_000 }, () => {
  const A3 = '55555555-0000-0000-0000-000000000003';
  let ids: Record<string, string>;
  beforeAll(async () => {
    await incident(A3, 'llm_failure_critical', '2026-05-12T10:00:00Z');
    ids = await outbox(A3, [
      ['slack', 'trigger', 'failed', 1, 'HTTP 404: no_service'],
      ['pagerduty', 'trigger', 'dead', 10, 'HTTP 503'],
      ['log', 'trigger', 'sent', 1, null],
    ]);
  });

  it('list filters by status; retry re-queues one, NOTIFYs the notifier, and --all the rest', async () => {
    const failed = JSON.parse((await cli('notifications', 'list', '--status', 'failed', '--alert', A3, '--json')).stdout);
    expect(failed.map((n: { id: string }) => String(n.id))).toEqual([ids['slack/trigger']]);
    const dead = await cli('notifications', 'list', '--status', 'dead', '--alert', A3);
    expect(dead.stdout).toMatch(new RegExp(`^${ids['pagerduty/trigger']}\\s+${A3}\\s+pagerduty\\s+trigger\\s+dead\\s+10/10\\s+\\S+\\s+HTTP 503$`, 'm'));
    expect(dead.stdout.trim().split('\n')).toHaveLength(3);
    const unsent = JSON.parse((await cli('notifications', 'list', '--alert', A3, '--json')).stdout);
    expect(unsent.map((n: { id: string }) => String(n.id))).toEqual([ids['pagerduty/trigger'], ids['slack/trigger']]);
    expect((await cli('notifications', 'list', '--status', 'bogus')).code).toBe(2);

    const listener = db.connect({ max: 1 });
    const heard: string[] = [];
    let wake!: () => void;
    const got = new Promise<void>((r) => { wake = r; });
    await listener.listen(OUTBOX_NOTIFY_CHANNEL, (payload) => { heard.push(payload); wake(); });
    const one = await cli('notifications', 'retry', ids['slack/trigger']!);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^queued 1 notification again \\(the notifier sends them now\\):\\n`));
    expect(one.stdout).toMatch(new RegExp(`^${ids['slack/trigger']}\\s+${A3}\\s+slack\\s+trigger\\s+HTTP 404: no_service$`, 'm'));
    await got;
    expect(heard).toEqual([`[${ids['slack/trigger']}]`]);
    const [row] = await db.sql`select status, attempts from sms_monitor.sms_alert_notifications where id = ${ids['slack/trigger']!}`;
    expect(row).toEqual({ status: 'pending', attempts: 0 });

    const sent = await cli('notifications', 'retry', ids['log/trigger']!);
    expect(sent).toMatchObject({ code: 2, stderr: `sms-monitor notifications retry: id: notification ${ids['log/trigger']} is sent; `
      + 'only failed or dead notifications are retried (SQLSTATE 22023)\n' });
    expect(await cli('notifications', 'retry')).toMatchObject({
      code: 2, stderr: 'sms-monitor notifications retry: name one notification id, or --alert <alert_id>, or --all\n' });
    expect((await cli('notifications', 'retry', '7', '--all')).code).toBe(2);

    // --all: every failed or dead row in the database (this file's other incidents included).
    const due = (await db.sql<Array<{ id: string }>>`select id::text as id from sms_monitor.sms_alert_notifications
      where status in ('failed', 'dead') order by sms_alert_notifications.id`).map((r) => r.id);
    expect(due).toContain(ids['pagerduty/trigger']);
    const all = JSON.parse((await cli('notifications', 'retry', '--all', '--json')).stdout);
    expect(all.map((n: { id: string; status: string; attempts: number }) => [String(n.id), n.status, n.attempts]))
      .toEqual(due.map((id) => [id, 'pending', 0]));
    expect(await cli('notifications', 'retry', '--all')).toMatchObject({
      code: 0, stdout: 'nothing to retry: no failed or dead notifications\n' });
    await listener.end();
  });
});
