// Message events: (1) record_sms_message_events with batches of 1,000 new messages (sent, with
// attributes) and then their receipts (delivered), events/s per batch, beside a raw batched INSERT
// of the same events into the log (no validation: the floor of an append); (2) the fold
// (rollup_sms_messages) of everything (1) logged, events/s. The Twilio webhook's request rate is
// bench/sections/61-webhooks.ts.
import { median, printTable, type BenchSection } from '../lib.ts';

const section: BenchSection = {
  name: 'messages',
  title: 'Message events: ingest and the fold',
  async run(db) {
    const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const batches = 20;
    const sendRates: number[] = [];
    const receiptRates: number[] = [];
    const rawRates: number[] = [];
    await db.sql`select sms_monitor.rollup_sms_messages()`; // whatever earlier sections left
    for (let b = 0; b < batches; b++) {
      const ids = Array.from({ length: 1000 }, (_, i) => `BM${b}-${i}`);
      const sent = ids.map((id, i) => ({ message_id: id, status: 'sent', occurred_at: at(120), provider: 'twilio',
        sender: '+15017122661', sender_type: 'long_code', country: 'US', carrier: ['Verizon', 'T-Mobile', 'AT&T'][i % 3],
        user_id: `b3000000-0000-0000-0000-${String(i % 50).padStart(12, '0')}`, price_usd: 0.0079, segments: 1 }));
      const delivered = ids.map((id) => ({ message_id: id, status: 'delivered', occurred_at: at(115) }));
      for (const [events, rates] of [[sent, sendRates], [delivered, receiptRates]] as const) {
        const s = process.hrtime.bigint();
        await db.sql`select sms_monitor.record_sms_message_events(${JSON.stringify(events)}::text::jsonb)`;
        rates.push(1000 / (Number(process.hrtime.bigint() - s) / 1e9));
      }
      const raw = sent.map((e) => ({ ...e, message_id: `BR${e.message_id}` }));
      const s = process.hrtime.bigint();
      await db.sql`insert into sms_monitor.sms_message_events (message_id, status, provider_status, occurred_at, user_id, attributes)
        select e.v ->> 'message_id', 'sent', e.v ->> 'status', (e.v ->> 'occurred_at')::timestamptz, (e.v ->> 'user_id')::uuid,
               e.v - array['message_id', 'status', 'occurred_at', 'user_id']
          from jsonb_array_elements(${JSON.stringify(raw)}::text::jsonb) e(v)`;
      rawRates.push(1000 / (Number(process.hrtime.bigint() - s) / 1e9));
    }
    console.log(`\n(1) record_sms_message_events, ${batches} batches of 1,000 events each, events/s (median)\n`);
    printTable(['batch', 'events/s'], [['1,000 new messages (sent, 9 attributes)', Math.round(median(sendRates))],
      ['1,000 receipts (delivered, for those messages)', Math.round(median(receiptRates))],
      ['raw INSERT of 1,000 sent events into the log (no validation)', Math.round(median(rawRates))]]);

    const foldStart = process.hrtime.bigint();
    const [{ n }] = await db.sql<[{ n: string }]>`select sms_monitor.rollup_sms_messages()::text as n`;
    const foldSeconds = Number(process.hrtime.bigint() - foldStart) / 1e9;
    console.log(`\n(2) the fold (rollup_sms_messages) of everything (1) logged: one run\n`);
    printTable(['events', 'seconds', 'events/s'], [[Number(n), foldSeconds.toFixed(2), Math.round(Number(n) / foldSeconds)]]);
  },
};
export default section;
