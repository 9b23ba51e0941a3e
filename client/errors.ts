// Typed errors of the sms-monitor client. Every error carries `code`: the PostgreSQL SQLSTATE when
// the database raised it (22023 bad input, 42501 permission, P0002 unknown id, ...), or one of the
// client's own codes for failures that never reached SQL ('CONNECTION', 'CLOSED').

export class SmsMonitorError extends Error {
  /** SQLSTATE (five characters) or a client code ('CONNECTION', 'CLOSED'). */
  readonly code: string;
  override readonly cause?: unknown;

  constructor(message: string, code: string, cause?: unknown) {
    super(message);
    this.name = 'SmsMonitorError';
    this.code = code;
    if (cause !== undefined) this.cause = cause;
  }
}

/** Bad input: SQLSTATE 22023. Raised by the client before any round trip, or by the database. */
export class SmsMonitorValidationError extends SmsMonitorError {
  /** The field the message starts with ("days" for "days: must be between 1 and 365"). */
  readonly field: string;

  constructor(field: string, problem: string, cause?: unknown) {
    super(`${field}: ${problem}`, '22023', cause);
    this.name = 'SmsMonitorValidationError';
    this.field = field;
  }
}

/** The caller may not do this (SQLSTATE 42501, e.g. a self-only caller reading another user). */
export class SmsMonitorPermissionError extends SmsMonitorError {
  constructor(message: string, cause?: unknown) {
    super(message, '42501', cause);
    this.name = 'SmsMonitorPermissionError';
  }
}

/** An unknown id (SQLSTATE P0002, e.g. resolving an alert that does not exist). */
export class SmsMonitorNotFoundError extends SmsMonitorError {
  constructor(message: string, cause?: unknown) {
    super(message, 'P0002', cause);
    this.name = 'SmsMonitorNotFoundError';
  }
}

/** Any other error the database raised; `code` is its SQLSTATE. */
export class SmsMonitorDatabaseError extends SmsMonitorError {
  constructor(message: string, code: string, cause?: unknown) {
    super(message, code, cause);
    this.name = 'SmsMonitorDatabaseError';
  }
}

/** The database could not be reached (refused, reset, timed out): code 'CONNECTION'. Other failures
 * that never reached SQL are plain SmsMonitorErrors with their own code (or 'CLIENT'). */
export class SmsMonitorConnectionError extends SmsMonitorError {
  constructor(message: string, cause?: unknown) {
    super(message, 'CONNECTION', cause);
    this.name = 'SmsMonitorConnectionError';
  }
}

/** The client was closed: code 'CLOSED'. */
export class SmsMonitorClosedError extends SmsMonitorError {
  constructor(message = 'the sms-monitor client is closed') {
    super(message, 'CLOSED');
    this.name = 'SmsMonitorClosedError';
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * What kind of failure an error is: the one classifier of the client, the CLI, the notifier and the
 * HTTP server (each turns the kind into its own reaction: a typed error, an exit code, a reconnect, an
 * HTTP status).
 *   invalid     SQLSTATE class 22 (22023 bad input names its field; a malformed uuid or date too)
 *   permission  42501: the role may not do this
 *   not_found   P0002: an unknown id
 *   schema      3F000, 42883, 42P01, 42703: the sms_monitor schema is missing or older than this code
 *   login       class 28 or 3D000: the role, password or database name of the connection is wrong
 *   connection  the database is unreachable right now (worth a reconnect): postgres.js connection
 *               errors, socket errors, SQLSTATE class 08, 57P01-57P05 (shutdown), class 53 (too many
 *               connections, out of memory)
 *   database    any other SQLSTATE (a bug, a constraint, a statement timeout 57014): not an outage
 *   client      never reached SQL nor the network (a value that could not be serialized, a bug)
 */
export type ErrorKind = 'invalid' | 'permission' | 'not_found' | 'schema' | 'login' | 'connection' | 'database' | 'client';

export interface ErrorClass {
  kind: ErrorKind;
  /** The SQLSTATE when the database raised it. */
  sqlstate?: string;
  /** The SQLSTATE, the driver's or the socket's code ('ECONNREFUSED'), or '' when there is none. */
  code: string;
  message: string;
}

/** postgres.js and Node codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
const SCHEMA_STATES = new Set(['3F000', '42883', '42P01', '42703']);

/** Classifies whatever postgres.js, the network or the code threw. */
export function classifyError(error: unknown): ErrorClass {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  if (error instanceof SmsMonitorError) {
    // the typed errors that carry a SQLSTATE; the others (CONNECTION, CLOSED, CLIENT) carry their own code
    const fromSql = error instanceof SmsMonitorDatabaseError || error instanceof SmsMonitorValidationError
      || error instanceof SmsMonitorPermissionError || error instanceof SmsMonitorNotFoundError;
    if (fromSql) return { kind: sqlstateKind(code), sqlstate: code, code, message };
    return { kind: error instanceof SmsMonitorConnectionError ? 'connection' : 'client', code, message };
  }
  if (e.name === 'PostgresError' && SQLSTATE.test(code)) return { kind: sqlstateKind(code), sqlstate: code, code, message };
  if (NETWORK_CODES.has(code) || /^E[A-Z]+$/.test(code)) return { kind: 'connection', code, message };
  return { kind: 'client', code, message };
}

function sqlstateKind(state: string): ErrorKind {
  if (state.startsWith('22')) return 'invalid';
  if (state === '42501') return 'permission';
  if (state === 'P0002') return 'not_found';
  if (SCHEMA_STATES.has(state)) return 'schema';
  if (state.startsWith('28') || state === '3D000') return 'login';
  if (state.startsWith('08') || state.startsWith('53') || /^57P0[1-5]$/.test(state)) return 'connection';
  return 'database';
}

/** Maps whatever postgres.js threw to a typed error (idempotent on SmsMonitorError). */
export function toSmsMonitorError(error: unknown): SmsMonitorError {
  if (error instanceof SmsMonitorError) return error;
  const c = classifyError(error);
  if (c.sqlstate !== undefined) {
    if (c.sqlstate === '22023') {
      const m = /^([A-Za-z_][\w.[\]]*): (.*)$/s.exec(c.message);
      return m ? new SmsMonitorValidationError(m[1]!, m[2]!, error) : new SmsMonitorValidationError('input', c.message, error);
    }
    if (c.kind === 'permission') return new SmsMonitorPermissionError(c.message, error);
    if (c.kind === 'not_found') return new SmsMonitorNotFoundError(c.message, error);
    // the connection went away under us (admin shutdown, 08xxx, too many connections)
    if (c.kind === 'connection') return new SmsMonitorConnectionError(c.message, error);
    return new SmsMonitorDatabaseError(c.message, c.sqlstate, error);
  }
  if (c.kind === 'connection') {
    return new SmsMonitorConnectionError(`database unreachable: ${c.message || c.code}${c.code ? ` (${c.code})` : ''}`, error);
  }
  // Not from the server and not the network (e.g. a value postgres.js could not serialize).
  return new SmsMonitorError(c.message, c.code || 'CLIENT', error);
}
