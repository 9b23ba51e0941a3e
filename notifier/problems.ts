// How the notifier reads a database error, through the shared classifier (client/errors.ts): an
// outage (reconnect with backoff) or a problem an operator must fix (say what to check).
import { classifyError } from '../client/errors.ts';

/**
 * True only for errors that mean "the database is unreachable right now" (reconnect with backoff):
 * the kind 'connection' of the shared classifier. Anything else (a missing function, a permission,
 * a bug) is not an outage.
 */
export function isConnectionError(error: unknown): boolean {
  return classifyError(error).kind === 'connection';
}

/** The SQLSTATE of a server error, else undefined. */
export function sqlState(error: unknown): string | undefined {
  return classifyError(error).sqlstate;
}

/** What an operator should check for an error that is not an outage. */
export function problemHint(error: unknown): string {
  const { kind, sqlstate } = classifyError(error);
  if (sqlstate === undefined) return 'unexpected error in the notifier (not a database outage); please report it with this log line';
  if (kind === 'permission') return `permission denied (SQLSTATE ${sqlstate}): grant sms_monitor_notifier to the notifier's login role`;
  if (kind === 'schema') {
    return `SQLSTATE ${sqlstate}: the sms_monitor schema is missing or older than this notifier; run \`sms-monitor migrate\``;
  }
  if (kind === 'login') return `SQLSTATE ${sqlstate}: check DATABASE_URL (role, password, database name)`;
  return `SQLSTATE ${sqlstate}: the database refused the request (not an outage); check the message`;
}
