// What the parts of the notifier share: its configuration, logger, database pool, identity, the
// channels it serves, its counters and its two shutdown signals. daemon.ts builds it once.
import type pino from 'pino';
import type postgres from 'postgres';
import { scrub, type NotifierConfig } from './config.ts';
import type { Channel, ChannelName } from './types.ts';

export interface NotifierStats {
  claimed: number; sent: number; retried: number; deferred: number; failed: number; dead: number;
  superseded: number; lost: number; drains: number; listens: number; renewed: number;
}

export interface NotifierContext {
  readonly config: NotifierConfig;
  readonly log: pino.Logger;
  /** The pool every part uses (the LISTEN connection is separate: listen.ts). */
  readonly sql: postgres.Sql;
  readonly workerId: string;
  readonly channels: Map<ChannelName, Channel>;
  /** The channels this notifier serves: the only ones it claims. */
  readonly served: ChannelName[];
  readonly stats: NotifierStats;
  /** Set when the notifier stops claiming. */
  readonly stopping: AbortSignal;
  /** Set when the shutdown grace period ends: requests still in flight are abandoned. */
  readonly abort: AbortSignal;
  readonly secrets: string[];
  /** postgres.js options of every connection (reconnect backoff, application_name). */
  pgOptions(): postgres.Options<Record<string, postgres.PostgresType>>;
}

/** An error as one log-safe line: message and code, every configured secret scrubbed. */
export function errText(ctx: Pick<NotifierContext, 'secrets'>, error: unknown): string {
  const e = error as { message?: string; code?: string };
  const text = `${e?.message ?? String(error)}${e?.code ? ` (${e.code})` : ''}`;
  return scrub(text, ctx.secrets);
}
