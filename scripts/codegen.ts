// npm run codegen: migrate a fresh database (committed migrations + current.sql), then regenerate
//   client/generated/db.ts         tables and views of schema sms_monitor (kysely-codegen)
//   client/generated/functions.ts  every public sms_monitor function from pg_proc (ours)
//   client/generated/metric-types.ts  the rows of sms_monitor.metric_types (METRIC_TYPES, METRIC_KINDS)
//   client/generated/enums.ts      every enum type of schema sms_monitor (channels, outbox statuses and
//                                  events, alert actions, severities, metric kinds) as lists and unions,
//                                  and the outbox's NOTIFY channel (sms_monitor._notify_channel())
//   sql/schema.sql                 the current schema as one readable file (pg_dump, normalised)
// The fresh database is created on DATABASE_URL's server when set (and dropped afterwards), else on
// the embedded cluster `test-codegen` (scripts/pg.sh). `--check` compares instead of writing and
// exits 1 when the committed files are stale. client/test/codegen.test.ts runs the same generator.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { migrateDatabase, repoRoot } from '../client/migrate.ts';
import { BANNER, functionTypes, q } from './codegen-functions.ts';

export const generatedDir = path.join(repoRoot, 'client', 'generated');


/** Every generated file, by its path in the repository. */
export const GENERATED_FILES = ['client/generated/db.ts', 'client/generated/functions.ts',
  'client/generated/metric-types.ts', 'client/generated/enums.ts', 'sql/schema.sql'] as const;
export type GeneratedFile = typeof GENERATED_FILES[number];

/** Generates every file from the database at `url`; returns their contents by repository path. */
export async function generate(url: string): Promise<Record<GeneratedFile, string>> {
  return {
    'client/generated/db.ts': kyselyTypes(url),
    'client/generated/functions.ts': await functionTypes(url),
    'client/generated/metric-types.ts': await metricTypes(url),
    'client/generated/enums.ts': await enumTypes(url),
    'sql/schema.sql': await schemaSql(url),
  };
}

const SQL_BANNER = `-- GENERATED FILE, DO NOT EDIT. Regenerate with \`npm run codegen\` (scripts/codegen.ts)
-- from a freshly migrated database; \`npm test\` fails when this file is stale.
--
-- The current shape of schema sms_monitor (committed migrations + migrations/current.sql) as one
-- file to read: tables, columns, constraints, indexes, views, triggers, row-level security
-- policies, grants and comments, in pg_dump's order (--schema-only --no-owner). Function bodies
-- are left out: each function's signature and attributes are here, its body is in the file named
-- below it (sql/functions/<name>.sql). For reading, not for loading: databases get their schema
-- from \`sms-monitor migrate\`. Daily partitions (\`<table>_YYYYMMDD\`, with their indexes and attachments)
-- are left out: the maintenance job creates and drops them by date, so they differ from day to day;
-- each partitioned table, its indexes and its DEFAULT partition are here.
`;

/** pg_dump of the server's own major version when installed (Debian layout), else the one on PATH. */
async function pgDumpBinary(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<Array<{ major: number }>>`select current_setting('server_version_num')::int / 10000 as major`;
    const debian = `/usr/lib/postgresql/${row!.major}/bin/pg_dump`;
    return existsSync(debian) ? debian : 'pg_dump';
  } finally {
    await sql.end();
  }
}

async function schemaSql(url: string): Promise<string> {
  const u = new URL(url);
  // Connection by environment, so the password never appears in a process list.
  const dump = execFileSync(await pgDumpBinary(url),
    ['--schema-only', '--schema=sms_monitor', '--no-owner', '--no-tablespaces'], {
      encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username),
        PGPASSWORD: decodeURIComponent(u.password), PGDATABASE: decodeURIComponent(u.pathname.slice(1)) },
    });
  return normaliseDump(dump);
}

/**
 * pg_dump's output without what varies between runs and versions (the header with versions, the
 * per-run \restrict key, SET lines, the trailer) and with function bodies replaced by the file
 * that holds them.
 */
/** A dump block of a daily partition or of its index: a name ending in _YYYYMMDD (or _YYYYMMDD_<suffix>). */
export const DATED_PARTITION = /^[a-z][a-z0-9_]*_\d{8}(_[a-z0-9_]+)?; Type: /;

export function normaliseDump(dump: string): string {
  const blocks = dump.replace(/\r\n/g, '\n').split(/\n--\n-- Name: /).slice(1);
  const objects: string[] = [];
  const functions: string[] = [];
  for (const raw of blocks) {
    const block = raw.replace(/\n--\n-- PostgreSQL database dump complete\n--\n[\s\S]*$/, '');
    const nl = block.indexOf('\n');
    const header = block.slice(0, nl).replace(/; Owner: -$/, '');
    if (DATED_PARTITION.test(header)) continue;
    // pg_dump's session settings (SET default_table_access_method before the first table) are not schema.
    let body = block.slice(nl + 1).replace(/^--\n/, '').replace(/^SET [a-z_]+ = .*;$/gm, '').trim();
    const type = /; Type: ([A-Z ]+);/.exec(header)?.[1];
    if (type === 'FUNCTION') {
      const name = header.slice(0, header.indexOf('('));
      const lines = body.split('\n');
      const at = lines.findIndex((l) => /^ {4}(AS |BEGIN ATOMIC|RETURN )/.test(l));
      const file = `sql/functions/${name}.sql`;
      const where = existsSync(path.join(repoRoot, file)) ? file : 'migrations/committed/';
      body = [...lines.slice(0, at < 0 ? lines.length : at), `    -- body: ${where}`].join('\n');
    }
    // Functions (with their comments and grants) after the tables, views and the rest.
    const isFunction = type === 'FUNCTION' || type === 'AGGREGATE' || /^(FUNCTION|AGGREGATE) /.test(header);
    (isFunction ? functions : objects).push(`--\n-- Name: ${header}\n--\n\n${body}\n`);
  }
  return [SQL_BANNER, '-- ==== tables, views, sequences, indexes, constraints, triggers, policies, grants ====\n',
    ...objects, '-- ==== functions (bodies in sql/functions/) ====\n', ...functions].join('\n');
}

/** sms_monitor.metric_types as constants: the TypeScript list of metric types comes from the database. */
async function metricTypes(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let rows: Array<{ metric_type: string; kind: string; unit: string; description: string }>;
  try {
    rows = await sql`
      select metric_type, kind, unit, description from sms_monitor.metric_types
       order by kind::sms_monitor.metric_kind, metric_type`;
  } finally {
    await sql.end();
  }
  const out = [BANNER,
    '// The rows of sms_monitor.metric_types, the authoritative list of metric types.',
    '',
    '/** Every metric type with its kind, unit and description (delivery_success_rate is derived, never recorded). */',
    'export const METRIC_TYPES = {'];
  for (const r of rows) {
    out.push(`  ${r.metric_type}: { kind: ${q(r.kind)}, unit: ${q(r.unit)}, description: ${q(r.description)} },`);
  }
  out.push('} as const;', '',
    '/** The metric types that can be recorded, by kind (every row of metric_types except the derived ones). */',
    'export const METRIC_KINDS = {');
  for (const r of rows.filter((x) => x.kind !== 'derived')) out.push(`  ${r.metric_type}: ${q(r.kind)},`);
  out.push('} as const;', '');
  return out.join('\n');
}

/**
 * Every enum type of schema sms_monitor as a readonly list (`NOTIFICATION_CHANNEL_VALUES`) and its
 * union (`NotificationChannel`), in the enum's order, with the type's comment; and the NOTIFY
 * channel of the outbox. TypeScript never lists these values by hand.
 */
async function enumTypes(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let rows: Array<{ name: string; comment: string | null; labels: string[] }>;
  let notifyChannel: string;
  try {
    rows = await sql`
      select t.typname as name, obj_description(t.oid, 'pg_type') as comment,
             array_agg(e.enumlabel::text order by e.enumsortorder) as labels
        from pg_type t
        join pg_namespace n on n.oid = t.typnamespace
        join pg_enum e on e.enumtypid = t.oid
       where n.nspname = 'sms_monitor'
       group by t.oid, t.typname
       order by t.typname`;
    const [row] = await sql<Array<{ channel: string }>>`select sms_monitor._notify_channel() as channel`;
    notifyChannel = row!.channel;
  } finally {
    await sql.end();
  }
  const out = [BANNER, '// The enum types of schema sms_monitor: the one list of each enumerated fact.', ''];
  for (const r of rows) {
    const constant = `${r.name.toUpperCase()}_VALUES`;
    const union = r.name.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
    if (r.comment) out.push(`/** ${r.comment.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim()} */`);
    out.push(`export const ${constant} = [${r.labels.map(q).join(', ')}] as const;`);
    out.push(`export type ${union} = typeof ${constant}[number];`, '');
  }
  out.push('/** The NOTIFY channel on which the outbox announces new and re-queued rows (sms_monitor._notify_channel()). */');
  out.push(`export const OUTBOX_NOTIFY_CHANNEL = ${q(notifyChannel)};`, '');
  return out.join('\n');
}

function kyselyTypes(url: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sms-monitor-codegen-'));
  const out = path.join(dir, 'db.ts');
  try {
    execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'kysely-codegen'), [
      '--dialect', 'postgres', '--url', url, '--default-schema', 'sms_monitor',
      '--include-pattern', 'sms_monitor.*', '--log-level', 'error', '--out-file', out,
      // As the client returns them (client/numbers.ts): numeric and bigint as JavaScript numbers.
      '--numeric-parser', 'number', '--type-mapping', JSON.stringify({ int8: 'number' }),
    ], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DATABASE_URL: url } });
    return BANNER + readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  let adminUrl = process.env.DATABASE_URL;
  const script = path.join(repoRoot, 'scripts', 'pg.sh');
  const embedded = !adminUrl;
  if (!adminUrl) {
    execFileSync('bash', [script, 'start', 'test-codegen', '--fresh'], { stdio: ['ignore', 'ignore', 'inherit'] });
    adminUrl = execFileSync('bash', [script, 'admin-url', 'test-codegen'], { encoding: 'utf8' }).trim();
  }
  const name = `sms_monitor_codegen_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrateDatabase(url, { includeCurrent: true, pgtap: false, log: () => {} });
  return {
    url,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      // A throwaway cluster of our own leaves nothing running or on disk.
      if (embedded) execFileSync('bash', [script, 'destroy', 'test-codegen'], { stdio: 'ignore' });
    },
  };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const db = await freshDatabase();
  try {
    const files = await generate(db.url);
    let stale = 0;
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(repoRoot, file);
      let current = '';
      try { current = readFileSync(target, 'utf8'); } catch { /* new file */ }
      if (current === content) {
        console.error(`[codegen] ${path.relative(repoRoot, target)}: up to date`);
      } else if (check) {
        stale++;
        console.error(`[codegen] ${path.relative(repoRoot, target)}: STALE (run npm run codegen)`);
      } else {
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, content);
        console.error(`[codegen] ${path.relative(repoRoot, target)}: written`);
      }
    }
    if (stale) process.exitCode = 1;
  } finally {
    await db.drop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
