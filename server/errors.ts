// One error envelope for every failure, with the HTTP status derived from the SQLSTATE the
// database raised (the database decides; the server only translates):
//   22023 and the rest of class 22 (bad input: a date that does not exist, a malformed uuid) -> 400
//   no, malformed, unsigned, expired or wrongly signed token                               -> 401
//   42501 (the role may not do this, e.g. a self token reading another user)              -> 403
//   P0002 (unknown id)                                                                      -> 404
//   57014 (the statement ran past statement_timeout)                                        -> 503
//   the database unreachable (refused, closed, shutting down, too many connections)        -> 503,
//                                                                                              both with Retry-After
//   anything else                                                                           -> 500, with a request id;
//                                                                                              the detail goes only to the log
import { classifyError } from '../client/errors.ts';

export interface ErrorBody {
  success: false;
  error: { status: number; code: string; message: string; request_id: string };
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

/** Seconds a client is asked to wait (Retry-After) after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The database cannot be reached right now (the shared classifier's 'connection' kind: postgres.js
 * connection errors, socket errors and the SQLSTATE classes 08, 53 and 57P01-57P05).
 */
export function isDatabaseDown(error: unknown): boolean {
  return classifyError(error).kind === 'connection';
}

/** status, code and a message safe to show, for whatever a handler threw. */
export interface Classified { status: number; code: string; message: string; internal: boolean; retryAfterSeconds?: number }

export function classify(error: unknown, statementTimeoutMs?: number): Classified {
  if (error instanceof HttpError) {
    return { status: error.status, code: error.code, message: error.message, internal: false, retryAfterSeconds: error.retryAfterSeconds };
  }
  if (isDatabaseDown(error)) {
    return { status: 503, code: 'unavailable', message: 'database: unavailable right now; retry later', internal: false, retryAfterSeconds: RETRY_AFTER_SECONDS };
  }
  const e = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown; validation?: unknown; statusCode?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  const { kind, sqlstate } = classifyError(error);
  if (sqlstate) {
    if (sqlstate === '57014') {
      return { status: 503, code: 'timeout', internal: false, retryAfterSeconds: RETRY_AFTER_SECONDS,
        message: `statement_timeout: the query ran longer than ${statementTimeoutMs ?? '?'} ms (ask for a shorter range)` };
    }
    const status = kind === 'invalid' ? 400 : kind === 'permission' ? 403 : kind === 'not_found' ? 404 : 0;
    if (status) return { status, code: sqlstate, message, internal: false };
    return { status: 500, code: 'internal', message: 'internal error', internal: true };
  }
  // Fastify's own client errors: schema validation, a body that is not JSON, too large, ...
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500) {
    return { status, code: status === 400 ? '22023' : `http_${status}`, message, internal: false };
  }
  return { status: 500, code: 'internal', message: 'internal error', internal: true };
}

export function envelope(status: number, code: string, message: string, requestId: string): ErrorBody {
  return { success: false, error: { status, code, message, request_id: requestId } };
}
