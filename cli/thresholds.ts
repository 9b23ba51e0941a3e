// sms-monitor thresholds list | set <alert_type> key=value...: read and tune the alert rules.
import { Command, InvalidArgumentError } from 'commander';
import { THRESHOLD_KEYS, type ThresholdChanges } from '../client/types.ts';
import { printJson, printTable, UsageError, withClient } from './common.ts';

export function registerThresholds(program: Command): void {
  const cmd = program
    .command('thresholds')
    .description('list or tune the alert rules (sms_alert_thresholds)');

  cmd
    .command('list')
    .description('every alert rule with its threshold, window, cooldown and channels')
    .option('--json', 'print the rows as JSON')
    .action(withClient(program, 'thresholds list', async (client, opts: { json?: boolean }) => {
      const rows = await client.thresholds();
      if (opts.json) return printJson(rows);
      printTable(['alert_type', 'rule', 'recovery', 'window', 'min_sample', 'pending', 'cooldown', 'severity', 'channels', 'enabled',
        'per', 'params'],
        rows.map((r) => [r.alert_type, `${r.metric} ${r.comparison} ${r.threshold_value}`, r.recovery_value,
          `${r.window_minutes}m`, r.min_sample, `${r.pending_minutes}m`, `${r.cooldown_minutes}m`, r.severity,
          r.notification_channels, r.is_enabled ? 'yes' : 'no', r.group_by ?? '-',
          Object.keys(r.params as object).length === 0 ? '-' : JSON.stringify(r.params)]));
    }));

  cmd
    .command('set')
    .description('change columns of one rule, e.g. `thresholds set delivery_rate_critical threshold_value=85 cooldown_minutes=30`')
    .argument('<alert_type>', 'the rule to change')
    .argument('<key=value...>', `columns: ${THRESHOLD_KEYS.join(', ')} (recovery_value=null and group_by=null clear them; `
      + 'channels comma-separated; params a JSON object, e.g. params=\'{"error_codes":["30007"]}\')')
    .option('--json', 'print the updated row as JSON')
    .action(withClient(program, 'thresholds set', async (client, alertType: string, pairs: string[], opts: { json?: boolean }) => {
      const changes = parsePairs(pairs);
      const row = await client.updateThreshold(alertType, changes);
      if (opts.json) return printJson(row);
      console.log(`updated ${row.alert_type}: ${Object.keys(changes).map((k) => `${k}=${fmt(row[k as keyof typeof row])}`).join(', ')}`);
    }));
}

const INTEGER_KEYS = new Set(['window_minutes', 'min_sample', 'pending_minutes', 'cooldown_minutes']);

export function parsePairs(pairs: string[]): ThresholdChanges {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${pair}" is not key=value`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (!(THRESHOLD_KEYS as string[]).includes(key)) {
      throw new UsageError(`${key}: not a tunable column (one of ${THRESHOLD_KEYS.join(', ')})`);
    }
    if (key in out) throw new UsageError(`${key}: given twice`);
    out[key] = parseValue(key, raw);
  }
  return out as ThresholdChanges;
}

function parseValue(key: string, raw: string): unknown {
  if ((key === 'recovery_value' || key === 'group_by') && raw === 'null') return null;
  if (key === 'params') {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new InvalidArgumentError(`${key}: "${raw}" is not JSON (${(error as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidArgumentError(`${key}: "${raw}" is not a JSON object`);
    }
    return value;
  }
  if (key === 'threshold_value' || key === 'recovery_value') {
    if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new InvalidArgumentError(`${key}: "${raw}" is not a number`);
    return Number(raw);
  }
  if (INTEGER_KEYS.has(key)) {
    if (!/^-?\d+$/.test(raw)) throw new InvalidArgumentError(`${key}: "${raw}" is not a whole number`);
    return Number(raw);
  }
  if (key === 'is_enabled') {
    if (!['true', 'false', 'yes', 'no', 'on', 'off'].includes(raw)) {
      throw new InvalidArgumentError(`${key}: "${raw}" is not true or false`);
    }
    return ['true', 'yes', 'on'].includes(raw);
  }
  if (key === 'notification_channels') return raw.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return raw;
}

function fmt(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  return v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
