// The operator commands as child processes (node bin/sms-monitor.js) against a fresh database:
// output, --json and exit codes (0 ok, 1 failure, 2 usage). Each CLI run is a Node start: on a
// loaded machine a test of a dozen runs needs more than the default 60 s (a deadline, not a timing).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

interface Run { code: number; stdout: string; stderr: string }
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), ...args], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: db.url }, timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const U = 'c2000000-0000-0000-0000-000000000001';

describe('sms-monitor CLI', { timeout: 180_000 }, () => {
  it('--help everywhere, exit 0', async () => {
    const runs = await Promise.all([cli('--help'), cli('status', '--help'), cli('thresholds', 'set', '--help'),
      cli('alerts', 'list', '--help'), cli('silence', '--help'), cli('record', '--help'), cli('check', '--help')]);
    for (const r of runs) expect(r.code).toBe(0);
    expect(runs[0]!.stdout).toMatch(/status \[options\]/);
    // The password in --database-url is visible in ps: the help says so and points at DATABASE_URL.
    expect(runs[0]!.stdout.replace(/\s+/g, ' ')).toContain(
      'A password in it is visible to other users of this machine (ps, /proc): prefer DATABASE_URL');
    expect(runs[2]!.stdout).toContain('<alert_type> <key=value...>');
    expect(runs[4]!.stdout).toContain('--for <duration>');
  });

  it('record, then status shows it; --json is the api_metrics_summary body', async () => {
    // A fixed time, recorded and read with the same --now: independent of the wall clock.
    const at = '2026-06-01T12:00:00Z';
    const rec = await cli('record', 'sent_count', '--user', U, '--value', '4', '--at', at);
    expect(rec).toMatchObject({ code: 0, stdout: `recorded sent_count 4 for ${U}\n` });
    expect((await cli('record', 'delivered_count', '--user', U, '--value', '3', '--at', at)).code).toBe(0);
    const [row] = await db.sql`select sum(metric_value)::int as v from sms_monitor.sms_metrics
      where user_id = ${U}::uuid and metric_type = 'sent_count'`;
    expect(row).toEqual({ v: 4 });
    const human = await cli('status', '--now', '2026-06-01T23:59:59Z');
    expect(human.code).toBe(0);
    // The alert engine's health: 4 sends at noon are in no rule's window at 23:59:59.
    expect(human.stdout).toContain('status: unknown (no rule has enough data yet (no traffic in its window))');
    expect(human.stdout).toContain('today 2026-06-01: sent 4, delivered 3 (75 %)');
    expect(human.stdout).toContain('week 2026-05-26..2026-06-01: sent 4,');
    expect((await cli('status', '--now', '2026-06-02T00:00:00Z')).stdout).toContain('today 2026-06-02: sent 0,');
    expect(await cli('status', '--now', 'noon')).toMatchObject({ code: 2 });
    const json = await cli('status', '--json', '--now', '2026-06-01T23:59:59Z');
    const body = JSON.parse(json.stdout);
    expect(body.success).toBe(true);
    expect(body.data.today).toMatchObject({ sent_count: 4, delivered_count: 3, delivery_rate_percent: 75 });
    expect(body.data.health.status).toBe('unknown');
  });

  it('record: bad input is a usage error naming the field', async () => {
    const bad = await cli('record', 'delivery_success_rate');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('metric_type: delivery_success_rate is derived');
    const badValue = await cli('record', 'sent_count', '--value', 'many');
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('"many" is not a non-negative number');
  });

  it('thresholds list and set', async () => {
    const list = await cli('thresholds', 'list', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((r: { alert_type: string }) => r.alert_type)).toEqual([
      'carrier_delivery_rate_critical', 'daily_limit_hit_warning', 'delivery_latency_warning', 'delivery_rate_critical',
      'delivery_slo_burn_critical', 'llm_cost_spike_warning', 'llm_failure_critical', 'opt_out_rate_warning',
      'receipt_delay_warning', 'sender_filtering_warning']);
    const human = await cli('thresholds', 'list');
    expect(human.stdout).toMatch(/delivery_rate_critical\s+delivery_rate < 90\s+92\s+60m/);

    const set = await cli('thresholds', 'set', 'delivery_rate_critical', 'threshold_value=85', 'recovery_value=88',
      'cooldown_minutes=30', 'notification_channels=pagerduty,slack');
    expect(set).toMatchObject({ code: 0, stdout:
      'updated delivery_rate_critical: threshold_value=85, recovery_value=88, cooldown_minutes=30, notification_channels=pagerduty,slack\n' });
    const [r] = await db.sql`select threshold_value::text as t, recovery_value::text as rv, cooldown_minutes as c,
      notification_channels as ch from sms_monitor.sms_alert_thresholds where alert_type = 'delivery_rate_critical'`;
    expect(r).toEqual({ t: '85', rv: '88', c: 30, ch: ['pagerduty', 'slack'] });

    const unknownRule = await cli('thresholds', 'set', 'no_such_rule', 'threshold_value=1');
    expect(unknownRule.code).toBe(1);
    expect(unknownRule.stderr).toContain('alert_type: no alert rule named "no_such_rule" (SQLSTATE P0002)');
    const refused = await cli('thresholds', 'set', 'delivery_rate_critical', 'recovery_value=80');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('recovery_value: 80 is below threshold_value 85');
    const unknownKey = await cli('thresholds', 'set', 'delivery_rate_critical', 'colour=red');
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain('colour: not a tunable column');
    const perDimension = await cli('thresholds', 'set', 'sender_filtering_warning', 'group_by=carrier',
      'params={"error_codes":["30007","30008"]}');
    expect(perDimension).toMatchObject({ code: 0, stdout:
      'updated sender_filtering_warning: group_by=carrier, params={"error_codes":["30007","30008"]}\n' });
    const [f] = await db.sql`select group_by, params from sms_monitor.sms_alert_thresholds where alert_type = 'sender_filtering_warning'`;
    expect(f).toEqual({ group_by: 'carrier', params: { error_codes: ['30007', '30008'] } });
    expect((await cli('thresholds', 'list')).stdout)
      .toMatch(/sender_filtering_warning\s.*\scarrier\s+\{"error_codes":\["30007","30008"\]\}\n/);
    const systemWide = await cli('thresholds', 'set', 'sender_filtering_warning', 'group_by=null');
    expect(systemWide).toMatchObject({ code: 0, stdout: 'updated sender_filtering_warning: group_by=null\n' });
    const badGroup = await cli('thresholds', 'set', 'sender_filtering_warning', 'group_by=planet');
    expect(badGroup.code).toBe(2);
    expect(badGroup.stderr).toContain("group_by: must be NULL or one of carrier, country, sender, sender_type, error_code, "
      + "message_class, provider (got 'planet')");
    const badParams = await cli('thresholds', 'set', 'sender_filtering_warning', 'params=[1]');
    expect(badParams.code).toBe(2);
    expect(badParams.stderr).toContain('params: "[1]" is not a JSON object');
    const missing = await cli('thresholds', 'set', 'delivery_rate_critical');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'key=value'");
  });

  it('check prints one row per enabled rule', async () => {
    const r = await cli('check', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ alert_type: string; action: string }>;
    expect(rows.map((x) => x.alert_type).sort()).toEqual([
      'carrier_delivery_rate_critical', 'daily_limit_hit_warning', 'delivery_latency_warning', 'delivery_rate_critical',
      'delivery_slo_burn_critical', 'llm_cost_spike_warning', 'llm_failure_critical', 'opt_out_rate_warning',
      'receipt_delay_warning', 'sender_filtering_warning']);
    const human = await cli('check');
    expect(human.stdout.split('\n')[0]).toMatch(/^alert_type\s+for\s+action\s+value\s+threshold/);
  });

  it('alerts list, ack, resolve (twice), unknown and malformed ids', async () => {
    const id = '44444444-0000-0000-0000-000000000001';
    await db.sql`insert into sms_monitor.sms_alert_history
      (id, alert_type, severity, metric, comparison, metric_value, threshold_value, window_minutes, message, triggered_at)
      values (${id}, 'opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60, 'opt-out 12 %', '2026-05-10T10:00:00Z')`;
    const list = await cli('alerts', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+opt_out_rate_warning\\s+warning\\s+12.00 %\\s+10.00 %\\s+\\S+\\s+open`));
    const ack = await cli('alerts', 'ack', id, '--by', 'alice');
    expect(ack.code).toBe(0);
    expect(ack.stdout).toMatch(new RegExp(`^acknowledged opt_out_rate_warning incident ${id} by alice at `));
    const resolve = await cli('alerts', 'resolve', id, '--by', 'bob', '--json');
    expect(resolve.code).toBe(0);
    expect(JSON.parse(resolve.stdout)).toMatchObject({ success: true, message: 'Alert resolved successfully', resolved_by: 'bob' });
    const again = await cli('alerts', 'resolve', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Alert already resolved at .* by bob/);
    const history = await cli('alerts', 'list', '--history', '--from', '2026-05-10', '--to', '2026-05-10', '--json');
    expect(JSON.parse(history.stdout).data.map((a: { id: string }) => a.id)).toEqual([id]);
    expect((await cli('alerts', 'list')).stdout).toBe('no open incidents\n');

    const unknown = await cli('alerts', 'resolve', '00000000-0000-0000-0000-000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('does not exist (SQLSTATE P0002)');
    const malformed = await cli('alerts', 'ack', 'not-an-id');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"not-an-id" is not an alert id (a UUID)');
    const noFrom = await cli('alerts', 'list', '--history');
    expect(noFrom).toMatchObject({ code: 2, stderr: 'sms-monitor alerts list: --history needs --from YYYY-MM-DD\n' });
  });

  it('silence: a rule or all, for a duration, with a reason', async () => {
    const before = Date.now();
    const r = await cli('silence', 'llm_cost_spike_warning', '--for', '1h30m', '--reason', 'provider maintenance', '--json');
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout);
    expect(row).toMatchObject({ alert_type: 'llm_cost_spike_warning', reason: 'provider maintenance' });
    const ends = Date.parse(row.ends_at);
    expect(ends).toBeGreaterThanOrEqual(before + 90 * 60_000 - 1000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 90 * 60_000 + 1000);
    const all = await cli('silence', 'all', '--for', '2h', '--reason', 'deploy');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^silenced every rule until .*: deploy\n$/);
    const [s] = await db.sql`select count(*)::int as n from sms_monitor.sms_alert_silences where alert_type is null and reason = 'deploy'`;
    expect(s).toEqual({ n: 1 });
    const noReason = await cli('silence', 'all', '--for', '2h');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
    const badFor = await cli('silence', 'all', '--for', 'soon', '--reason', 'x');
    expect(badFor.code).toBe(2);
    expect(badFor.stderr).toContain('"soon" is not a duration');
  });

  it('an unreachable database is a failure (exit 1) that says so', async () => {
    const r = await cli('--database-url', 'postgres://nobody:x@127.0.0.1:1/none', 'status');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sms-monitor status: database unreachable: .*ECONNREFUSED/);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
