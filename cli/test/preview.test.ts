// sms-monitor preview (what check would do, changing nothing), the CLI's choice of database by
// SMS_MONITOR_INSTANCE when DATABASE_URL is unset, and option defaults said once in --help.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
const instance = `${process.env.SMS_MONITOR_TEST_INSTANCE ?? 'test'}-cli-instance`;
const instanceDir = path.join(repoRoot, '.sms-monitor', instance);
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => {
  rmSync(instanceDir, { recursive: true, force: true });
  await db?.drop();
});

interface Run { code: number; stdout: string; stderr: string }
function cli(env: Record<string, string | undefined>, ...args: string[]): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.DATABASE_URL;
  delete base.SMS_MONITOR_INSTANCE;
  return new Promise((resolve) => {
    execFile('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), ...args], {
      cwd: repoRoot, env: { ...base, ...env }, timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('sms-monitor preview and SMS_MONITOR_INSTANCE', { timeout: 120_000 }, () => {
  it('preview says what check would do at --now and changes nothing', async () => {
    // 60 of 100 delivered in the 10:00 bucket of a fixed day: delivery_rate_critical would fire at 10:30.
    await db.sql`select sms_monitor._record_metric('2026-03-02', 10, null, 'sent_count', 100)`;
    await db.sql`select sms_monitor._record_metric('2026-03-02', 10, null, 'delivered_count', 60)`;
    // Carrier X: 40 of 50 delivered at 10:20 (80 % < 85 % with 50 terminal); carrier Y: 50 of 50. Message
    // events also add to the counters: 60 + 90 = 150 delivered of 100 + 100 = 200 sent (75 %).
    await db.sql`update sms_monitor.settings set metric_retention_days = 36500`;
    await db.sql`select sms_monitor.record_sms_message_events(jsonb_agg(e))
                   from generate_series(1, 100) i
                  cross join lateral (values
                    (jsonb_build_object('message_id', 'm' || i, 'status', 'sent', 'occurred_at', '2026-03-02T10:20:00Z',
                                        'carrier', case when i <= 50 then 'X' else 'Y' end)),
                    (jsonb_build_object('message_id', 'm' || i, 'status',
                                        case when i <= 10 then 'undelivered' else 'delivered' end,
                                        'occurred_at', '2026-03-02T10:20:05Z'))) v(e)`;
    await db.sql`select sms_monitor.rollup_sms_messages()`;
    const r = await cli({ DATABASE_URL: db.url }, 'preview', '--now', '2026-03-02T10:30:00Z');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^delivery_rate_critical\s+-\s+fired\s+75\s+90\s+200\s+[0-9a-f-]{36}\s+150 delivered of 200 sent; /m);
    expect(r.stdout).toMatch(/^carrier_delivery_rate_critical\s+carrier=X\s+fired\s+80\s+85\s+50\s+[0-9a-f-]{36}\s+40 delivered of 50 terminal/m);
    expect(r.stdout).toMatch(/^carrier_delivery_rate_critical\s+carrier=Y\s+ok\s+100\s+85\s+50\s+-\s+50 delivered of 50 terminal/m);
    expect(r.stdout).toMatch(/^opt_out_rate_warning\s+-\s+no_data\s+/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('(a preview: nothing was changed; `sms-monitor check` does it)');
    const json = JSON.parse((await cli({ DATABASE_URL: db.url }, 'preview', '--json', '--now', '2026-03-02T10:30:00Z')).stdout);
    expect(json.find((x: { alert_type: string }) => x.alert_type === 'delivery_rate_critical'))
      .toMatchObject({ action: 'fired', sample_size: 200 });
    expect(json.filter((x: { alert_type: string }) => x.alert_type === 'carrier_delivery_rate_critical')
      .map((x: { group_value: string; action: string }) => `${x.group_value}:${x.action}`)).toEqual(['X:fired', 'Y:ok']);
    // The id it names is the one a check would create: rolled back, like every other effect.
    const [{ n, evaluated, queued }] = await db.sql<[{ n: number; evaluated: number; queued: number }]>`
      select (select count(*)::int from sms_monitor.sms_alert_history) as n,
             (select count(*)::int from sms_monitor.sms_alert_rule_state where last_evaluated_at is not null) as evaluated,
             (select count(*)::int from sms_monitor.sms_alert_notifications) as queued`;
    expect([n, evaluated, queued]).toEqual([0, 0, 0]);
    expect(await cli({ DATABASE_URL: db.url }, 'preview', '--now', 'noon')).toMatchObject({ code: 2 });
  });

  it('without DATABASE_URL the CLI reads the embedded instance SMS_MONITOR_INSTANCE names (default dev)', async () => {
    mkdirSync(instanceDir, { recursive: true });
    writeFileSync(path.join(instanceDir, 'url'), `${db.url}\n`, { mode: 0o600 });
    const ok = await cli({ SMS_MONITOR_INSTANCE: instance }, 'preview', '--now', '2026-03-02T10:30:00Z');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^delivery_rate_critical\s+-\s+fired\s+/m);
    const missing = await cli({ SMS_MONITOR_INSTANCE: `${instance}-absent` }, 'preview');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('sms-monitor preview: no database: set DATABASE_URL or run '
      + `\`npm start\` (embedded PostgreSQL) first (no .sms-monitor/${instance}-absent/url)`);
    const bad = await cli({ SMS_MONITOR_INSTANCE: '../etc' }, 'preview');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('sms-monitor preview: SMS_MONITOR_INSTANCE: "../etc" is not dev, test or test-<name>');
  });

  it('--help says each default once', async () => {
    for (const command of ['token', 'simulate', 'preview']) {
      const help = (await cli({}, command, '--help')).stdout;
      for (const line of help.split('\n')) expect(line.match(/default/g)?.length ?? 0, `${command}: ${line}`).toBeLessThanOrEqual(1);
    }
    expect((await cli({}, 'token', '--help')).stdout).toMatch(/--ttl <duration>\s+lifetime, e\.g\. 30m, 12h, 7d \(default: "12h"\)/);
  });
});
