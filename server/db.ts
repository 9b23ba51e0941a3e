// The server's database access, PostgREST style: one pool of a LOGIN role that is a member of
// sms_monitor_authenticator (NOINHERIT, so it has no rights of its own), and per request one
// transaction that first switches to the token's role and publishes the claims:
//   select set_config('role', <claim role>, true), set_config('request.jwt.claims', <claims>, true)
// (set_config('role', ..., true) is SET LOCAL ROLE). Everything after runs with that role's grants
// and row-level policies; the database raises 42501 for what it may not do.
import postgres from 'postgres';
import type { Claims } from './auth.ts';
import { TOKEN_ROLES } from './auth.ts';

export type Tx = postgres.TransactionSql<Record<string, postgres.PostgresType>>;
export type Pool = postgres.Sql<Record<string, postgres.PostgresType>>;

export function createPool(url: string, max = 10): Pool {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 10,
    // Dates and times stay text: bodies are built by the database as JSON anyway.
    connection: { application_name: 'sms-monitor-serve' },
  });
}

export async function asRole<T>(pool: Pool, claims: Claims, body: (tx: Tx) => Promise<T>): Promise<T> {
  // verifyToken allows only these three; checked again here because this line grants the rights.
  if (!(TOKEN_ROLES as readonly string[]).includes(claims.role)) throw new Error('role: not allowed');
  return pool.begin(async (tx) => {
    await tx`select set_config('role', ${claims.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return body(tx);
  }) as Promise<T>;
}

/**
 * One SQL statement whose single column `body` is JSON text, run as the token's role. The role
 * switch and the statement are pipelined (sent together on the transaction's connection, run in
 * order): one round trip fewer per request. Pass dates and times as `$n::text::date`: postgres.js
 * serializes a date-typed parameter through a JS Date, which rolls 2026-02-30 over to 2026-03-02
 * instead of letting PostgreSQL refuse it.
 */
export async function jsonBody(pool: Pool, claims: Claims, query: string, params: unknown[] = []): Promise<string> {
  if (!(TOKEN_ROLES as readonly string[]).includes(claims.role)) throw new Error('role: not allowed');
  return pool.begin(async (tx) => {
    const [, rows] = await Promise.all([
      tx`select set_config('role', ${claims.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`,
      tx.unsafe(query, params as never[]),
    ]);
    return String(rows[0]?.body);
  }) as Promise<string>;
}

