import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/**
 * Precedence: explicit flag > DATABASE_URL > the embedded cluster started by `npm start`: the
 * instance SMS_MONITOR_INSTANCE names (default dev), as npm start and scripts/pg.sh read it.
 */
export function resolveDatabaseUrl(flag?: string): string {
  if (flag) return flag;
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const instance = process.env.SMS_MONITOR_INSTANCE || 'dev';
  if (!/^(dev|test|test-[a-z0-9][a-z0-9-]*)$/.test(instance)) {
    throw new Error(`SMS_MONITOR_INSTANCE: "${instance}" is not dev, test or test-<name>`);
  }
  const file = path.join(repoRoot, '.sms-monitor', instance, 'url');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`no database: set DATABASE_URL or run \`npm start\` (embedded PostgreSQL) first (no ${path.relative(repoRoot, file)})`);
  }
}

/** A connection string with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable connection string>';
  }
}
