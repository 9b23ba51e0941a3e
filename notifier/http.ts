// One HTTP POST with a timeout, classified into an Outcome. Used by the Slack and PagerDuty channels.
import { scrub } from './config.ts';
import type { Outcome } from './types.ts';

const BODY_LIMIT = 500;

export interface PostOptions {
  timeoutMs: number;
  /** Aborts the request (shutdown past its grace period). */
  abort?: AbortSignal;
  headers?: Record<string, string>;
  /** The channel's secrets: masked in the provider's answer before it is clipped, so no part of one survives the cut. */
  secrets?: readonly string[];
}

export interface HttpResult {
  outcome: Outcome;
  status?: number;
  body?: string;
  retryAfterMs?: number;
}

/** Retry-After: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function clip(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > BODY_LIMIT ? `${t.slice(0, BODY_LIMIT)}…` : t;
}

/** Classification of an HTTP answer: 2xx sent; 408, 429 and 5xx retry; any other status permanent. */
export function classifyHttp(provider: string, status: number, body: string, retryAfter: string | null,
  secrets: readonly string[] = []): HttpResult {
  const text = clip(scrub(body, secrets));
  const error = `${provider}: HTTP ${status}${text ? `: ${text}` : ''}`;
  if (status >= 200 && status < 300) return { outcome: { kind: 'sent', detail: text }, status, body };
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return {
      outcome: retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs },
      status,
      body,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { outcome: { kind: 'failed', error }, status, body };
}

/** A network-level problem (no HTTP answer) as a retryable outcome, without the URL. */
export function networkOutcome(provider: string, error: unknown, timeoutMs: number): Outcome {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return { kind: 'retry', error: `${provider}: no answer within ${timeoutMs} ms (timed out)` };
  if (e?.name === 'AbortError') return { kind: 'retry', error: `${provider}: request aborted (notifier shutting down)` };
  const code = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
  return { kind: 'retry', error: `${provider}: network error: ${code}` };
}

export async function postJson(provider: string, url: string, body: unknown, opts: PostOptions): Promise<HttpResult> {
  const signals = [AbortSignal.timeout(opts.timeoutMs)];
  if (opts.abort) signals.push(opts.abort);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'sms-monitor-notifier', ...opts.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
      redirect: 'manual',
    });
    // The body read is bounded by the same signal (a provider could send headers and then hang).
    const text = await res.text();
    return classifyHttp(provider, res.status, text, res.headers.get('retry-after'), opts.secrets);
  } catch (error) {
    return { outcome: networkOutcome(provider, error, opts.timeoutMs) };
  }
}

/**
 * Delay before the next attempt after a temporary failure: exponential in the attempt number
 * (1 = first attempt), "equal jitter" (between half and all of the step), capped.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(step / 2 + (random() * step) / 2);
}

/** Resolves after ms, or early (false) when signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, ms);
    const onAbort = () => { clearTimeout(t); resolve(false); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
