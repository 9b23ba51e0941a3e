// Slack incoming webhook: one readable message per event, paced to about one per second per
// webhook (Slack's limit), 429 Retry-After pushes the whole webhook back.
import { facts, headline, conditionText, eventTime, recoveryText, unreachedText } from '../format.ts';
import { postJson, sleep } from '../http.ts';
import type { Channel, DeliveryContext, NotificationPayload, OutboxRow, Outcome } from '../types.ts';
import { slackSecrets, type SlackConfig } from '../config.ts';
import { RetryAfterHold } from '../hold.ts';

const ICON = { trigger: ':rotating_light:', repeat: ':repeat:', acknowledge: ':eyes:', resolve: ':white_check_mark:' } as const;

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/**
 * Text for Slack's mrkdwn: &, < and > escaped as Slack requires, so operator text such as
 * `<!channel>` or `<https://evil.example|x>` shows literally instead of mentioning or linking.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The webhook body for one notification; resolved and acknowledged read differently from firing. */
export function slackMessage(p: NotificationPayload): SlackMessage {
  const icon = ICON[p.event] ?? ':bell:';
  const e = slackEscape;
  const cond = conditionText(p);
  const recovery = recoveryText(p);
  let lead: string;
  switch (p.event) {
    case 'resolve':
      lead = p.unreached
        ? `${icon} *FIRED AND RECOVERED* ${e(p.alert_type)} (${e(p.severity)}): ${e(unreachedText(p, 'Slack'))}${recovery ? `; ${e(recovery)}` : ''}`
        : `${icon} *RESOLVED* ${e(p.alert_type)} (${e(p.severity)})${p.resolved_by ? ` by ${e(p.resolved_by)}` : ''}`
          + `${p.resolved_at ? ` at ${e(p.resolved_at)}` : ''}${recovery ? `: ${e(recovery)}` : ''}`;
      break;
    case 'acknowledge':
      lead = `${icon} *ACKNOWLEDGED* ${e(p.alert_type)} (${e(p.severity)})${p.acknowledged_by ? ` by ${e(p.acknowledged_by)}` : ''}`
        + `${p.acknowledged_at ? ` at ${e(p.acknowledged_at)}` : ''}: no more repeats; you will hear when it resolves`;
      break;
    case 'repeat':
      lead = `${icon} *STILL FIRING* [${e(p.severity.toUpperCase())}] ${e(p.alert_type)}${cond ? `: ${e(cond)}` : ''}`;
      break;
    default:
      lead = `${icon} *[${e(String(p.severity).toUpperCase())}] ${e(p.alert_type)}*${cond ? `: ${e(cond)}` : ''}`;
  }
  const detail = p.message ? `\n${e(p.message)}` : '';
  const when = eventTime(p);
  const text = `${lead}${detail}${when && p.event !== 'resolve' && p.event !== 'acknowledge' ? `\nTriggered at ${e(when)}` : ''}`;
  const fields = facts(p).slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${e(v)}`.slice(0, 2000) }));
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${lead}${detail}`.slice(0, 3000) } },
    { type: 'section', fields },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `sms-monitor · ${e(headline(p))}`.slice(0, 3000) }] },
  ];
  return { text: text.slice(0, 3000), blocks };
}

/** Spaces messages to one webhook; a 429 moves the next slot to when Slack says and holds the channel. */
export class Pacer {
  private next = 0;
  constructor(private readonly intervalMs: number, private readonly hold = new RetryAfterHold()) {}
  /** Milliseconds until a message may go now, without reserving. */
  peek(now = Date.now()): number {
    return Math.max(0, this.next - now);
  }
  /** Reserves the next slot and returns how long to wait for it. */
  reserve(now = Date.now()): number {
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    return at - now;
  }
  pushBack(untilEpochMs: number): void {
    this.next = Math.max(this.next, untilEpochMs);
    this.hold.extend(untilEpochMs);
  }
  /** True while a 429's Retry-After holds the webhook back (slots reserved before it are void). */
  held(now = Date.now()): boolean {
    return this.hold.active(now);
  }
}

export class SlackChannel implements Channel {
  readonly name = 'slack' as const;
  /** The webhook's Retry-After hold, shared with the drain (notifier/hold.ts). */
  readonly hold = new RetryAfterHold();
  private readonly pacer: Pacer;
  constructor(private readonly config: SlackConfig, private readonly timeoutMs: number) {
    this.pacer = new Pacer(config.minIntervalMs, this.hold);
  }

  async deliver(row: OutboxRow, ctx: DeliveryContext): Promise<Outcome> {
    const deadline = Date.now() + ctx.maxWaitMs;
    for (;;) {
      // Waiting for our own pacing is not a delivery attempt: a row whose slot is too far off for
      // its lease is deferred (pending again at its slot, the attempt not counted).
      const wait = this.pacer.peek();
      if (Date.now() + wait > deadline) {
        return { kind: 'defer', reason: `slack: webhook rate limit, next slot in ${wait} ms`, retryAfterMs: wait };
      }
      const reserved = this.pacer.reserve();
      if (reserved > 0 && !(await sleep(reserved, ctx.stopping))) return { kind: 'released' };
      // A 429 that came back while we waited voids the slot: queue again behind its Retry-After.
      if (!this.pacer.held()) break;
    }
    const r = await postJson('slack', this.config.webhookUrl, slackMessage(row.payload), { timeoutMs: this.timeoutMs, abort: ctx.abort,
      secrets: slackSecrets(this.config.webhookUrl) });
    if (r.status === 429) this.pacer.pushBack(Date.now() + (r.retryAfterMs ?? 1000));
    return r.outcome;
  }
}
