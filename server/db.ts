// The server's database access, PostgREST style: pools of a LOGIN role that is a member of
// sms_monitor_authenticator (NOINHERIT, so it has no rights of its own), and per request one
// transaction that first switches to the token's role, publishes the claims and bounds the
// statement:
//   select set_config('role', <claim role>, true), set_config('request.jwt.claims', <claims>, true),
//          set_config('statement_timeout', <ms>, true)
// (set_config(..., true) is SET LOCAL). Everything after runs with that role's grants and row-level
// policies; the database raises 42501 for what it may not do. A role's own statement_timeout
// setting does not apply on SET ROLE, hence the SET LOCAL in every request.
import postgres from 'postgres';
import type { Claims } from './auth.ts';
import { TOKEN_ROLES } from './auth.ts';
import { HttpError } from './errors.ts';

export type Tx = postgres.TransactionSql<Record<string, postgres.PostgresType>>;
export type Pool = postgres.Sql<Record<string, postgres.PostgresType>>;
/** What asRole's track() needs of a query: postgres.js's cancel() and its promise. */
export interface Cancellable extends PromiseLike<unknown> { cancel(): unknown }

export function createPool(url: string, max = 10, name = 'sms-monitor-serve'): Pool {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    // Dates and times stay text: bodies are built by the database as JSON anyway.
    connection: { application_name: name },
  });
}

export interface QueryOptions {
  statementTimeoutMs: number;
  /** Aborted when the client went away: the statement is cancelled (or never started). */
  signal?: AbortSignal;
}

/** Thrown when the client left before its statement ran; nobody reads the answer. */
export class ClientGone extends HttpError {
  constructor() {
    super(499, 'client_closed', 'client: closed the connection');
  }
}

/**
 * Runs body(tx) in a transaction as the token's role with the statement bounded. The role switch
 * and body's first statement are pipelined (sent together on the transaction's connection, run
 * in order): one round trip fewer per request. body gets a `track` function: a query passed to
 * it is cancelled when the client goes away.
 */
export async function asRole<T>(pool: Pool, claims: Claims, options: QueryOptions,
  body: (tx: Tx, track: <Q extends Cancellable>(q: Q) => Q) => Promise<T>): Promise<T> {
  // verifyToken allows only these three; checked again here because this line grants the rights.
  if (!(TOKEN_ROLES as readonly string[]).includes(claims.role)) throw new Error('role: not allowed');
  const { signal } = options;
  if (signal?.aborted) throw new ClientGone();
  const pending = new Set<Cancellable>();
  const onAbort = () => { for (const q of pending) void q.cancel(); };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await (pool.begin(async (tx) => {
      // Queued behind other requests while the client left: do not start at all.
      if (signal?.aborted) throw new ClientGone();
      const setup = tx`select set_config('role', ${claims.role}, true),
        set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
        set_config('statement_timeout', ${String(options.statementTimeoutMs)}, true)`.execute();
      const track = <Q extends Cancellable>(q: Q): Q => {
        pending.add(q);
        // Done: forget it, so that a late abort never sends a cancel to the connection's next query.
        q.then(() => pending.delete(q), () => pending.delete(q));
        if (signal?.aborted) void q.cancel();
        return q;
      };
      const [, result] = await Promise.all([setup, body(tx, track)]);
      return result;
    }) as Promise<T>);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * One SQL statement whose single column `body` is JSON text, run as the token's role. Pass dates
 * and times as `$n::text::date`: postgres.js serializes a date-typed parameter through a JS Date,
 * which rolls 2026-02-30 over to 2026-03-02 instead of letting PostgreSQL refuse it.
 */
export async function jsonBody(pool: Pool, claims: Claims, options: QueryOptions, query: string, params: unknown[] = []): Promise<string> {
  return asRole(pool, claims, options, async (tx, track) => {
    const rows = await track(tx.unsafe(query, params as never[]));
    return String(rows[0]?.body);
  });
}
