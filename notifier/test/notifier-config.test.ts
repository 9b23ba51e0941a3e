// The notifier's configuration loader (environment and flags, bad values by name, secrets never
// echoed) and the retry arithmetic (Retry-After, backoff). No server and no database here.
import { describe, expect, it } from 'vitest';
import { ConfigError, configSecrets, loadNotifierConfig, PAGERDUTY_DEFAULT_EVENTS_URL, scrub } from '../config.ts';
import { backoffMs, classifyHttp, parseRetryAfter } from '../http.ts';

const ROUTING_KEY = 'R0UT1NGKEYabcdefghijklmnopqrstuv'; // 32 characters
const DB = 'postgres://u:dbpass1234@127.0.0.1:5432/x';

describe('configuration', () => {
  it('defaults, environment, and flags over environment', () => {
    const c = loadNotifierConfig(DB, { NOTIFIER_POLL_INTERVAL: '2s', PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY }, { pollInterval: '250ms' });
    expect(c.pollIntervalMs).toBe(250);
    expect(c.leaseSeconds).toBe(10);
    expect(c.requestTimeoutMs).toBe(10_000);
    expect(c.evaluateEveryMs).toBeNull();
    expect(c.listen).toBe(true);
    expect(c.pagerduty).toEqual({ routingKey: ROUTING_KEY, eventsUrl: PAGERDUTY_DEFAULT_EVENTS_URL, source: 'sms-monitor' });
    expect(c.slack).toBeNull();
    expect(c.email).toBeNull();
    const d = loadNotifierConfig(DB, { NOTIFIER_EVALUATE_EVERY: '60s', NOTIFIER_LISTEN: 'false' }, { evaluateEvery: '2m' });
    expect(d.evaluateEveryMs).toBe(120_000);
    expect(d.listen).toBe(false);
    expect(loadNotifierConfig(DB, {}, { listen: false }).listen).toBe(false);
  });

  it('reports every bad value by name, without echoing secrets', () => {
    let err: unknown;
    try {
      loadNotifierConfig(DB, {
        SLACK_WEBHOOK_URL: 'http://hooks.example.com/services/T1/B1/verySecretToken99',
        PAGERDUTY_INTEGRATION_KEY: 'shortSecretKey',
        NOTIFIER_POLL_INTERVAL: 'soon',
        SMTP_URL: 'smtp://u:topSecretPw@mail.example.com:587',
      }, { batchSize: '0' });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([
      "NOTIFIER_POLL_INTERVAL: expected a duration such as 500ms, 5s, 2m or 1h (got 'soon')",
      "--batch-size: must be a whole number from 1 to 1000 (got '0')",
      'SLACK_WEBHOOK_URL: must use https:// (http:// is accepted only for 127.0.0.1 or localhost)',
      'PAGERDUTY_INTEGRATION_KEY: must be the 32-character Events v2 integration (routing) key',
      'SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO: set all three to enable e-mail, or none',
    ]);
    const text = (err as Error).message;
    for (const secret of ['verySecretToken99', 'shortSecretKey', 'topSecretPw']) expect(text).not.toContain(secret);
  });

  it('accepts a lease as short as the request timeout (renewed while in flight); rejects bad e-mail addresses', () => {
    const short = loadNotifierConfig(DB, { NOTIFIER_LEASE: '5s', NOTIFIER_REQUEST_TIMEOUT: '5s' });
    expect([short.leaseSeconds, short.requestTimeoutMs]).toEqual([5, 5000]);
    const defaults = loadNotifierConfig(DB, {});
    expect([defaults.leaseSeconds, defaults.retryMaxMs, defaults.probeIntervalMs]).toEqual([10, 120_000, 5000]);
    expect(() => loadNotifierConfig(DB, { NOTIFIER_PROBE_INTERVAL: 'often' })).toThrow(/NOTIFIER_PROBE_INTERVAL: expected a duration/);
    expect(() => loadNotifierConfig(DB, { SMTP_URL: 'smtp://127.0.0.1:25', ALERT_EMAIL_FROM: 'a@b.c', ALERT_EMAIL_TO: 'ops@x.io, nope' }))
      .toThrow(/ALERT_EMAIL_TO: 'nope' is not an e-mail address/);
    const ok = loadNotifierConfig(DB, { SMTP_URL: 'smtp://127.0.0.1:25', ALERT_EMAIL_FROM: 'a@b.c', ALERT_EMAIL_TO: 'ops@x.io, oncall@x.io' });
    expect(ok.email?.to).toEqual(['ops@x.io', 'oncall@x.io']);
  });

  it('scrub() hides every configured secret', () => {
    const c = loadNotifierConfig(DB, {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/verySecretToken99',
      PAGERDUTY_INTEGRATION_KEY: ROUTING_KEY,
      SMTP_URL: 'smtp://u:topSecretPw@mail.example.com:587', ALERT_EMAIL_FROM: 'a@b.c', ALERT_EMAIL_TO: 'o@b.c',
    });
    const s = scrub(`x verySecretToken99 ${ROUTING_KEY} topSecretPw dbpass1234 https://hooks.slack.com/services/T1/B1/verySecretToken99`, configSecrets(c));
    expect(s).toBe('x [redacted] [redacted] [redacted] [redacted] [redacted]');
    // A provider echoing the key, clipped to 500 characters in the middle of it: its first part is hidden too.
    const clipped = `${'e'.repeat(479)} key ${ROUTING_KEY}`.slice(0, 500);
    expect(clipped.endsWith(ROUTING_KEY.slice(0, 16))).toBe(true);
    expect(scrub(`${clipped}…`, configSecrets(c))).toBe(`${'e'.repeat(479)} key [redacted]…`);
    expect(scrub(clipped, configSecrets(c))).toBe(`${'e'.repeat(479)} key [redacted]`);
  });

  it('a provider answer is masked before it is clipped: no part of the key survives the cut', () => {
    const body = `${'e'.repeat(479)} key ${ROUTING_KEY} and more text after it`;
    const r = classifyHttp('pagerduty', 400, body, null, [ROUTING_KEY]);
    expect(r.outcome).toEqual({ kind: 'failed', error: `pagerduty: HTTP 400: ${'e'.repeat(479)} key [redacted] and m…` });
    for (let n = 4; n <= ROUTING_KEY.length; n += 1) expect(JSON.stringify(r.outcome)).not.toContain(ROUTING_KEY.slice(0, n));
  });

  it('Retry-After and backoff', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.UTC(2026, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    // equal jitter: between half and all of base * 2^(attempt-1), capped
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(20, 1000, 60_000, () => 0)).toBe(30_000);
  });
});
