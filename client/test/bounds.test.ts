// Every bound of client/bounds.ts is the database's: a call at the bound passes, one past it is
// refused by SQL with 22023 (called directly, without the client's own check).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDS } from '../bounds.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await freshDatabase(); });
afterAll(async () => { await db?.drop(); });

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);
const U = 'c3000000-0000-0000-0000-000000000001';

describe('the client\'s bounds are the database\'s', () => {
  it('maxValue: one value', async () => {
    const rec = (v: string) => code(db.sql`select sms_monitor.record_sms_event('llm_cost_usd', ${U}::uuid, ${v}::numeric)`);
    expect([await rec(String(BOUNDS.maxValue)), await rec(`${BOUNDS.maxValue}.01`)]).toEqual(['ok', '22023']);
  });

  it('maxMetadataBytes: an event\'s metadata', async () => {
    // as jsonb prints it (the length the database measures): {"k": "xxx"}
    const meta = (bytes: number) => `{"k": "${'x'.repeat(bytes - '{"k": ""}'.length)}"}`;
    const rec = (bytes: number) => code(db.sql`
      select sms_monitor.record_sms_event('sent_count', ${U}::uuid, 1, now(), ${meta(bytes)}::text::jsonb)`);
    const [row] = await db.sql<Array<{ n: number }>>`select octet_length((${meta(BOUNDS.maxMetadataBytes)}::text::jsonb)::text) as n`;
    expect(row!.n).toBe(BOUNDS.maxMetadataBytes);
    expect([await rec(BOUNDS.maxMetadataBytes), await rec(BOUNDS.maxMetadataBytes + 1)]).toEqual(['ok', '22023']);
  });

  it('maxBatchEvents: one record_sms_events call', async () => {
    const batch = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ metric_type: 'sent_count', value: 0 })));
    const rec = (n: number) => code(db.sql`select sms_monitor.record_sms_events(${batch(n)}::text::jsonb)`);
    expect([await rec(BOUNDS.maxBatchEvents), await rec(BOUNDS.maxBatchEvents + 1)]).toEqual(['ok', '22023']);
  });

  it('alertsLimit: api_alerts', async () => {
    const { min, max } = BOUNDS.alertsLimit;
    const call = (n: number) => code(db.sql`select sms_monitor.api_alerts('unresolved', ${n}::integer)`);
    expect([await call(min - 1), await call(min), await call(max), await call(max + 1)]).toEqual(['22023', 'ok', 'ok', '22023']);
  });
});
