// The committed generated files must be exactly what `npm run codegen` produces from the current
// schema (committed migrations + current.sql), so SQL and TypeScript cannot drift apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_ACTION_VALUES, ALERT_COMPARISON_VALUES, ALERT_SEVERITY_VALUES, MESSAGE_DIMENSION_VALUES, METRIC_KIND_VALUES,
  METRIC_KINDS, METRIC_TYPES, METRIC_UNIT_VALUES,
  NOTIFICATION_CHANNEL_VALUES, NOTIFICATION_EVENT_VALUES, NOTIFICATION_STATUS_VALUES, OUTBOX_NOTIFY_CHANNEL,
} from 'sms-monitor';
import { DATED_PARTITION, GENERATED_FILES, generate, normaliseDump } from '../../scripts/codegen.ts';
import { repoRoot } from '../migrate.ts';
import { freshDatabase, type TestDatabase } from '../../test/db.ts';

let db: TestDatabase;
let files: Record<string, string>;
beforeAll(async () => {
  db = await freshDatabase();
  files = await generate(db.url);
});
afterAll(async () => { await db?.drop(); });

describe('generated types are up to date (run `npm run codegen` when this fails)', () => {
  for (const file of GENERATED_FILES) {
    it(file, () => {
      const committed = readFileSync(path.join(repoRoot, file), 'utf8');
      expect(committed).toMatch(/^(\/\/|--) GENERATED FILE, DO NOT EDIT\./);
      expect(committed).toBe(files[file]);
    });
  }

  it('covers schema sms_monitor only, and every public function but no internal one', async () => {
    expect(files['client/generated/db.ts']).toContain('sms_metrics_daily: SmsMetricsDaily;');
    const tables = [...files['client/generated/db.ts']!.matchAll(/^ {2}(\S+): \w+;$/gm)].map((m) => m[1]);
    expect(tables.length).toBeGreaterThan(3);
    expect(tables.filter((t) => t!.includes('.'))).toEqual([]); // no cron.job, graphile_migrate.*
    const names = (await db.sql<Array<{ proname: string }>>`
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'sms_monitor' and p.prokind = 'f' and p.proname !~ '^_'
         and p.prorettype <> 'trigger'::regtype order by 1`).map((r) => r.proname);
    expect(names).toContain('record_sms_events');
    const declared = [...files['client/generated/functions.ts']!.matchAll(/^ {2}([a-z][a-z0-9_]*): \{$/gm)].map((m) => m[1]);
    expect(declared).toEqual([...names, ...names]); // the interface, then the runtime table
    expect(files['client/generated/functions.ts']).not.toMatch(/^ {2}_/m);
  });

  it('METRIC_KINDS and METRIC_TYPES are the rows of sms_monitor.metric_types', async () => {
    const rows = await db.sql<Array<{ metric_type: string; kind: string; unit: string; description: string }>>`
      select metric_type, kind, unit, description from sms_monitor.metric_types order by metric_type collate "C"`;
    expect(rows.length).toBe(15);
    expect(Object.entries(METRIC_TYPES).map(([metric_type, t]) => ({ metric_type, ...t }))
      .sort((a, b) => (a.metric_type < b.metric_type ? -1 : 1))).toEqual(rows);
    expect(Object.entries(METRIC_KINDS).sort()).toEqual(
      rows.filter((r) => r.kind !== 'derived').map((r) => [r.metric_type, r.kind]));
  });

  it('the enumerated facts are the enum types of sms_monitor, and every CHECK on them reads the enum', async () => {
    const enums = Object.fromEntries((await db.sql<Array<{ name: string; labels: string[] }>>`
      select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
        from pg_type t join pg_namespace n on n.oid = t.typnamespace join pg_enum e on e.enumtypid = t.oid
       where n.nspname = 'sms_monitor' group by t.typname`).map((r) => [r.name, r.labels]));
    expect(enums).toEqual({
      notification_channel: ['slack', 'pagerduty', 'email', 'log'],
      notification_status: ['pending', 'sent', 'failed', 'dead', 'superseded'],
      notification_event: ['trigger', 'repeat', 'acknowledge', 'resolve'],
      alert_severity: ['critical', 'warning', 'info'],
      metric_kind: ['counter', 'sum', 'timing', 'derived'],
      alert_action: ['no_data', 'ok', 'pending', 'fired', 'silenced', 'unsilenced', 'repeated', 'cooldown',
        'acknowledged', 'recovering', 'resolved', 'disabled_resolved', 'skipped', 'error'],
      alert_comparison: ['<', '<=', '>', '>='],
      metric_unit: ['percent', 'ratio', 'seconds'],
      message_dimension: ['carrier', 'country', 'sender', 'sender_type', 'error_code', 'message_class', 'provider'],
    });
    expect([NOTIFICATION_CHANNEL_VALUES, NOTIFICATION_STATUS_VALUES, NOTIFICATION_EVENT_VALUES, ALERT_SEVERITY_VALUES,
      METRIC_KIND_VALUES, ALERT_ACTION_VALUES, ALERT_COMPARISON_VALUES, METRIC_UNIT_VALUES, MESSAGE_DIMENSION_VALUES])
      .toEqual([enums.notification_channel, enums.notification_status, enums.notification_event, enums.alert_severity,
        enums.metric_kind, enums.alert_action, enums.alert_comparison, enums.metric_unit, enums.message_dimension]);
    expect(OUTBOX_NOTIFY_CHANNEL).toBe('sms_monitor_notifications');
    const checks = Object.fromEntries((await db.sql<Array<{ name: string; def: string }>>`
      select c.conname as name, pg_get_constraintdef(c.oid) as def from pg_constraint c
        join pg_namespace n on n.oid = c.connamespace
       where n.nspname = 'sms_monitor' and c.contype = 'c'
         and c.conname in ('sms_alert_notifications_channel_check', 'sms_alert_notifications_status_check',
           'sms_alert_notifications_event_check', 'sms_alert_thresholds_severity_check', 'sms_alert_thresholds_channels_check',
           'sms_alert_history_severity_check', 'sms_notifier_heartbeats_channels_check', 'metric_types_kind_check',
           'sms_alert_rule_state_last_action_check', 'sms_alert_thresholds_comparison_check',
           'sms_alert_thresholds_group_by_check', 'sms_alert_metrics_unit_check')`).map((r) => [r.name, r.def]));
    expect(Object.keys(checks)).toHaveLength(12);
    for (const [name, def] of Object.entries(checks)) expect(def, name).toMatch(/enum_range\(NULL::sms_monitor\.\w+\)/);
    const err = await db.sql`
      insert into sms_monitor.sms_alert_rule_state (alert_type, last_action)
      select alert_type, 'exploded' from sms_monitor.sms_alert_thresholds order by alert_type limit 1
      on conflict (alert_type) do update set last_action = excluded.last_action`.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23514', constraint_name: 'sms_alert_rule_state_last_action_check' });
  });

  it('no TypeScript (nor the page\'s JavaScript) outside client/generated/ lists an enumerated fact by hand', () => {
    const lists = [/'slack' \| 'pagerduty'/, /'pending' \| 'sent'/, /'trigger' \| 'repeat'/, /'critical' \| 'warning'/,
      /\['slack', 'pagerduty'/, /'sms_monitor_notifications'/, /'<' \| '<='/, /'<', '<='/, /'percent', 'ratio'/,
      /'sender_type', 'error_code'/, /sender\|sender_type\|error_code/];
    const sources = (dir: string): string[] => readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? (['test', 'generated', 'node_modules'].includes(e.name) ? [] : sources(path.join(dir, e.name)))
        : /\.(ts|js)$/.test(e.name) ? [path.join(dir, e.name)] : []);
    const offenders = ['client', 'notifier', 'cli', 'server'].flatMap(sources)
      .filter((f) => lists.some((re) => re.test(readFileSync(path.join(repoRoot, f), 'utf8'))));
    expect(offenders).toEqual([]);
  });

  it('no SQL function or view lists an enumerated fact by hand (they read the enums)', () => {
    const lists = [/'slack', 'pagerduty'/, /'email', 'log'/, /'critical', 'warning', 'info'/, /'counter', 'sum'/,
      /'sender_type', 'error_code'/, /'<', '<=', '>', '>='/, /'percent', 'ratio'/,
      /pg_notify\('sms_monitor_notifications'/];
    const files = ['sql/functions', 'sql/views'].flatMap((dir) => readdirSync(path.join(repoRoot, dir))
      .filter((f) => f.endsWith('.sql')).map((f) => path.join(dir, f)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => lists.some((re) => re.test(readFileSync(path.join(repoRoot, f), 'utf8'))))).toEqual([]);
  });

  it('sql/schema.sql: every table, view and index of sms_monitor, no run- or version-specific lines', async () => {
    const schema = files['sql/schema.sql']!;
    const relations = await db.sql<Array<{ name: string; kind: string }>>`
      select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'sms_monitor' and c.relkind in ('r', 'v', 'm', 'i') order by 1`;
    expect(relations.length).toBeGreaterThan(20);
    const statement = { r: 'CREATE TABLE', v: 'CREATE VIEW', m: 'CREATE MATERIALIZED VIEW', i: 'INDEX' } as const;
    for (const r of relations) {
      // Daily partitions come and go with the date; the dump leaves them out.
      if (DATED_PARTITION.test(`${r.name}; Type: `)) continue;
      // Primary keys and unique constraints are written as constraints, their indexes implied.
      const isConstraintIndex = r.kind === 'i' && schema.includes(`ADD CONSTRAINT ${r.name} `);
      if (r.kind === 'i' && isConstraintIndex) continue;
      const prefix = statement[r.kind as keyof typeof statement];
      expect(schema, r.name).toMatch(new RegExp(`${prefix} (IF NOT EXISTS )?sms_monitor\\.${r.name}\\b|${prefix} ${r.name} ON sms_monitor\\.`));
    }
    expect(schema).not.toMatch(/_20\d{6}\b/);
    expect(schema).not.toMatch(/\\(un)?restrict|Dumped (from|by)|^SET |set_config|Owner: /m);
    // Function bodies are referenced, not copied: each points at its file, which exists.
    const bodies = [...schema.matchAll(/^ {4}-- body: (\S+)$/gm)].map((m) => m[1]!);
    expect(bodies.length).toBeGreaterThan(40);
    for (const b of bodies) expect(existsSync(path.join(repoRoot, b)), b).toBe(true);
  });

  it('normaliseDump strips what differs between runs and pg_dump versions', () => {
    const dump = ['--', '-- PostgreSQL database dump', '--', '', '\\restrict abc123', '',
      '-- Dumped from database version 15.18', '-- Dumped by pg_dump version 15.18', '', 'SET lock_timeout = 0;',
      "SELECT pg_catalog.set_config('search_path', '', false);", '', '--',
      '-- Name: t; Type: TABLE; Schema: sms_monitor; Owner: -', '--', '', 'SET default_table_access_method = heap;', '',
      'CREATE TABLE sms_monitor.t (', '    id integer', ');', '', '', '--', '-- PostgreSQL database dump complete', '--', '',
      '\\unrestrict abc123', ''].join('\n');
    const out = normaliseDump(dump);
    expect(out.endsWith([
      '-- ==== tables, views, sequences, indexes, constraints, triggers, policies, grants ====', '',
      '--', '-- Name: t; Type: TABLE; Schema: sms_monitor', '--', '', 'CREATE TABLE sms_monitor.t (', '    id integer', ');', '',
      '-- ==== functions (bodies in sql/functions/) ====', ''].join('\n'))).toBe(true);
    expect(out).not.toMatch(/abc123|Dumped|SET |set_config/);
    expect(normaliseDump(dump.replace(/abc123/g, 'zzz999').replace(/15\.18/g, '16.4'))).toBe(out);
  });

  it('normaliseDump leaves out daily partitions, so the file does not change with the date', () => {
    const block = (name: string, type: string, body: string) => ['--', `-- Name: ${name}; Type: ${type}; Schema: sms_monitor; Owner: -`, '--', '', body, ''];
    const dump = (day: string) => ['--', '-- PostgreSQL database dump', '--', '',
      ...block('ev', 'TABLE', 'CREATE TABLE sms_monitor.ev (\n    d date\n)\nPARTITION BY RANGE (d);'),
      ...block(`ev_${day}`, 'TABLE', `CREATE TABLE sms_monitor.ev_${day} (\n    d date\n);`),
      ...block(`ev_${day}`, 'TABLE ATTACH', `ALTER TABLE ONLY sms_monitor.ev ATTACH PARTITION sms_monitor.ev_${day} FOR VALUES FROM ('x') TO ('y');`),
      ...block(`ev_${day}_d_idx`, 'INDEX', `CREATE INDEX ev_${day}_d_idx ON sms_monitor.ev_${day} USING btree (d);`),
      ...block(`ev_${day}`, 'ROW SECURITY', `ALTER TABLE sms_monitor.ev_${day} ENABLE ROW LEVEL SECURITY;`),
      ...block('ev_default', 'TABLE', 'CREATE TABLE sms_monitor.ev_default (\n    d date\n);'),
      '--', '-- PostgreSQL database dump complete', '--', ''].join('\n');
    const out = normaliseDump(dump('20261203'));
    expect(out).toBe(normaliseDump(dump('20270101')));
    expect(out).toContain('CREATE TABLE sms_monitor.ev (');
    expect(out).toContain('CREATE TABLE sms_monitor.ev_default (');
    expect(out).not.toMatch(/ev_2\d{7}/);
  });

  it('docs/reference.md documents every public function, and only functions that exist', async () => {
    const reference = readFileSync(path.join(repoRoot, 'docs', 'reference.md'), 'utf8');
    const names = (await db.sql<Array<{ proname: string }>>`
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'sms_monitor' and p.prokind = 'f' and p.proname !~ '^_'
         and p.prorettype <> 'trigger'::regtype`).map((r) => r.proname).sort();
    const documented = [...new Set([...reference.matchAll(/`sms_monitor\.([a-z][a-z0-9_]*)\(/g)].map((m) => m[1]!))].sort();
    expect(documented).toEqual(names);
    expect(reference).toContain('PostgreSQL 15 or newer');
  });
});
