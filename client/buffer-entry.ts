// The buffer's entries and their encoding: one entry per (15-minute slice, user, metric type),
// its value kept exactly as whole + billionths, its metadata bounded like the database's.
import { BOUNDS } from './bounds.ts';
import { METRIC_KINDS } from './generated/metric-types.ts';

export const SLICE_MS = 15 * 60 * 1000;
export const NANO = 1_000_000_000;

export interface Entry {
  type: string;
  user: string | null;
  slice: number;
  whole: number;
  nanos: number;
  samples: number;
  metadata: Record<string, unknown> | null;
}

export function keyOf(e: Entry): string {
  return `${e.slice}|${e.user ?? ''}|${e.type}`;
}

export function isTiming(type: string): boolean {
  return (METRIC_KINDS as Record<string, string>)[type] === 'timing';
}

/** Elements an entry costs on the wire (and against maxBufferedKeys): one, or one per timing sample. */
export function elementsOf(e: Entry): number {
  return isTiming(e.type) ? e.samples : 1;
}

export function decimal(whole: number, nanos: number): string {
  if (nanos === 0) return String(whole);
  return `${whole}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
}

/** Room kept below BOUNDS.maxMetadataBytes for the truncation marker. */
const METADATA_KEEP_BYTES = BOUNDS.maxMetadataBytes - 96;

/**
 * A key's merged metadata as JSON, bounded like the database's (an element may carry at most
 * BOUNDS.maxMetadataBytes): past METADATA_KEEP_BYTES, the keys that fit are kept and the object is
 * marked _metadata_truncated.
 */
export function boundedJson(metadata: Record<string, unknown>): string {
  const json = JSON.stringify(metadata);
  if (Buffer.byteLength(json) <= METADATA_KEEP_BYTES) return json;
  const kept: Record<string, unknown> = { _metadata_truncated: true };
  for (const [k, v] of Object.entries(metadata)) {
    kept[k] = v;
    if (Buffer.byteLength(JSON.stringify(kept)) > METADATA_KEEP_BYTES) {
      delete kept[k];
      break;
    }
  }
  return JSON.stringify(kept);
}

export function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name}: must be a positive number (got ${value})`);
  return value;
}
