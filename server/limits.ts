// The server's bounds against hostile or careless load, each from an environment variable with a
// default (docs/http.md lists them). Read once at start-up; tests pass their own.
export interface Limits {
  /** statement_timeout of every API request's transaction (SMS_MONITOR_STATEMENT_TIMEOUT, ms). */
  statementTimeoutMs: number;
  /** Requests per token (or per address without one) per minute (SMS_MONITOR_RATE_LIMIT). */
  ratePerMinute: number;
  /** Provider webhook requests per address per minute (SMS_MONITOR_WEBHOOK_RATE_LIMIT): a provider sends
   * several callbacks a message from few addresses, so webhooks have a limit of their own. */
  webhookRatePerMinute: number;
  /** API requests of one token running at a time (SMS_MONITOR_CONCURRENT_PER_TOKEN): the rest of the pool stays free. */
  concurrentPerToken: number;
  /** Time to receive a whole request, headers and body (SMS_MONITOR_HTTP_REQUEST_TIMEOUT, ms). */
  requestTimeoutMs: number;
  /** Idle keep-alive connections are closed after this (SMS_MONITOR_HTTP_KEEP_ALIVE_TIMEOUT, ms). */
  keepAliveTimeoutMs: number;
  /** Open event streams per token (SMS_MONITOR_SSE_PER_TOKEN) and in total (SMS_MONITOR_SSE_MAX). */
  streamsPerToken: number;
  streamsTotal: number;
  /** Bytes an event stream may have queued for a reader that does not read (then it is dropped). */
  streamBufferBytes: number;
  /** Furthest a token's exp may lie ahead (SMS_MONITOR_MAX_TOKEN_TTL, seconds; default 366 days). */
  maxTokenTtlSeconds: number;
}

export const DEFAULT_LIMITS: Limits = {
  statementTimeoutMs: 5_000,
  ratePerMinute: 300,
  webhookRatePerMinute: 30_000,
  concurrentPerToken: 3,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  streamsPerToken: 5,
  streamsTotal: 200,
  streamBufferBytes: 64 * 1024,
  maxTokenTtlSeconds: 366 * 86_400,
};

/** How often node checks requests against requestTimeout: a slow body is cut within the sum. */
export const CONNECTION_CHECK_MS = 1_000;

const ENV: Record<Exclude<keyof Limits, 'streamBufferBytes'>, string> = {
  statementTimeoutMs: 'SMS_MONITOR_STATEMENT_TIMEOUT',
  ratePerMinute: 'SMS_MONITOR_RATE_LIMIT',
  webhookRatePerMinute: 'SMS_MONITOR_WEBHOOK_RATE_LIMIT',
  concurrentPerToken: 'SMS_MONITOR_CONCURRENT_PER_TOKEN',
  requestTimeoutMs: 'SMS_MONITOR_HTTP_REQUEST_TIMEOUT',
  keepAliveTimeoutMs: 'SMS_MONITOR_HTTP_KEEP_ALIVE_TIMEOUT',
  streamsPerToken: 'SMS_MONITOR_SSE_PER_TOKEN',
  streamsTotal: 'SMS_MONITOR_SSE_MAX',
  maxTokenTtlSeconds: 'SMS_MONITOR_MAX_TOKEN_TTL',
};

/** Durations take ms/s/m/h/d suffixes for the millisecond settings; a bare number is the unit named. */
function parse(name: string, text: string, unitMs: number): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`${name}: "${text}" is not a positive whole number (optionally with ms, s, m, h or d)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? ''] ?? unitMs;
  const value = Math.round((Number(m[1]) * factor) / unitMs);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}: must be at least 1`);
  return value;
}

/** The limits from the environment; an error naming the variable for a value that does not parse. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Limits {
  const out = { ...DEFAULT_LIMITS };
  for (const [key, name] of Object.entries(ENV) as [keyof typeof ENV, string][]) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const unit = key.endsWith('Ms') ? 1 : key === 'maxTokenTtlSeconds' ? 1000 : 0;
    if (unit === 0) {
      if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new Error(`${name}: "${text}" is not a positive whole number`);
      out[key] = Number(text);
    } else {
      out[key] = parse(name, text, unit);
    }
  }
  return out;
}
