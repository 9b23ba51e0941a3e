// Shared bench helpers: fresh migrated databases, timing, medians and table printing.
import postgres from 'postgres';
import { migrateDatabase } from '../client/migrate.ts';

export interface BenchDatabase {
  url: string;
  sql: postgres.Sql;
  connect(max?: number): postgres.Sql;
  drop(): Promise<void>;
}

export interface BenchSection {
  name: string;
  title: string;
  run(db: BenchDatabase): Promise<void>;
}

export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const adminUrl = process.env.BENCH_ADMIN_URL;
  if (!adminUrl) throw new Error('BENCH_ADMIN_URL is not set: run `npm run bench`');
  const dbName = `sms_monitor_bench_${name.replace(/[^a-z0-9_]/g, '_')}`;
  // BENCH_KEEP_DB=1: an existing database of the section is reused (migrated again) and kept after
  // the run, so a section can skip its seeding (see the section) and the data can be examined
  const keep = process.env.BENCH_KEEP_DB === '1';
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 as one from pg_database where datname = ${dbName}`;
  if (!keep || !exists) {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.unsafe(`create database ${dbName}`);
  }
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  await migrateDatabase(url, { includeCurrent: true, pgtap: false, log: () => {} });
  const pools: postgres.Sql[] = [];
  const connect = (max = 10) => {
    const p = postgres(url, { max, onnotice: () => {} });
    pools.push(p);
    return p;
  };
  return {
    url,
    sql: connect(),
    connect,
    async drop() {
      await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
      if (keep) return;
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${dbName} with (force)`);
      await a.end();
    },
  };
}

/**
 * The rollup job's length and pause in seconds: run_sms_rollups's defaults, read from the installed
 * procedure (the one place they are written), so the bench runs it as the pg_cron job does.
 */
export async function rollupJobDefaults(sql: postgres.Sql): Promise<{ seconds: number; pause: number }> {
  const [r] = await sql<{ args: string }[]>`select pg_get_function_arguments('sms_monitor.run_sms_rollups'::regproc) as args`;
  const m = /p_seconds integer DEFAULT ([\d.]+), IN p_pause_seconds double precision DEFAULT ([\d.]+)/.exec(r!.args);
  if (!m) throw new Error(`run_sms_rollups's arguments not understood: ${r!.args}`);
  return { seconds: Number(m[1]), pause: Number(m[2]) };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Prints rows as a Markdown table (so the output can be pasted into docs/benchmarks.md). */
export function printTable(headers: string[], rows: Array<Array<string | number>>): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => `| ${r.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(cells[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

function fmt(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 100) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(n >= 10 ? 1 : 2);
}

/**
 * The ~10 million hour buckets (sms_metric_rollups rows) the dashboard benchmarks read: 365 days x 24 hours x 100 users x
 * 12 types (10,512,000 rows, today included), generated set-based in SQL, analyzed, the daily view
 * refreshed; plus 2,000 resolved incidents. The same data as the client section's dashboards.
 */
export async function seedTenMillionMetrics(sql: postgres.Sql): Promise<number> {
  await sql.unsafe(`
    insert into sms_monitor.sms_metric_rollups (metric_date, metric_hour, user_id, metric_type, metric_value, sample_count)
    select current_date - d, h,
           ('b2000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid,
           t.metric_type,
           case when t.kind = 'counter' then (d + h + u) % 7 + (case t.metric_type when 'sent_count' then 20 else 0 end)
                when t.kind = 'sum' then ((d + h + u) % 7) * 0.0012
                else ((d * 7 + h * 3 + u) % 900) + 100 end,
           case when t.kind = 'timing' then 1 + (u % 3) else 1 end
      from generate_series(0, 364) d, generate_series(0, 23) h, generate_series(1, 100) u,
           (select metric_type, kind from sms_monitor.metric_types
             where metric_type not in ('delivery_success_rate', 'quiet_hours_skip_count', 'daily_limit_hit_count')) t`);
  // the day grain the daily views read, as the rollup would have written it
  await sql.unsafe(`
    insert into sms_monitor.sms_metric_rollups_daily (user_id, metric_type, metric_date, metric_value, sample_count)
    select user_id, metric_type, metric_date, sum(metric_value), sum(sample_count)
      from sms_monitor.sms_metric_rollups
     group by user_id, metric_type, metric_date`);
  await sql`select sms_monitor._rebuild_system_rollups(current_date - 364, current_date)`;
  await sql`analyze sms_monitor.sms_metric_rollups`;
  await sql`analyze sms_monitor.sms_metric_rollups_daily`;
  await sql`select sms_monitor.refresh_sms_metrics_daily()`;
  await sql.unsafe(`
    insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
      window_minutes, message, triggered_at, resolved_at, resolved_by)
    select 'delivery_rate_critical', 'critical', 'delivery_rate', '<', 80, 90, 60, 'bench', now() - g * interval '1 hour',
           now() - g * interval '1 hour' + interval '10 minutes', 'bench'
      from generate_series(1, 2000) g`);
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from sms_monitor.sms_metrics`;
  return row!.n;
}
