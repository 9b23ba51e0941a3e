// The published package, as a dependent project sees it: `npm pack` (prepack builds dist/) in a
// copy of this checkout, the tarball installed into a throwaway consumer project, and there:
// the install warns about no engine on this Node (20: no dependency may need Node 22), plain
// Node ESM imports it and records and reads against a real database, CommonJS require()s it
// (Node 20.19+ loads the ESM build through require), tsc (strict, no skipLibCheck) type-checks a
// consumer .ts under moduleResolution node16 and bundler, and `npx sms-monitor --help` /
// `migrate` run from the consumer's node_modules.
//
// The pack runs in a copy so that its `rm -rf dist && tsc` never races the other test files that
// spawn the CLI from this checkout's dist/. npm installs with --prefer-offline (the local cache).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { withDatabase } from '../../test/db-url.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

interface Run { code: number; stdout: string; stderr: string }

/** The environment without what an enclosing `npm test` sets (npm_config_*, npm_package_*). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'DATABASE_URL') env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv(extra), timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
  });
}

async function ok(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Run> {
  const r = await run(cmd, args, cwd, extra);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  name: string; version: string; devDependencies: Record<string, string>;
};
const committed = readdirSync(path.join(repoRoot, 'migrations', 'committed')).filter((f) => f.endsWith('.sql')).sort();

let work: string;
let consumer: string;
let packed: string[];
let db: TestDatabase;
let installLog: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'sms-monitor-package-'));
  const copy = path.join(work, 'source');
  const skip = new Set(['node_modules', 'dist', '.git', '.sms-monitor']);
  cpSync(repoRoot, copy, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      const rel = path.relative(repoRoot, src);
      const top = rel.split(path.sep)[0]!;
      return !skip.has(top) && !(rel === top && top.endsWith('.tgz'));
    },
  });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'));
  const pack = await ok('npm', ['pack', '--json', '--pack-destination', work], copy);
  const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = info[0]!.files.map((f) => f.path).sort();
  const tarball = path.join(work, info[0]!.filename);

  consumer = path.join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const install = await ok('npm', ['install', tarball, `typescript@${pkg.devDependencies.typescript}`,
    `@types/node@${pkg.devDependencies['@types/node']}`, '--prefer-offline', '--no-audit', '--no-fund'], consumer);
  installLog = install.stdout + install.stderr;
  db = await freshDatabase();
}, 900_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships the built library, the CLI, the SQL and the committed migrations; no sources, tests or benches', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/sms-monitor.js', 'dist/client/index.js',
      'dist/client/index.d.ts', 'dist/cli/main.js', 'dist/notifier/daemon.js', 'sql/functions/record_sms_event.sql',
      'sql/views/sms_metrics_daily.sql', ...committed.map((c) => `migrations/committed/${c}`)]) {
      expect(packed).toContain(f);
    }
    expect(packed.filter((f) => /(^|\/)test\//.test(f) || f.startsWith('bench/') || f.startsWith('scripts/'))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(packed.filter((f) => f.startsWith('migrations/') && !f.startsWith('migrations/committed/'))).toEqual([]);
    expect(packed.filter((f) => f.startsWith('sql/tests/') || f.startsWith('docker') || f === 'dist/.build-stamp')).toEqual([]);
    const installed = JSON.parse(readFileSync(path.join(consumer, 'node_modules', 'sms-monitor', 'package.json'), 'utf8'));
    expect(installed).toMatchObject({ name: pkg.name, version: pkg.version, type: 'module', license: 'MIT' });
    expect(installed.private).toBeUndefined();
    // What the CLI and the library import at run time is installed with it (not only in our devDependencies).
    for (const dep of ['postgres', 'graphile-migrate', 'commander', 'zod', 'pino', 'nodemailer', '@graphile/logger']) {
      expect(existsSync(path.join(consumer, 'node_modules', dep, 'package.json'))).toBe(true);
    }
    expect(existsSync(path.join(consumer, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(path.join(consumer, 'node_modules', 'vitest'))).toBe(false);
  });

  it('installs without an engine warning on this Node: every dependency supports it', () => {
    expect(installLog).not.toContain('EBADENGINE');
    // The versions that need Node 22 stay out: content-disposition 3 (@fastify/static), cookie 2
    // (fastify's light-my-request).
    const version = (dep: string) => (JSON.parse(readFileSync(path.join(consumer, 'node_modules', dep, 'package.json'), 'utf8')) as
      { version: string }).version;
    expect(version('light-my-request')).toBe('6.6.0');
    expect(version('cookie')).toMatch(/^1\./);
    const nested = path.join(consumer, 'node_modules', '@fastify', 'static', 'node_modules', 'content-disposition');
    expect(existsSync(nested) ? version('@fastify/static/node_modules/content-disposition') : version('content-disposition')).toMatch(/^2\./);
  });

  it('require()s from CommonJS, as a default `npm init -y` project does', async () => {
    writeFileSync(path.join(consumer, 'require.cjs'), `
      const m = require('sms-monitor');
      console.log(JSON.stringify({ create: typeof m.createSmsMonitor, kinds: Object.keys(m.METRIC_KINDS).length }));`);
    const r = await ok('node', ['require.cjs'], consumer);
    expect(JSON.parse(r.stdout)).toEqual({ create: 'function', kinds: 14 });
  }, 120_000);

  it('imports from plain Node (ESM) and records and reads against a real database', async () => {
    const script = `
      import { createSmsMonitor, METRIC_KINDS, SmsMonitorValidationError } from 'sms-monitor';
      const monitor = createSmsMonitor(process.env.DATABASE_URL, { strict: true });
      const user = 'd1000000-0000-0000-0000-000000000001';
      const at = '2026-11-29T10:15:00Z';
      await monitor.record('sent_count', { userId: user, value: 3, at });
      await monitor.record('delivered_count', { userId: user, value: 2, at });
      await monitor.record('avg_delivery_time_ms', { userId: user, value: 100, at });
      await monitor.record('avg_delivery_time_ms', { userId: user, value: 300, at });
      let invalid = null;
      await monitor.record('no_such_metric', {}).catch((e) => { invalid = e instanceof SmsMonitorValidationError; });
      const body = await monitor.userMetrics(user, 1, { now: new Date('2026-11-29T12:00:00Z') });
      const day = body.data.metrics[0];
      console.log(JSON.stringify({ kinds: Object.keys(METRIC_KINDS).length, invalid, writes: monitor.stats().writes,
        sent: day.sent_count, delivered: day.delivered_count, avg: day.avg_delivery_time_ms, date: day.metric_date }));
      await monitor.close();`;
    writeFileSync(path.join(consumer, 'record.mjs'), script);
    const r = await ok('node', ['record.mjs'], consumer, { DATABASE_URL: db.url });
    expect(JSON.parse(r.stdout)).toEqual({
      kinds: 14, invalid: true, writes: 4, sent: 3, delivered: 2, avg: 200, date: '2026-11-29',
    });
    const rows = await db.sql<Array<{ metric_type: string; v: number }>>`
      select metric_type, sum(metric_value)::float8 as v from sms_monitor.sms_metrics
       where user_id = 'd1000000-0000-0000-0000-000000000001' group by 1 order by 1`;
    expect(rows).toEqual([
      { metric_type: 'avg_delivery_time_ms', v: 400 },
      { metric_type: 'delivered_count', v: 2 },
      { metric_type: 'sent_count', v: 3 },
    ]);
  }, 300_000);

  const consumerTs = `
    import { createSmsMonitor, SmsMonitorError, type DailyMetrics, type MetricType, type SmsMonitor } from 'sms-monitor';
    const kind: MetricType = 'delivered_count';
    const monitor: SmsMonitor = createSmsMonitor('postgres://localhost/x', { buffered: { flushIntervalMs: 1000 } });
    export async function use(): Promise<number> {
      await monitor.record(kind, { userId: null, value: 1 });
      const day: DailyMetrics | undefined = (await monitor.dailyMetrics('2026-11-01')).data[0];
      const sent: number = day?.sent_count ?? 0;
      const err: SmsMonitorError | null = null;
      void err;
      return sent + monitor.stats().writes;
    }
    `;
  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-checks a consumer .ts with tsc --strict, moduleResolution ${resolution}`, async () => {
      const dir = path.join(consumer, `ts-${resolution}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'consumer.ts'), consumerTs);
      // The same file with a mistake: a type the package does not have must be an error, so the
      // check above is known to be looking at the package's declarations.
      writeFileSync(path.join(dir, 'wrong.ts'), `import { createSmsMonitor } from 'sms-monitor';
        const m = createSmsMonitor('postgres://localhost/x');
        export const n: string = m.stats().writes;
        m.record('not_a_metric');\n`);
      const options = {
        strict: true, noEmit: true, target: 'es2022', types: ['node'], skipLibCheck: false,
        module: resolution === 'node16' ? 'node16' : 'esnext', moduleResolution: resolution,
      };
      // One tsc run over both files (type-checking the declarations is what costs): consumer.ts
      // must have no error at all, wrong.ts exactly its two.
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['consumer.ts', 'wrong.ts'] }));
      const tsc = path.join(consumer, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = await run('node', [tsc, '-p', 'tsconfig.json'], dir);
      const errors = r.stdout.split('\n').filter((l) => /^\S+\(\d+,\d+\): error/.test(l));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(2);
      expect(errors.length, r.stdout).toBe(2);
      expect(errors[0]).toMatch(/^wrong\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
      expect(errors[1]).toMatch(/^wrong\.ts\(4,\d+\): error TS2345: Argument of type '"not_a_metric"'/);
    }, 600_000);
  }

  it('runs `npx sms-monitor --help` from the consumer', async () => {
    const r = await ok('npx', ['--no', '--', 'sms-monitor', '--help'], consumer);
    expect(r.stdout).toMatch(/^Usage: sms-monitor/m);
    expect(r.stdout).toMatch(/^ {2}migrate\b/m);
  }, 300_000);

  it('runs `npx sms-monitor migrate` from the consumer against an empty database', async () => {
    const adminUrl = inject('adminUrl');
    const name = `sms_monitor_pkg_${process.pid}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name}`);
    await admin.unsafe(`create database ${name}`);
    const target = postgres(withDatabase(adminUrl, name), { max: 1, onnotice: () => {} });
    try {
      const r = await ok('npx', ['--no', '--', 'sms-monitor', 'migrate', '--no-pgtap'], consumer, { DATABASE_URL: withDatabase(adminUrl, name) });
      expect(r.stderr).toContain('[migrate] done');
      const applied = await target<Array<{ filename: string }>>`select filename from graphile_migrate.migrations order by filename`;
      // graphile-migrate records each committed file by its number (000001-<message>.sql -> 000001.sql).
      expect(applied.map((m) => m.filename)).toEqual(committed.map((c) => `${c.slice(0, 6)}.sql`));
      const [kinds] = await target`select count(*)::int as n from sms_monitor.metric_types`;
      expect(kinds).toEqual({ n: 15 });
      // Nothing of the work in progress (migrations/current.sql) exists without a checkout.
      const [current] = await target`select count(*)::int as n from graphile_migrate.current`;
      expect(current).toEqual({ n: 0 });
      // Applying again is a no-op.
      await ok('npx', ['--no', '--', 'sms-monitor', 'migrate', '--no-pgtap'], consumer, { DATABASE_URL: withDatabase(adminUrl, name) });
      expect((await target`select count(*)::int as n from graphile_migrate.migrations`)[0]).toEqual({ n: committed.length });
    } finally {
      await target.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 300_000);
});
