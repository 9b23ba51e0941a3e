// The simulator: what it records is a function of its seed and the number of ticks (it never
// reads the clock to decide), the database receives exactly what it tallied, and a staged
// delivery incident really fires delivery_rate_critical.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsMonitor } from '../../client/client.ts';
import { repoRoot } from '../../client/migrate.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { INCIDENTS, seededRandom, Simulator, type Tally } from '../simulate.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

/** The database's totals for a set of users, by metric type (sums exact, sample counts for timings). */
async function totals(users: string[]): Promise<Tally> {
  const rows = await db.sql<{ metric_type: string; v: string; samples: string }[]>`
    select metric_type, sum(metric_value)::text as v, sum(sample_count)::text as samples
      from sms_monitor.sms_metrics where user_id = any(${users}::uuid[]) group by metric_type`;
  const get = (t: string) => Number(rows.find((r) => r.metric_type === t)?.v ?? 0);
  const samples = (t: string) => Number(rows.find((r) => r.metric_type === t)?.samples ?? 0);
  return {
    scheduled_count: get('scheduled_count'), sent_count: get('sent_count'), delivered_count: get('delivered_count'),
    failed_count: get('failed_count'), llm_success_count: get('llm_success_count'),
    template_fallback_count: get('template_fallback_count'), opt_out_count: get('opt_out_count'),
    quiet_hours_skip_count: get('quiet_hours_skip_count'), daily_limit_hit_count: get('daily_limit_hit_count'),
    llm_cost_usd: get('llm_cost_usd'), sms_cost_usd: get('sms_cost_usd'),
    delivery_time_samples: samples('avg_delivery_time_ms'), generation_time_samples: samples('avg_generation_time_ms'),
  };
}

describe('sms-monitor simulate', () => {
  it('the seeded RNG is deterministic and uniform enough', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('records through the buffered client exactly what it tallied; the same seed tallies the same', async () => {
    const monitor = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 }, strict: true });
    const sim = new Simulator(monitor, { users: 7, rate: 25, seed: 7 });
    for (let i = 0; i < 40; i++) await sim.tick();
    await monitor.close();
    const t = sim.tally;
    // 40 ticks x 25 messages, and the pipeline's own arithmetic.
    expect(t.scheduled_count).toBe(1000);
    expect(t.scheduled_count).toBe(t.sent_count + t.quiet_hours_skip_count + t.daily_limit_hit_count);
    expect(t.sent_count).toBe(t.delivered_count + t.failed_count);
    expect(t.sent_count).toBe(t.llm_success_count + t.template_fallback_count);
    expect(t.generation_time_samples).toBe(t.sent_count);
    expect(t.delivery_time_samples).toBe(t.delivered_count);
    expect(t.sms_cost_usd).toBeCloseTo(t.sent_count * 0.0079, 9);
    // Normal traffic: about 99.5 % delivered, 4 % template fallbacks.
    expect(t.delivered_count / t.sent_count).toBeGreaterThan(0.98);
    expect(t.template_fallback_count / t.sent_count).toBeLessThan(0.1);
    expect(await totals(sim.users)).toEqual(t);

    const replay = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 }, strict: true });
    const sim2 = new Simulator(replay, { users: 7, rate: 25, seed: 7 });
    for (let i = 0; i < 40; i++) await sim2.tick();
    await replay.close();
    expect(sim2.users).toEqual(sim.users);
    expect(sim2.tally).toEqual(t);
    const doubled = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 2 * 1e9) / 1e9]));
    expect(await totals(sim.users)).toEqual(doubled);
  });

  it('a staged delivery incident fires delivery_rate_critical, and only while it is on', async () => {
    const monitor = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 }, strict: true });
    const sim = new Simulator(monitor, { users: 30, rate: 20, seed: 11, incident: 'delivery', incidentAfterTicks: 5, incidentTicks: 30 });
    const active: boolean[] = [];
    for (let i = 0; i < 40; i++) { active.push(sim.incidentActive()); await sim.tick(); }
    await monitor.close();
    expect(active.map((a, i) => (a ? i : -1)).filter((i) => i >= 0)).toEqual(Array.from({ length: 30 }, (_, i) => i + 5));
    const rate = sim.tally.delivered_count / sim.tally.sent_count;
    expect(rate).toBeLessThan(0.9);
    const [check] = await db.sql<{ action: string; metric_value: string }[]>`
      select action, metric_value::text from sms_monitor.check_sms_alerts() where alert_type = 'delivery_rate_critical'`;
    expect(check!.action).toBe('fired');
    // The rule's value is the delivered share over its window: every row this file recorded in the
    // last two hours, including the earlier test's healthy traffic.
    const [{ sent, delivered }] = await db.sql<[{ sent: string; delivered: string }]>`
      select sum(metric_value) filter (where metric_type = 'sent_count')::text as sent,
             sum(metric_value) filter (where metric_type = 'delivered_count')::text as delivered
        from sms_monitor.sms_metrics`;
    expect(Number(check!.metric_value)).toBeCloseTo((100 * Number(delivered)) / Number(sent), 3);
  });

  it('backfill: the days before now, hour by hour, exactly what it tallied, never within 3 hours of now', async () => {
    const monitor = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 }, strict: true });
    const sim = new Simulator(monitor, { users: 40, rate: 1, seed: 3 });
    // 01:00 UTC: yesterday from 22:30 on is within 3 hours of now and left out.
    const now = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate(), 1));
    await sim.backfill(7, now);
    await monitor.close();
    const t = sim.tally;
    expect(t.sent_count).toBe(t.delivered_count + t.failed_count);
    expect(t.sent_count).toBe(t.llm_success_count + t.template_fallback_count);
    expect(t.scheduled_count).toBe(t.sent_count + t.quiet_hours_skip_count + t.daily_limit_hit_count);
    expect(await totals(sim.users)).toEqual(t);
    const days = await db.sql<{ day: string; hours: number; sent: number; delivered: number }[]>`
      select metric_date::text as day, count(distinct metric_hour)::int as hours,
             sum(metric_value) filter (where metric_type = 'sent_count')::int as sent,
             sum(metric_value) filter (where metric_type = 'delivered_count')::int as delivered
        from sms_monitor.sms_metrics where user_id = any(${sim.users}::uuid[]) group by 1 order by 1`;
    const day = (k: number) => new Date(now.getTime() - k * 86_400_000).toISOString().slice(0, 10);
    expect(days.map((d) => [d.day, d.hours])).toEqual([[day(7), 24], [day(6), 24], [day(5), 24], [day(4), 24], [day(3), 24],
      [day(2), 24], [day(1), 22]]);
    // Plausible: thousands a day, 98.5-99.7 % delivered.
    for (const d of days) {
      expect(d.sent).toBeGreaterThan(10_000);
      expect(d.delivered / d.sent).toBeGreaterThan(0.98);
    }
    // The same seed, days and time backfill the same: twice the totals.
    const replay = createSmsMonitor(db.url, { buffered: { flushIntervalMs: 50 }, strict: true });
    const again = new Simulator(replay, { users: 40, rate: 1, seed: 3 });
    await again.backfill(7, now);
    await replay.close();
    expect(again.tally).toEqual(t);
    const doubled = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 2 * 1e9) / 1e9]));
    expect(await totals(sim.users)).toEqual(doubled);
    expect(await sim.backfill(31, now).catch((e: Error) => e.message)).toBe('--backfill: must be between 0 and 30 days');
  });

  it('the command: --ticks runs that many simulated seconds and prints the tally; bad flags exit 2', async () => {
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('node', [path.join(repoRoot, 'bin', 'sms-monitor.js'), 'simulate', ...args],
        { cwd: repoRoot, env: { ...process.env, DATABASE_URL: db.url }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    });
    const r = await run(['--users', '3', '--rate', '10', '--seed', '5', '--ticks', '12']);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout.trim());
    const idle = createSmsMonitor(db.url);
    const expected = new Simulator(idle, { users: 3, rate: 10, seed: 5 });
    await idle.close();
    expect(printed.ticks).toBe(12);
    expect(printed.scheduled_count).toBe(120);
    expect(await totals(expected.users)).toEqual(Object.fromEntries(Object.entries(printed).filter(([k]) => k !== 'ticks' && k !== 'users')));
    // --ack-after: the simulator polls for the staged incident's alert (opt_out -> opt_out_rate_warning),
    // ends the fault once it is open and acknowledges it that long after, as "simulator"; it leaves
    // other rules' incidents alone.
    const [{ id }] = await db.sql<[{ id: string }]>`
      insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
        window_minutes, message, triggered_at)
      values ('opt_out_rate_warning', 'warning', 'opt_out_rate', '>', 12, 10, 60, 'opt-outs 12 %', now())
      returning id`;
    const acked = await run(['--users', '2', '--rate', '2', '--incident', 'opt_out', '--after', '1s', '--ack-after', '1s', '--ticks', '3']);
    expect(acked.code).toBe(0);
    expect(acked.stderr).toContain(`sms-monitor simulate: opt_out_rate_warning is open (tick 2): ${id}; the staged fault ends now\n`);
    expect(acked.stderr).toContain('sms-monitor simulate: acknowledged 1 open incident(s) of opt_out_rate_warning as simulator (tick 3)\n');
    const [row] = await db.sql`select acknowledged_by from sms_monitor.sms_alert_history where id = ${id}`;
    expect(row!.acknowledged_by).toBe('simulator');
    const [other] = await db.sql`select count(*)::int as n from sms_monitor.sms_alert_history
      where alert_type <> 'opt_out_rate_warning' and acknowledged_by = 'simulator'`;
    expect(other!.n).toBe(0);
    const bad = await run(['--incident', 'fire']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, `sms-monitor simulate: --incident: must be one of ${INCIDENTS.join(', ')}`]);
  });
});
