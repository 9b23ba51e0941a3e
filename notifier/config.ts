// Notifier configuration: read once at start, validated with zod. Precedence: defaults < environment
// < command-line flags. A bad value is a clear error naming the variable or flag; secret values
// (webhook URL, routing key, SMTP URL) are never echoed back in those errors.
import { z } from 'zod';
import { parseDuration } from '../client/duration.ts';

export interface SlackConfig {
  webhookUrl: string;
  /** Minimum gap between two messages to the webhook (Slack allows about one per second). */
  minIntervalMs: number;
}
export interface PagerDutyConfig {
  routingKey: string;
  eventsUrl: string;
  source: string;
}
export interface EmailConfig {
  smtpUrl: string;
  from: string;
  to: string[];
}

export interface NotifierConfig {
  databaseUrl: string;
  /** Drain the outbox at least this often even without a NOTIFY. */
  pollIntervalMs: number;
  /** Run check_sms_alerts() this often (null: never; pg_cron does it). */
  evaluateEveryMs: number | null;
  /** Lease taken on claimed rows, renewed every third of it while a delivery is in flight; another
   * notifier may reclaim them after it runs out (a notifier killed mid-request: within one lease). */
  leaseSeconds: number;
  batchSize: number;
  /** Every provider request is abandoned after this long (and retried later). */
  requestTimeoutMs: number;
  /** Exponential retry backoff: base * 2^(attempt-1) capped at retryMaxMs, equal jitter (between half and all of it). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** While a channel's rows wait after temporary failures, one of them is tried at least this often
   * (never before the provider's Retry-After): its success wakes the others at once. */
  probeIntervalMs: number;
  /** Cap of the (jittered, exponential) wait between attempts to reach a database that is down. */
  reconnectMaxMs: number;
  /** LISTEN for outbox NOTIFYs (false: poll only). */
  listen: boolean;
  /** How long SIGTERM waits for in-flight deliveries before releasing their rows. */
  shutdownGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  slack: SlackConfig | null;
  pagerduty: PagerDutyConfig | null;
  email: EmailConfig | null;
}

export const PAGERDUTY_DEFAULT_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid notifier configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Command-line flags (commander's camel-cased names); undefined means "not given". */
export interface NotifierFlags {
  pollInterval?: string;
  evaluateEvery?: string;
  lease?: string;
  batchSize?: string;
  requestTimeout?: string;
  retryBase?: string;
  retryMax?: string;
  probeInterval?: string;
  reconnectMax?: string;
  listen?: boolean;
  shutdownGrace?: string;
  logLevel?: string;
  slackWebhookUrl?: string;
  slackMinInterval?: string;
  pagerdutyIntegrationKey?: string;
  pagerdutyEventsUrl?: string;
  pagerdutySource?: string;
  smtpUrl?: string;
  emailFrom?: string;
  emailTo?: string;
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '[::1]';

function duration(minMs: number, maxMs: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration such as 500ms, 5s, 2m or 1h (got '${text}')` });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be between ${minMs} ms and ${maxMs} ms (got '${text}')` });
      return z.NEVER;
    }
    return ms;
  });
}

function integer(min: number, max: number) {
  return z.string().transform((text, ctx) => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a whole number from ${min} to ${max} (got '${text}')` });
      return z.NEVER;
    }
    return n;
  });
}

/** An http(s) URL; plain http only to the loopback interface. `secret`: never echo the value. */
function httpUrl(secret: boolean) {
  return z.string().transform((text, ctx) => {
    const shown = secret ? '' : ` (got '${text}')`;
    let u: URL;
    try {
      u = new URL(text.trim());
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an absolute https:// URL${shown}` });
      return z.NEVER;
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must use https:// (http:// is accepted only for 127.0.0.1 or localhost)${shown}` });
      return z.NEVER;
    }
    return u.toString();
  });
}

const email = z.string().trim().regex(/^[^\s@<>,]+@[^\s@<>,]+\.?[^\s@<>,]*$/, 'must be an e-mail address such as alerts@example.com');

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface Setting<T> {
  env: string | null;
  flag: keyof NotifierFlags | null;
  schema: z.ZodType<T, z.ZodTypeDef, string>;
}

function setting<T>(env: string | null, flag: keyof NotifierFlags | null, schema: z.ZodType<T, z.ZodTypeDef, string>): Setting<T> {
  return { env, flag, schema };
}

const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Builds the configuration from the environment and flags. Throws ConfigError listing every
 * problem (each prefixed with the variable or flag it came from).
 */
export function loadNotifierConfig(databaseUrl: string, env: NodeJS.ProcessEnv, flags: NotifierFlags = {}): NotifierConfig {
  const problems: string[] = [];

  function read<T>(s: Setting<T>, fallback: string | null): T | null {
    let raw: string | undefined;
    let source = '';
    const fromFlag = s.flag ? flags[s.flag] : undefined;
    if (typeof fromFlag === 'string') {
      raw = fromFlag;
      source = flagName(s.flag!);
    } else if (s.env && env[s.env] !== undefined && env[s.env] !== '') {
      raw = env[s.env];
      source = s.env;
    } else if (fallback !== null) {
      raw = fallback;
      source = s.env ?? flagName(s.flag!);
    }
    if (raw === undefined) return null;
    const r = s.schema.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues) problems.push(`${source}: ${issue.message}`);
      return null;
    }
    return r.data;
  }

  const pollIntervalMs = read(setting('NOTIFIER_POLL_INTERVAL', 'pollInterval', duration(10, 3_600_000)), '5s');
  const evaluateEveryMs = read(setting('NOTIFIER_EVALUATE_EVERY', 'evaluateEvery', duration(1000, 86_400_000)), null);
  const leaseMs = read(setting('NOTIFIER_LEASE', 'lease', duration(1000, 3_600_000)), '10s');
  const batchSize = read(setting('NOTIFIER_BATCH_SIZE', 'batchSize', integer(1, 1000)), '20');
  const requestTimeoutMs = read(setting('NOTIFIER_REQUEST_TIMEOUT', 'requestTimeout', duration(10, 300_000)), '10s');
  const retryBaseMs = read(setting('NOTIFIER_RETRY_BASE', 'retryBase', duration(1, 3_600_000)), '5s');
  const retryMaxMs = read(setting('NOTIFIER_RETRY_MAX', 'retryMax', duration(1, 3_600_000)), '2m');
  const probeIntervalMs = read(setting('NOTIFIER_PROBE_INTERVAL', 'probeInterval', duration(10, 600_000)), '5s');
  const reconnectMaxMs = read(setting('NOTIFIER_RECONNECT_MAX', 'reconnectMax', duration(10, 600_000)), '30s');
  const shutdownGraceMs = read(setting('NOTIFIER_SHUTDOWN_GRACE', 'shutdownGrace', duration(0, 600_000)), '15s');
  const logLevel = read(setting('LOG_LEVEL', 'logLevel', z.enum(LEVELS, { errorMap: () => ({ message: `must be one of ${LEVELS.join(', ')}` }) })), 'info');
  const listenEnv = read(setting('NOTIFIER_LISTEN', null, z.enum(['true', 'false', '1', '0'], { errorMap: () => ({ message: 'must be true or false' }) })), 'true');

  // Channels: configured when their variable (or flag) is set.
  const webhookUrl = read(setting('SLACK_WEBHOOK_URL', 'slackWebhookUrl', httpUrl(true)), null);
  const slackMinIntervalMs = read(setting('SLACK_MIN_INTERVAL', 'slackMinInterval', duration(0, 60_000)), '1s');
  const routingKey = read(setting('PAGERDUTY_INTEGRATION_KEY', 'pagerdutyIntegrationKey',
    z.string().trim().regex(/^[A-Za-z0-9]{32}$/, 'must be the 32-character Events v2 integration (routing) key')), null);
  const eventsUrl = read(setting('PAGERDUTY_EVENTS_URL', 'pagerdutyEventsUrl', httpUrl(false)), PAGERDUTY_DEFAULT_EVENTS_URL);
  const source = read(setting('PAGERDUTY_SOURCE', 'pagerdutySource', z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters')), 'sms-monitor');
  const smtpUrl = read(setting('SMTP_URL', 'smtpUrl', z.string().transform((text, ctx) => {
    try {
      const u = new URL(text.trim());
      if ((u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname) return u.toString();
    } catch { /* reported below */ }
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a URL such as smtp://user:password@mail.example.com:587 or smtps://...' });
    return z.NEVER;
  })), null);
  const from = read(setting('ALERT_EMAIL_FROM', 'emailFrom', email), null);
  const to = read(setting('ALERT_EMAIL_TO', 'emailTo', z.string().transform((text, ctx) => {
    const list = text.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length === 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must list at least one address (comma-separated)' });
    for (const a of list) {
      if (!email.safeParse(a).success) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `'${a}' is not an e-mail address` });
    }
    return list;
  })), null);

  const listen = typeof flags.listen === 'boolean' && flags.listen === false ? false : listenEnv === null ? true : listenEnv === 'true' || listenEnv === '1';

  if (retryBaseMs !== null && retryMaxMs !== null && retryMaxMs < retryBaseMs) {
    problems.push('NOTIFIER_RETRY_MAX: must not be smaller than NOTIFIER_RETRY_BASE');
  }
  const emailVars = [smtpUrl, from, to].filter((v) => v !== null).length;
  const emailSet = [env.SMTP_URL || flags.smtpUrl, env.ALERT_EMAIL_FROM || flags.emailFrom, env.ALERT_EMAIL_TO || flags.emailTo];
  if (emailSet.some(Boolean) && !emailSet.every(Boolean)) {
    problems.push('SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO: set all three to enable e-mail, or none');
  }

  let dbOk = false;
  try {
    const u = new URL(databaseUrl);
    dbOk = u.protocol === 'postgres:' || u.protocol === 'postgresql:';
  } catch { /* reported below */ }
  if (!dbOk) problems.push('DATABASE_URL: must be a postgres:// connection string');

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    databaseUrl,
    pollIntervalMs: pollIntervalMs!,
    evaluateEveryMs,
    leaseSeconds: Math.max(1, Math.ceil(leaseMs! / 1000)),
    batchSize: batchSize!,
    requestTimeoutMs: requestTimeoutMs!,
    retryBaseMs: retryBaseMs!,
    retryMaxMs: retryMaxMs!,
    probeIntervalMs: probeIntervalMs!,
    reconnectMaxMs: reconnectMaxMs!,
    listen,
    shutdownGraceMs: shutdownGraceMs!,
    logLevel: logLevel!,
    slack: webhookUrl ? { webhookUrl, minIntervalMs: slackMinIntervalMs! } : null,
    pagerduty: routingKey ? { routingKey, eventsUrl: eventsUrl!, source: source! } : null,
    email: emailVars === 3 ? { smtpUrl: smtpUrl!, from: from!, to: to! } : null,
  };
}

/** Every secret in the configuration, for scrubbing text before it is logged or stored. */
/** The parts of a Slack webhook URL that are secret: the URL, its path and its last path segment (the token). */
export function slackSecrets(webhookUrl: string): string[] {
  const out = [webhookUrl];
  const u = new URL(webhookUrl);
  if (u.pathname.length > 1) out.push(u.pathname + u.search);
  const token = u.pathname.split('/').filter(Boolean).pop();
  if (token && token.length >= 8) out.push(token);
  return out;
}

export function configSecrets(c: NotifierConfig): string[] {
  const out: string[] = [];
  if (c.slack) out.push(...slackSecrets(c.slack.webhookUrl));
  if (c.pagerduty) out.push(c.pagerduty.routingKey);
  if (c.email) {
    out.push(c.email.smtpUrl);
    const u = new URL(c.email.smtpUrl);
    if (u.password) {
      out.push(u.password);
      try { out.push(decodeURIComponent(u.password)); } catch { /* keep the raw form */ }
    }
  }
  if (c.databaseUrl) {
    try {
      const u = new URL(c.databaseUrl);
      if (u.password) {
        out.push(u.password);
        try { out.push(decodeURIComponent(u.password)); } catch { /* keep the raw form */ }
      }
    } catch { /* not a URL: nothing to hide */ }
  }
  return [...new Set(out.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every secret occurring in text by [redacted], and the beginning of a secret that ends
 * the text (before a trailing "…"): a provider's answer clipped to its first characters (500, say)
 * may have cut a secret in two, and the part that is left is no less secret.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  const mark = out.endsWith('…') ? '…' : '';
  const body = out.slice(0, out.length - mark.length);
  for (const s of secrets) {
    for (let n = Math.min(s.length - 1, body.length); n >= 4; n -= 1) {
      if (body.endsWith(s.slice(0, n))) return `${body.slice(0, body.length - n)}[redacted]${mark}`;
    }
  }
  return out;
}
