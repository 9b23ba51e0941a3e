// Apply the committed migrations (graphile-migrate) to a database, creating the optional
// extensions first where the server has them and the caller may create them. Everything that is
// skipped is said, with the reason, so an operator on a managed database knows what is missing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { migrate as graphileMigrate, watch as graphileWatch } from 'graphile-migrate';
import { Logger } from '@graphile/logger';
// graphile-migrate keeps its pg pools alive 200 ms after use and calls process.exit(1) if a pooled
// connection then dies (a test dropping its database, a server restart): close them right away.
import { clearAllPools } from 'graphile-migrate/dist/pgReal.js';
import { repoRoot } from './paths.ts';

export { repoRoot } from './paths.ts';

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
  if (options.includeCurrent && !existsSync(path.join(repoRoot, 'migrations', 'current.sql'))) {
    // An installed package ships only the committed migrations (package.json "files").
    throw new Error(`--include-current: there is no migrations/current.sql in ${repoRoot} (only a development checkout has one)`);
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const outcomes: ExtensionOutcome[] = [];
  try {
    const [v] = await sql<Array<{ num: string; version: string }>>`
      select current_setting('server_version_num') as num, current_setting('server_version') as version`;
    assertServerVersion(Number(v!.num), v!.version);
    await assertCanCreateRoles(sql);
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
  try {
    await migrateRetryingDeadlocks(() => graphileMigrate(settings), log);
    if (options.includeCurrent) await graphileWatch(settings, true, false);
  } finally {
    clearAllPools();
  }
  if (outcomes.some((o) => o.name === 'pg_cron' && o.status !== 'skipped')) await reloadPgCronJobs(url, log);
  return outcomes;
}

/** How many times a migration that lost a deadlock is run again. */
const DEADLOCK_ATTEMPTS = 5;

/**
 * Each migration is one transaction. A pg_cron job of an earlier migration (the check or the
 * rollup, every minute) can take the locks of the tables a later migration alters in the other
 * order: PostgreSQL then rolls one of them back with 40P01. When that is the migration, nothing of
 * it was applied (the ones before it were committed), so running migrate again is safe: it
 * continues with that migration.
 */
export async function migrateRetryingDeadlocks(run: () => Promise<void>, log: (m: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run();
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= DEADLOCK_ATTEMPTS) throw error;
      log(`[migrate] deadlock with a running job (40P01): that migration was rolled back; running it again (${attempt + 1} of ${DEADLOCK_ATTEMPTS})`);
    }
  }
}

/**
 * pg_cron 1.4's launcher can keep the job list it loaded while the extension and the jobs were being
 * created (seen when the cluster had just started: a job registered by a later migration never ran).
 * After migrating the cron database, touch the jobs once more in a transaction of its own: pg_cron's
 * trigger on cron.job tells the launcher to load them again, as committed. (Terminating the launcher
 * is no way to reload it: it exits for good on SIGTERM.) Needs the rights to update cron.job.
 */
async function reloadPgCronJobs(url: string, log: (m: string) => void): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`update cron.job set active = active where jobname like 'sms-monitor-%'`;
  } catch (error) {
    log(`[migrate] pg_cron: could not ask the scheduler to reload its jobs (${(error as Error).message}); `
      + 'it loads them on its next restart');
  } finally {
    await sql.end();
  }
}

type Sql = postgres.Sql<Record<string, never>>;

/** The oldest PostgreSQL the schema runs on: unique constraints use NULLS NOT DISTINCT (15). */
export const MIN_SERVER_VERSION_NUM = 150000;

/** Stops before any migration on a server older than PostgreSQL 15, saying why. */
export function assertServerVersion(versionNum: number, version: string): void {
  if (!Number.isFinite(versionNum) || versionNum < MIN_SERVER_VERSION_NUM) {
    throw new Error(`PostgreSQL 15 or newer is required, this server is ${version}: the schema's unique `
      + 'constraints use NULLS NOT DISTINCT (PostgreSQL 15). Nothing was changed.');
  }
}

export const ROLES = ['sms_monitor_writer', 'sms_monitor_reader', 'sms_monitor_admin', 'sms_monitor_self',
  'sms_monitor_notifier'] as const;

/**
 * The migrations create the sms_monitor_* roles when missing and grant among them, which needs
 * CREATEROLE (managed services give it to their admin user). Say so up front, with what to do,
 * instead of failing halfway through with a bare permission error.
 */
async function assertCanCreateRoles(sql: Sql): Promise<void> {
  const rows = await sql<{ user: string; can: boolean }[]>`
    select current_user as user, (select rolsuper or rolcreaterole from pg_roles where rolname = current_user) as can`;
  const { user, can } = rows[0]!;
  if (!can) {
    throw new Error(`user "${user}" may not create roles; the migrations create and grant the roles `
      + `${ROLES.join(', ')}: run them as a user with CREATEROLE (for example: alter role ${user} createrole)`);
  }
}

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
  let row: { db: string; cron_db: string | null; preload: string } | undefined;
  try {
    [row] = await sql<{ db: string; cron_db: string | null; preload: string }[]>`
      select current_database() as db, current_setting('cron.database_name', true) as cron_db,
             current_setting('shared_preload_libraries') as preload`;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') {
      return { name, status: 'skipped', reason: 'only a superuser may create pg_cron (or read its settings); '
        + 'ask one to run `create extension pg_cron` in cron.database_name, then `select sms_monitor.install_sms_monitor_schedule()`' };
    }
    throw error;
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
