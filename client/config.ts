import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

/** Precedence: explicit flag > DATABASE_URL > the embedded dev cluster started by `npm start`. */
export function resolveDatabaseUrl(flag?: string): string {
  if (flag) return flag;
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const file = path.join(repoRoot, '.sms-monitor', 'dev', 'url');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error('no database: set DATABASE_URL or run `npm start` (embedded PostgreSQL) first');
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
