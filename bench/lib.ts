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
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
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
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${dbName} with (force)`);
      await a.end();
    },
  };
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
