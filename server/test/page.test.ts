// The dashboard page in a real browser (Debian's chromium through puppeteer-core, which never
// downloads one): the seeded figures are shown, an incident recorded in SQL appears without a
// reload, the acknowledge and resolve buttons and the silence form change the database, the token
// leaves the address bar and never reaches a request line; a resolved incident stays in the
// history with how long it was open and who acknowledged it; the incident view shows message events
// exactly and an open per-carrier incident links to its row. Screenshots go to server/test/output/;
// with SMS_MONITOR_WRITE_SCREENSHOT=1 the desktop one of the incident view (a per-carrier incident
// open) also replaces docs/dashboard.png (the README's).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../client/migrate.ts';
import { waitFor } from '../../test/client-helpers.ts';
import { startTestServer, type TestServer } from './harness.ts';

const output = path.join(repoRoot, 'server', 'test', 'output');
const U = (n: number) => `e1000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
let t: TestServer;
let browser: Browser;
let page: Page;
let profile: string;
let admin: string;
let today: string;
let incident: { id: string; fired: string } | undefined;
const consoleProblems: string[] = [];

/** The page's display format for an API time: 2026-12-04 15:15 UTC. */
function shown(t: Date): string {
  return `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

async function awayFromMidnight(): Promise<void> {
  const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (msToMidnight < 60_000) await new Promise((r) => setTimeout(r, msToMidnight + 1000));
}

/** Text of every cell of a table body, row by row. */
/**
 * Finds and clicks in one step inside the page: a live update may re-render the alerts table
 * between puppeteer's lookup and its click ("Node is detached from document").
 */
async function clickNow(selector: string): Promise<void> {
  await page.$eval(selector, (e) => (e as HTMLElement).click());
}

async function tableText(selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())));
}

beforeAll(async () => {
  await awayFromMidnight();
  mkdirSync(output, { recursive: true });
  t = await startTestServer();
  admin = await t.token('admin');
  const sql = t.db.sql;
  const [{ day, hour }] = (await sql<{ day: string; hour: number }[]>`
    select sms_monitor.reporting_today()::text as day, extract(hour from now() at time zone 'UTC')::int as hour`) as unknown as [{ day: string; hour: number }];
  today = day;
  // The rules look at the last hour or two: today's figures go 12 hours away from now, so no rule
  // has data whatever the wall clock says, and health is "unknown" until the incident below.
  const far = (hour + 12) % 24;
  // Today at that hour: user 1 sent 40 (36 delivered, 4 failed), user 2 sent 10 (10 delivered), 9 LLM
  // successes and 1 fallback, $0.0200 LLM and $0.5000 SMS cost. Two days ago: 100 sent, 97 delivered.
  const rows: Array<[string | null, string, number, string]> = [
    [U(1), 'sent_count', 40, today], [U(1), 'delivered_count', 36, today], [U(1), 'failed_count', 4, today],
    [U(2), 'sent_count', 10, today], [U(2), 'delivered_count', 10, today], [U(2), 'llm_success_count', 9, today],
    [U(2), 'template_fallback_count', 1, today], [U(2), 'llm_cost_usd', 0.02, today], [null, 'sms_cost_usd', 0.5, today],
  ];
  // _record_metric: the writers' internal step, without the "not in the future" bound (the hour
  // 12 hours away may be later today).
  for (const [u, type, value, day] of rows) {
    await sql`select sms_monitor._record_metric(${day}::date, ${far}, ${u}::uuid, ${type}, ${value})`;
  }
  await sql`select sms_monitor.record_sms_metric(${today}::date - 2, 12, null, 'sent_count', 100)`;
  await sql`select sms_monitor.record_sms_metric(${today}::date - 2, 12, null, 'delivered_count', 97)`;
  // History for the charts' lines (system-wide, so not in the top users); yesterday stays a gap.
  for (const [ago, sent, delivered] of [[6, 200, 196], [5, 150, 147], [4, 120, 119], [3, 180, 177]] as const) {
    await sql`select sms_monitor.record_sms_metric(${today}::date - ${ago}::int, 12, null, 'sent_count', ${sent})`;
    await sql`select sms_monitor.record_sms_metric(${today}::date - ${ago}::int, 12, null, 'delivered_count', ${delivered})`;
    await sql`select sms_monitor.record_sms_metric(${today}::date - ${ago}::int, 12, null, 'sms_cost_usd', ${sent * 0.0079})`;
  }
  await sql`select sms_monitor.refresh_sms_metrics_daily()`;

  profile = mkdtempSync(path.join(os.tmpdir(), 'sms-monitor-chromium-'));
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') consoleProblems.push(m.text()); });
  page.on('pageerror', (e) => { consoleProblems.push(String(e)); });
  await page.setViewport({ width: 1280, height: 900 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await t?.close();
});

describe('the dashboard page', () => {
  it('takes the token from the fragment, drops it from the address bar and shows the seeded figures', async () => {
    await page.goto(`${t.base}/#token=${admin}`);
    await page.waitForSelector('body[data-refreshed]', { timeout: 30_000 });
    expect(page.url()).toBe(`${t.base}/`);
    expect(await page.evaluate(() => sessionStorage.getItem('sms-monitor-token'))).toBe(admin);
    const figures = await page.$$eval('#today-figures .figure', (fs) => fs.map((f) => [
      f.querySelector('dt')!.textContent, f.querySelector('dd')!.textContent]));
    expect(figures).toEqual([['Sent today', '50'], ['Delivered', '46'], ['Delivery rate', '92 %'], ['Failed', '4'],
      ['LLM success', '90 %'], ['Cost', '$0.5200'], ['Active users', '2'], ['Open incidents', '0']]);
    expect(await page.$eval('#health-status', (e) => e.textContent)).toBe('unknown');
    expect(await tableText('#users-table')).toEqual([
      ['1', U(1), '40', '36', '4', '90 %', '0.0000'],
      ['2', U(2), '10', '10', '0', '100 %', '0.0200']]);
    expect((await tableText('#rules-table')).map((r) => [r[0], r[3]])).toEqual([
      ['carrier_delivery_rate_critical', 'never checked'], ['daily_limit_hit_warning', 'never checked'],
      ['delivery_latency_warning', 'never checked'], ['delivery_rate_critical', 'never checked'],
      ['delivery_slo_burn_critical', 'never checked'], ['llm_cost_spike_warning', 'never checked'],
      ['llm_failure_critical', 'never checked'], ['opt_out_rate_warning', 'never checked'],
      ['receipt_delay_warning', 'never checked'], ['sender_filtering_warning', 'never checked']]);
    // Thresholds with their unit, as the API writes them.
    expect((await tableText('#rules-table')).find((r) => r[0] === 'delivery_rate_critical')![2])
      .toBe('delivery_rate < 90.00 % over 60 min');
    expect(await page.$eval('#alerts-empty', (e) => (e as HTMLElement).hidden)).toBe(false);
    expect(await page.$eval('#history-empty', (e) => (e as HTMLElement).hidden)).toBe(false);
    // The health sentence and the tiles are one /summary body: one as_of for both.
    expect(await page.$eval('#today-asof', (e) => e.textContent)).toMatch(/^Health and today's figures as of \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await page.$eval('#asof', (e) => e.textContent)).toBe(
      `as of ${(await page.$eval('#today-asof', (e) => e.textContent))!.slice('Health and today\'s figures as of '.length)}`);
    // Three charts drawn by uPlot (a canvas each), described in words for screen readers.
    expect(await page.$$eval('.trends .chart canvas', (c) => c.length)).toBe(3);
    const label = await page.$eval('#chart-delivery', (e) => e.getAttribute('aria-label'));
    const day = (ago: number) => new Date(Date.parse(`${today}T00:00:00Z`) - ago * 86_400_000).toISOString().slice(0, 10);
    expect(label).toBe(`Delivery rate (%) — ${day(6)}: 98 %; ${day(5)}: 98 %; ${day(4)}: 99.17 %; ${day(3)}: 98.33 %; `
      + `${day(2)}: 97 %; ${day(1)}: no data; ${today}: 92 %`);
    // Every control has an accessible name.
    const unnamed = await page.$$eval('button, input, select', (els) => els.filter((e) => {
      const id = e.getAttribute('id');
      const labelled = id && document.querySelector(`label[for="${id}"]`);
      return !(e.getAttribute('aria-label') || labelled || (e.textContent ?? '').trim());
    }).map((e) => e.outerHTML));
    expect(unnamed).toEqual([]);
  });

  it('an incident recorded in SQL appears without a reload, with its delivery per channel', async () => {
    const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    // 60 of 100 delivered in the current hour: the check at now() opens delivery_rate_critical.
    const [{ hour }] = (await t.db.sql<{ hour: number }[]>`
      select extract(hour from now() at time zone sms_monitor._reporting_timezone())::int as hour`) as unknown as [{ hour: number }];
    await t.db.sql`select sms_monitor._record_metric(${today}::date, ${hour}, null, 'sent_count', 100)`;
    await t.db.sql`select sms_monitor._record_metric(${today}::date, ${hour}, null, 'delivered_count', 60)`;
    const [fired] = await t.db.sql<{ alert_id: string }[]>`
      select alert_id from sms_monitor.check_sms_alerts(now()) where action = 'fired'`;
    const [{ triggered_at }] = (await t.db.sql<{ triggered_at: Date }[]>`
      select triggered_at from sms_monitor.sms_alert_history where id = ${fired!.alert_id}`) as unknown as [{ triggered_at: Date }];
    incident = { id: fired!.alert_id, fired: shown(triggered_at) };
    const id = incident.id;
    await page.waitForSelector(`tr[data-alert-id="${id}"]`, { timeout: 20_000 });
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(before);
    await page.waitForFunction(() => document.querySelector('#health-status')?.textContent === 'critical', { timeout: 20_000 });
    const [row] = await tableText('#alerts-table');
    expect(row!.slice(0, 6)).toEqual(['delivery_rate_critical', 'critical', incident.fired, '60.00 %', 'pagerduty: waiting, not configured', 'firing']);
    expect(await page.$eval('#health-reason', (e) => e.textContent))
      .toMatch(/^delivery_rate_critical: critical incident open for \d+ (s|min): delivery_rate 60\.00 % < 90\.00 % \(it opened at 60\.00 %\)$/);
    await page.waitForFunction(() => [...document.querySelectorAll('#today-figures .figure')]
      .some((f) => f.textContent === 'Open incidents1'), { timeout: 20_000 });
    await page.screenshot({ path: path.join(output, 'dashboard.png'), fullPage: true });
    // A phone, in a tab of its own (sessionStorage is per tab, so it gets the fragment too).
    const phone = await browser.newPage();
    await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await phone.goto(`${t.base}/#token=${admin}`);
    await phone.waitForSelector(`tr[data-alert-id="${id}"]`, { timeout: 30_000 });
    await phone.screenshot({ path: path.join(output, 'dashboard-phone.png'), fullPage: true });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await phone.close();
  });

  it('Acknowledge and Resolve change the database, and the page follows; the incident stays in the history', async () => {
    const id = incident!.id;
    await clickNow('button[aria-label="Acknowledge delivery_rate_critical"]');
    const acked = await waitFor(async () => {
      const [r] = await t.db.sql`select acknowledged_at, acknowledged_by from sms_monitor.sms_alert_history where id = ${id}`;
      return r!.acknowledged_at ? r : null;
    }, 'the acknowledge to reach the database');
    expect(acked!.acknowledged_by).toBe('sms_monitor_admin'); // the token's subject (no sub: its role)
    await page.waitForFunction((alertId) => document.querySelector(`tr[data-alert-id="${alertId}"] .state`)?.textContent?.startsWith('acknowledged'),
      { timeout: 20_000 }, id);
    await clickNow('button[aria-label="Resolve delivery_rate_critical"]');
    const resolved = await waitFor(async () => {
      const [r] = await t.db.sql<{ resolved_by: string | null; seconds: number }[]>`
        select resolved_by, floor(extract(epoch from resolved_at - triggered_at))::int as seconds
          from sms_monitor.sms_alert_history where id = ${id} and resolved_at is not null`;
      return r;
    }, 'the resolve to reach the database');
    await page.waitForFunction((alertId) => !document.querySelector(`#alerts-table tr[data-alert-id="${alertId}"]`), { timeout: 20_000 }, id);
    await page.waitForSelector(`#history-table tr[data-alert-id="${id}"]`, { timeout: 20_000 });
    expect(await tableText('#history-table')).toEqual([['delivery_rate_critical', 'critical', incident!.fired,
      resolved!.seconds < 60 ? `${resolved!.seconds} s` : `${Math.floor(resolved!.seconds / 60)} min`, '60.00 %', `${acked!.acknowledged_by} at ${shown(acked!.acknowledged_at)}`, resolved!.resolved_by]]);
  });

  it('creates and lifts a silence', async () => {
    await page.select('#silence-rule', 'opt_out_rate_warning');
    await page.$eval('#silence-minutes', (e) => { (e as HTMLInputElement).value = '45'; });
    await page.type('#silence-reason', 'carrier maintenance');
    await page.click('#silence-form button[type="submit"]');
    const silence = await waitFor(async () => {
      const [r] = await t.db.sql`select id, alert_type, reason, extract(epoch from ends_at - starts_at)::int as secs
        from sms_monitor.sms_alert_silences where lifted_at is null`;
      return r;
    }, 'the silence row');
    expect([silence.alert_type, silence.reason, silence.secs]).toEqual(['opt_out_rate_warning', 'carrier maintenance', 2700]);
    await page.waitForSelector('button[aria-label="Lift silence of opt_out_rate_warning"]', { timeout: 20_000 });
    await clickNow('button[aria-label="Lift silence of opt_out_rate_warning"]');
    await waitFor(async () => {
      const [r] = await t.db.sql`select lifted_at from sms_monitor.sms_alert_silences where id = ${silence.id}`;
      return r!.lifted_at !== null;
    }, 'the lift');
  });

  it('the incident view: minute series, where it fails, delivery time and overdue receipts from message events, exact', async () => {
    const [{ now }] = (await t.db.sql<{ now: Date }[]>`select now() as now`) as unknown as [{ now: Date }];
    const sentAt = new Date(now.getTime() - 20 * 60_000);
    const waitingSince = new Date(now.getTime() - 15 * 60_000);
    const at = (base: Date, ms = 0) => new Date(base.getTime() + ms).toISOString();
    const events: Array<Record<string, unknown>> = [];
    const message = (id: string, sender: string, carrier: string, country: string, sent: Date, final?: [string, number, string?]) => {
      events.push({ message_id: id, status: 'sent', occurred_at: at(sent), sender, carrier, country, provider: 'twilio' });
      if (final) events.push({ message_id: id, status: final[0], occurred_at: at(sent, final[1]), ...(final[2] ? { error_code: final[2] } : {}) });
    };
    // T-Mobile (sender +15017122661): 4 delivered in 2, 3, 4 and 6 s, 6 undelivered with 30003.
    [2000, 3000, 4000, 6000].forEach((ms, i) => message(`SMpage-tmo-d${i}`, '+15017122661', 'T-Mobile', 'US', sentAt, ['delivered', ms]));
    for (let i = 0; i < 6; i++) message(`SMpage-tmo-u${i}`, '+15017122661', 'T-Mobile', 'US', sentAt, ['undelivered', 1000, '30003']);
    // Verizon (short code 24365): 10 delivered in 1.0, 1.2, ..., 2.8 s.
    for (let i = 0; i < 10; i++) message(`SMpage-vzw-d${i}`, '24365', 'Verizon', 'US', sentAt, ['delivered', 1000 + 200 * i]);
    // One message failed at the provider (never sent, so no carrier): 30008.
    events.push({ message_id: 'SMpage-failed', status: 'failed', occurred_at: at(sentAt), sender: '+15017122661', country: 'US',
      provider: 'twilio', error_code: '30008' });
    // Vodafone UK: 3 sent 15 minutes ago, no receipt yet.
    for (let i = 0; i < 3; i++) message(`SMpage-vod-w${i}`, 'ACME', 'Vodafone UK', 'GB', waitingSince);
    await t.db.sql`select sms_monitor.record_sms_message_events(${t.db.sql.json(events as never)})`;
    await t.db.sql`select sms_monitor.rollup_sms_messages()`; // the fold the rollup job runs every 2 s
    // An open per-dimension incident whose message names the carrier (its rule, if this database does not have it yet).
    await t.db.sql`insert into sms_monitor.sms_alert_thresholds (alert_type, metric, comparison, threshold_value, window_minutes,
        min_sample, severity, notification_channels, description)
      select 'carrier_delivery_rate_critical', 'delivery_rate', '<', 85, 15, 50, 'critical', '{pagerduty}', 'per carrier'
       where not exists (select from sms_monitor.sms_alert_thresholds where alert_type = 'carrier_delivery_rate_critical')`;
    const [{ id }] = (await t.db.sql<{ id: string }[]>`
      insert into sms_monitor.sms_alert_history (alert_type, severity, metric, comparison, metric_value, threshold_value,
        window_minutes, message, triggered_at, group_by, group_value)
      select alert_type, severity, metric, comparison, 40, threshold_value, window_minutes,
             'delivery rate on carrier T-Mobile is 40 % (< 85 % over 15 min)', now(), 'carrier', 'T-Mobile'
        from sms_monitor.sms_alert_thresholds where alert_type = 'carrier_delivery_rate_critical'
      returning id`) as unknown as [{ id: string }];
    await page.reload();
    await page.waitForSelector(`tr[data-alert-id="${id}"]`, { timeout: 30_000 });
    await page.waitForSelector('#where-carrier tbody tr', { timeout: 30_000 });
    const minute = shown(sentAt);
    expect(await page.$eval('#incident-summary', (e) => e.textContent)).toBe(
      `Last 3 hours, per minute: 23 sent, 14 delivered, 7 failed; lowest delivery rate 66.67 % at ${minute}; highest p95 6.0 s at ${minute}`);
    expect(await page.$$eval('#incident-card .chart canvas', (c) => c.length)).toBe(2);
    // Known values worst first, then the messages without one (the provider's failure has no carrier).
    expect(await tableText('#where-carrier')).toEqual([
      ['T-Mobile', '10', '4', '6', '40 %', '85.71 %', '3.0 s', '6.0 s'],
      ['Verizon', '10', '10', '0', '100 %', '0 %', '1.8 s', '2.8 s'],
      ['unknown', '0', '0', '1', '0 %', '14.29 %', '—', '—']]);
    expect(await page.$eval('#where-carrier caption', (e) => e.textContent)).toBe('Carrier: the worst 2');
    expect(await tableText('#where-sender')).toEqual([
      ['+15017122661', '10', '4', '7', '36.36 %', '100 %', '3.0 s', '6.0 s'],
      ['24365', '10', '10', '0', '100 %', '0 %', '1.8 s', '2.8 s']]);
    expect(await tableText('#where-country')).toEqual([['US', '20', '14', '7', '66.67 %', '100 %', '2.0 s', '6.0 s']]);
    expect(await tableText('#where-error_code')).toEqual([['30003', '6', '28.57 %', '85.71 %'], ['30008', '1', '4.76 %', '14.29 %']]);
    // p50/p95/p99 at the percentile_disc rank, shown as the latency histogram bucket's value
    // round(2 x 1.03^b / 2.03), b = ceil(ln(ms) / ln(1.03)), worked by hand from the delays above:
    // all 14: p50 the 7th (2000 ms -> 2021), p95 and p99 the 14th (6000 -> 6033); T-Mobile: p50 the
    // 2nd (3000 -> 2968), p95, p99 6000; Verizon: p50 the 5th (1800 -> 1796), p95, p99 2800 (-> 2797).
    expect(await tableText('#latency-table')).toEqual([
      ['all messages', '14', '2.0 s', '6.0 s', '6.0 s'],
      ['carrier T-Mobile', '4', '3.0 s', '6.0 s', '6.0 s'],
      ['carrier Verizon', '10', '1.8 s', '2.8 s', '2.8 s']]);
    expect(await tableText('#receipts-table')).toEqual([['Vodafone UK', 'GB', '3', '3', '100 %', shown(waitingSince)]]);
    // The incident links to its breakdown: the carrier's row is highlighted and scrolled to.
    expect(await page.$eval(`tr[data-alert-id="${id}"] .dim-link`, (a) => [a.textContent, a.getAttribute('href')]))
      .toEqual(['carrier T-Mobile: where it fails', '#where-carrier']);
    await clickNow(`tr[data-alert-id="${id}"] .dim-link`);
    expect(await page.$$eval('#incident-card tr.hit', (rows) => rows.map((r) => r.closest('table')!.id + ' ' + r.getAttribute('data-key'))))
      .toEqual(['where-carrier T-Mobile']);
    expect(await page.$eval('#where-carrier', (e) => Math.abs(e.getBoundingClientRect().top) < 1 && window.scrollY > 0)).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(output, 'dashboard-incident.png'), fullPage: true });
    if (process.env.SMS_MONITOR_WRITE_SCREENSHOT === '1') {
      copyFileSync(path.join(output, 'dashboard-incident.png'), path.join(repoRoot, 'docs', 'dashboard.png'));
    }
  });

  it('the token never reached a request line or the log; no console errors (CSP included)', () => {
    const all = t.logs.join('\n');
    expect(all).toContain('"url":"/api/sms/metrics/summary?live=true"');
    expect(all.includes(admin)).toBe(false);
    expect(all).not.toContain('token=');
    expect(consoleProblems).toEqual([]);
  });
});
