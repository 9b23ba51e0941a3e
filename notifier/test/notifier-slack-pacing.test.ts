// Slack's pacing (one message per SLACK_MIN_INTERVAL per webhook) is the notifier's own limit, not
// a failed delivery: a backlog longer than the lease allows is deferred (complete_sms_notification
// 'defer'), so it does not use up max_attempts and no row dies without a failed request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNotifierConfig } from '../config.ts';
import { createLogger, Notifier } from '../daemon.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';
import { fakeSlack } from '../../test/fakes/http-provider.ts';
import { enqueue, insertIncident, waitForRows } from '../../test/fakes/outbox.ts';

let db: TestDatabase;
let slack: Awaited<ReturnType<typeof fakeSlack>>;
let notifier: Notifier | undefined;

beforeAll(async () => {
  db = await freshDatabase();
  slack = await fakeSlack();
});
afterAll(async () => {
  await notifier?.stop('test done');
  await slack?.close();
  await db?.drop();
});

describe('Slack pacing', () => {
  it('a backlog beyond what the lease allows is deferred, not counted: every row sent on its single allowed attempt', async () => {
    const list = [];
    for (let i = 0; i < 6; i++) list.push(await insertIncident(db.sql));
    const ids = await enqueue(db.sql, list.map((incident) => ({ incident, channel: 'slack', event: 'trigger' as const, maxAttempts: 1 })));
    // The pacing wait may use at most 0.8 * (2 s lease - 1 s timeout) = 800 ms: with one message per
    // 400 ms, the fourth row of the batch is past that and must wait for a later claim.
    notifier = new Notifier(loadNotifierConfig(db.url, {
      SLACK_WEBHOOK_URL: slack.webhookUrl, SLACK_MIN_INTERVAL: '400ms', NOTIFIER_BATCH_SIZE: '10',
      NOTIFIER_LEASE: '2s', NOTIFIER_REQUEST_TIMEOUT: '1s', NOTIFIER_POLL_INTERVAL: '200ms',
    }), { logger: createLogger('silent') });
    await notifier.start();
    const rows = await waitForRows(db.sql, ids, 20_000);
    expect(rows.map((r) => [r.status, r.attempts, r.last_error])).toEqual(list.map(() => ['sent', 1, null]));
    expect(slack.requests).toHaveLength(6);
    expect(notifier.stats.deferred).toBeGreaterThanOrEqual(1);
    // Paced: sends start 400 ms apart. Arrival times at the fake server carry each request's
    // latency, which varies by hundreds of ms on a loaded machine (gaps of 197 ms were seen), so
    // the bound is on the whole span: 5 gaps of 400 ms, less at most one interval of latency skew.
    const times = slack.requests.map((r) => r.receivedAt);
    expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(5 * 400 - 400);
  });
});
