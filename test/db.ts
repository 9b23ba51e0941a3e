// Per-test-file databases cloned from the migrated template made by global-setup.ts.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { withDatabase } from './db-url.ts';

export interface TestDatabase {
  name: string;
  url: string;
  /** A pool for the test itself (max 10 connections). */
  sql: postgres.Sql;
  /** Opens another pool on the same database; closed by drop(). */
  connect(options?: postgres.Options<Record<string, postgres.PostgresType>>): postgres.Sql;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const template = inject('templateDb');
  const name = `sms_monitor_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const pools: postgres.Sql[] = [];
  const connect = (options = {}) => {
    const p = postgres(url, { max: 10, onnotice: () => {}, ...options });
    pools.push(p);
    return p;
  };
  const sql = connect();
  return {
    name,
    url,
    sql,
    connect,
    async drop() {
      await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
