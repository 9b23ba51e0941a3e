// Apply the committed migrations (graphile-migrate) to a database, creating the optional
// extensions first where the server has them and the caller may create them. Everything that is
// skipped is said, with the reason, so an operator on a managed database knows what is missing.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import postgres from 'postgres';
import { migrate as graphileMigrate, watch as graphileWatch } from 'graphile-migrate';
import { Logger } from '@graphile/logger';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface MigrateOptions {
  /** Create the pgTAP extension (schema pgtap) where available. Default true. */
  pgtap?: boolean;
  /** Also run migrations/current.sql (the work in progress): tests and development only. */
  includeCurrent?: boolean;
  log?: (message: string) => void;
}

export interface ExtensionOutcome {
  name: 'pg_cron' | 'pgtap';
  status: 'present' | 'created' | 'skipped';
  reason?: string;
}

export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<ExtensionOutcome[]> {
  const log = options.log ?? ((m: string) => console.error(m));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const outcomes: ExtensionOutcome[] = [];
  try {
    outcomes.push(await ensurePgCron(sql));
    if (options.pgtap !== false) outcomes.push(await ensurePgTap(sql));
  } finally {
    await sql.end();
  }
  for (const o of outcomes) {
    log(o.status === 'skipped' ? `[migrate] ${o.name}: skipped: ${o.reason}` : `[migrate] ${o.name}: ${o.status}`);
  }
  const settings = {
    connectionString: url,
    migrationsFolder: path.join(repoRoot, 'migrations'),
    pgSettings: { search_path: 'pg_catalog' },
    logger: new Logger(() => (level: string, message: string) => {
      if (level !== 'debug') log(`[migrate] ${message}`);
    }),
  };
  await graphileMigrate(settings);
  if (options.includeCurrent) await graphileWatch(settings, true, false);
  return outcomes;
}

type Sql = postgres.Sql<Record<string, never>>;

async function installed(sql: Sql, name: string): Promise<boolean> {
  const [row] = await sql`select exists (select from pg_extension where extname = ${name}) as ok`;
  return Boolean(row?.ok);
}

async function available(sql: Sql, name: string): Promise<boolean> {
  const [row] = await sql`select exists (select from pg_available_extensions where name = ${name}) as ok`;
  return Boolean(row?.ok);
}

async function tryCreate(sql: Sql, statement: string): Promise<string | null> {
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(statement);
    });
    return null;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === '42501') return `not permitted for this role (${e.message})`;
    throw error;
  }
}

async function ensurePgCron(sql: Sql): Promise<ExtensionOutcome> {
  const name = 'pg_cron';
  if (await installed(sql, name)) return { name, status: 'present' };
  if (!(await available(sql, name))) {
    return { name, status: 'skipped', reason: 'not installed on this server (Debian: postgresql-<major>-cron); '
      + 'run the evaluation with `sms-monitor notifier --evaluate-every 60s` instead' };
  }
  const [row] = await sql`select current_database() as db, current_setting('cron.database_name', true) as cron_db,
    current_setting('shared_preload_libraries') as preload`;
  if (!String(row?.preload ?? '').split(',').map((s) => s.trim()).includes('pg_cron')) {
    return { name, status: 'skipped', reason: "not in shared_preload_libraries (add 'pg_cron' and restart)" };
  }
  const cronDb = row?.cron_db ?? 'postgres';
  if (cronDb !== row?.db) {
    return { name, status: 'skipped', reason: `pg_cron runs in database "${cronDb}" only (cron.database_name), not "${row?.db}"` };
  }
  const denied = await tryCreate(sql, 'create extension if not exists pg_cron');
  return denied ? { name, status: 'skipped', reason: denied } : { name, status: 'created' };
}

async function ensurePgTap(sql: Sql): Promise<ExtensionOutcome> {
  const name = 'pgtap';
  if (await installed(sql, name)) return { name, status: 'present' };
  if (!(await available(sql, name))) {
    return { name, status: 'skipped', reason: 'not installed on this server (Debian: postgresql-<major>-pgtap); only the pgTAP suite needs it' };
  }
  const denied = await tryCreate(sql, 'create schema if not exists pgtap; create extension if not exists pgtap schema pgtap');
  return denied ? { name, status: 'skipped', reason: denied } : { name, status: 'created' };
}
