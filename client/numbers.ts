// Numbers in the caller's language. PostgreSQL's bigint (int8) and numeric have no exact JavaScript
// counterpart, so postgres.js returns them as strings ("2203", "92.9641"). Everything the client
// returns (rpc() and the methods built on it, thresholds(), updateThreshold()) converts them, by
// each result column's type, on whatever pool the client uses (its own or one it was given):
//
//   bigint  -> number when it is a safe integer (|n| <= 2^53 - 1, about 9 * 10^15); anything
//              larger raises SmsMonitorError 22003 naming the column (no counter here gets there)
//   numeric -> number: the nearest double, so exact up to 15 significant digits (rates, USD
//              amounts and means in this schema have fewer); NaN and +-Infinity as themselves;
//              a finite numeric beyond the double range (about 1.8 * 10^308) raises 22003
//   arrays of either: element by element, NULL elements become null
//
// The generated types (client/generated/) say `number` for both; docs/client.md has the rule.
import type postgres from 'postgres';
import { SmsMonitorError } from './errors.ts';

const INT8 = 20;
const NUMERIC = 1700;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;

function outOfRange(column: string, text: string, what: string): SmsMonitorError {
  return new SmsMonitorError(`${column}: ${text} does not fit a JavaScript number (${what})`, '22003');
}

/** A bigint's text as a number; throws 22003 beyond Number.MAX_SAFE_INTEGER. */
export function int8ToNumber(column: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw outOfRange(column, text, 'beyond +-(2^53 - 1)');
  return n;
}

/** A numeric's text as the nearest double; throws 22003 when a finite value overflows it. */
export function numericToNumber(column: string, text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === 'Infinity') return Number.POSITIVE_INFINITY;
  if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  if (!Number.isFinite(n)) throw outOfRange(column, text, 'beyond the double range');
  return n;
}

type Convert = (column: string, text: string) => number;

function converter(type: number): { convert: Convert; array: boolean } | null {
  switch (type) {
    case INT8: return { convert: int8ToNumber, array: false };
    case NUMERIC: return { convert: numericToNumber, array: false };
    case INT8_ARRAY: return { convert: int8ToNumber, array: true };
    case NUMERIC_ARRAY: return { convert: numericToNumber, array: true };
    default: return null;
  }
}

function convertArray(column: string, value: unknown, convert: Convert): unknown {
  // postgres.js hands NULL elements of arrays it has no parser for over as the text 'NULL' (a
  // bigint or numeric element can never be that text).
  if (value === 'NULL') return null;
  if (!Array.isArray(value)) return typeof value === 'string' ? convert(column, value) : value;
  return value.map((v) => (v === null ? null : convertArray(column, v, convert)));
}

/**
 * Converts the bigint and numeric columns of a postgres.js result in place (by the columns' type
 * oids) and returns its rows as a plain array.
 */
export function withNumbers<T>(result: postgres.RowList<postgres.Row[]>): T[] {
  const columns = (result.columns ?? [])
    .map((c) => ({ name: c.name, how: converter(c.type) }))
    .filter((c): c is { name: string; how: NonNullable<ReturnType<typeof converter>> } => c.how !== null);
  const rows = [...result] as Array<Record<string, unknown>>;
  if (columns.length) {
    for (const row of rows) {
      for (const { name, how } of columns) {
        const v = row[name];
        if (v === null || v === undefined) continue;
        row[name] = how.array ? convertArray(name, v, how.convert) : typeof v === 'string' ? how.convert(name, v) : v;
      }
    }
  }
  return rows as T[];
}
