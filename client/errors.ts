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

/** Maps whatever postgres.js threw to a typed error (idempotent on SmsMonitorError). */
export function toSmsMonitorError(error: unknown): SmsMonitorError {
  if (error instanceof SmsMonitorError) return error;
  const e = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'PostgresError' && SQLSTATE.test(code)) {
    if (code === '22023') {
      const m = /^([A-Za-z_][\w.[\]]*): (.*)$/s.exec(message);
      return m ? new SmsMonitorValidationError(m[1]!, m[2]!, error) : new SmsMonitorValidationError('input', message, error);
    }
    if (code === '42501') return new SmsMonitorPermissionError(message, error);
    if (code === 'P0002') return new SmsMonitorNotFoundError(message, error);
    // 57P01 admin shutdown, 57P02/57P03, 08xxx: the connection went away under us.
    if (code.startsWith('08') || code.startsWith('57P')) return new SmsMonitorConnectionError(message, error);
    return new SmsMonitorDatabaseError(message, code, error);
  }
  if (NETWORK_CODES.has(code) || /^E[A-Z]+$/.test(code)) {
    return new SmsMonitorConnectionError(`database unreachable: ${message || code}${code ? ` (${code})` : ''}`, error);
  }
  // Not from the server and not the network (e.g. a value postgres.js could not serialize).
  return new SmsMonitorError(message, code || 'CLIENT', error);
}

/** postgres.js and Node codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
