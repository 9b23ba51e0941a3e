// Argument checks of the client, the same rules as sms_monitor._metric_problem, run before any
// round trip so a bad call fails fast with a SmsMonitorValidationError naming the field.
import { BOUNDS } from './bounds.ts';
import { SmsMonitorValidationError } from './errors.ts';
import { METRIC_KINDS, type MetricType } from './types.ts';

/** A UUID as text (8-4-4-4-12 hex digits, any case), as a pattern for JSON schemas too (the server's routes). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const UUID = new RegExp(UUID_PATTERN);
/** Whether a text is a UUID: the one check of the client, CLI and server. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A time as text must say its offset (Z or ±hh:mm / ±hhmm / ±hh): an offset-less string would be read in this process's zone. */
const ISO_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)$/;
/** Whether a time given as text carries its UTC offset (Z, ±hh:mm, ±hhmm or ±hh). */
export function hasUtcOffset(text: string): boolean {
  return ISO_TIME_WITH_OFFSET.test(text);
}
/** The database's bound on one value (_metric_problem): larger is refused. */
export const MAX_VALUE = BOUNDS.maxValue;

export interface Event {
  type: MetricType;
  user: string | null;
  value: number;
  at: number | null;
  metadata: Record<string, unknown> | null;
}

export function ev(type: MetricType, userId: string | null | undefined, value: unknown, field: string,
  at?: Date | string | number, metadata?: Record<string, unknown>, checkMetadata = false): Event {
  const kind = (METRIC_KINDS as Record<string, string>)[type as string];
  if (kind === undefined) {
    if (type === ('delivery_success_rate' as string)) {
      throw new SmsMonitorValidationError('metric_type',
        'delivery_success_rate is derived (delivered_count / sent_count) and cannot be recorded');
    }
    throw new SmsMonitorValidationError('metric_type', `unknown metric type ${JSON.stringify(type)}`);
  }
  const user = uuid('userId', userId, false);
  if (typeof value !== 'number') {
    throw new SmsMonitorValidationError(field, `must be a number (got ${typeof value})`);
  }
  if (Number.isNaN(value)) throw new SmsMonitorValidationError(field, 'NaN is not a number');
  if (!Number.isFinite(value)) throw new SmsMonitorValidationError(field, 'must be finite');
  if (value < 0) throw new SmsMonitorValidationError(field, `must not be negative (got ${value})`);
  if (kind === 'counter' && !Number.isInteger(value)) {
    throw new SmsMonitorValidationError(field, `${type} counts events and needs a whole number (got ${value})`);
  }
  if (value > MAX_VALUE) throw new SmsMonitorValidationError(field, `${value} is more than the ${MAX_VALUE.toFixed(0)} one value may add`);
  let when: number | null = null;
  if (at !== undefined && at !== null) {
    if (typeof at === 'string' && !ISO_TIME_WITH_OFFSET.test(at)) {
      throw new SmsMonitorValidationError('at',
        `must be an ISO 8601 time with a UTC offset, e.g. 2026-03-29T01:30:00Z (got ${JSON.stringify(at.slice(0, 40))})`);
    }
    when = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
    if (!Number.isFinite(when)) throw new SmsMonitorValidationError('at', `not a valid time (${String(at)})`);
  }
  let meta: Record<string, unknown> | null = null;
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new SmsMonitorValidationError('metadata', 'must be a JSON object');
    }
    if (checkMetadata) {
      const bytes = Buffer.byteLength(JSON.stringify(metadata));
      if (bytes > BOUNDS.maxMetadataBytes) {
        throw new SmsMonitorValidationError('metadata', `${bytes} bytes is more than the ${BOUNDS.maxMetadataBytes} allowed`);
      }
    }
    meta = metadata;
  }
  return { type, user, value, at: when, metadata: meta };
}

export function uuid(field: string, v: unknown, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw new SmsMonitorValidationError(field, 'is required');
    return null;
  }
  if (typeof v !== 'string' || !UUID.test(v)) {
    throw new SmsMonitorValidationError(field, `must be a UUID (got ${JSON.stringify(v)})`);
  }
  return v.toLowerCase();
}

export function text(field: string, v: unknown): string {
  if (typeof v !== 'string') throw new SmsMonitorValidationError(field, `must be a string (got ${typeof v})`);
  return v;
}

/** An id kept in metadata: a string, at most 200 characters kept. */
export function id(field: string, v: unknown): string {
  return text(field, v).slice(0, 200);
}

export function int(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new SmsMonitorValidationError(field, `must be a whole number (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** An optional `now` for the dashboards: a valid Date or undefined (the database's now()). */
export function nowArg(v: unknown): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw new SmsMonitorValidationError('now', 'must be a valid Date');
  return v;
}

export function isoDate(field: string, v: unknown, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw new SmsMonitorValidationError(field, 'is required (YYYY-MM-DD)');
    return undefined;
  }
  if (typeof v !== 'string' || !ISO_DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw new SmsMonitorValidationError(field, `must be a date YYYY-MM-DD (got ${JSON.stringify(v)})`);
  }
  return v;
}
