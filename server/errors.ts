// One error envelope for every failure, with the HTTP status derived from the SQLSTATE the
// database raised (the database decides; the server only translates the kind that client/errors.ts
// classifyError gives it):
//   22023 and the rest of class 22 (bad input: a date that does not exist, a malformed uuid) -> 400
//   no, malformed, unsigned, expired or wrongly signed token                               -> 401
//   42501 (the role may not do this, e.g. a self token reading another user)              -> 403
//   P0002 (unknown id)                                                                      -> 404
//   anything else                                                                           -> 500, with a request id;
//                                                                                              the detail goes only to the log
import { classifyError } from '../client/errors.ts';

export interface ErrorBody {
  success: false;
  error: { status: number; code: string; message: string; request_id: string };
}

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** status, code and a message safe to show, for whatever a handler threw. */
export function classify(error: unknown): { status: number; code: string; message: string; internal: boolean } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, internal: false };
  const e = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown; validation?: unknown; statusCode?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  if (e.name === 'PostgresError') {
    const { kind, sqlstate } = classifyError(error);
    const status = kind === 'permission' ? 403 : kind === 'not_found' ? 404 : kind === 'invalid' ? 400 : 0;
    if (sqlstate && status) return { status, code: sqlstate, message, internal: false };
    if (sqlstate) return { status: 500, code: 'internal', message: 'internal error', internal: true };
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
