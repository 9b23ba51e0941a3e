// E-mail over SMTP with nodemailer. SMTP replies 5xx are permanent, 4xx and connection problems
// temporary. Every stage of the conversation (connect, greeting, each reply) has a timeout of 40 %
// of the request timeout, so a stalled server makes nodemailer itself give up and close the
// connection; the whole conversation is bounded by the request timeout (a backstop: a server that
// answers every stage in time but too slowly overall is left to finish, and may send a duplicate).
import nodemailer from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { eventLabel, eventTime, facts, headline, unreachedText } from '../format.ts';
import type { Channel, DeliveryContext, NotificationPayload, OutboxRow, Outcome } from '../types.ts';
import type { EmailConfig } from '../config.ts';
import { RetryAfterHold } from '../hold.ts';

export function emailMessage(p: NotificationPayload): { subject: string; text: string } {
  const subject = `[sms-monitor] ${headline(p)}`.slice(0, 250);
  const width = Math.max(...facts(p).map(([k]) => k.length));
  const lines = [
    `${eventLabel(p)}: ${p.alert_type} (${p.severity})${eventTime(p) ? ` at ${eventTime(p)}` : ''}`,
    '',
    ...(p.event === 'resolve' && p.unreached ? [`It ${unreachedText(p, 'e-mail')}; nothing was sent while it was open.`, ''] : []),
    ...(p.message ? [p.message, ''] : []),
    ...facts(p).map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    ...(p.description ? ['', p.description] : []),
    '',
    '-- sms-monitor notifier',
  ];
  return { subject, text: lines.join('\n') };
}

export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  readonly hold = new RetryAfterHold();
  private readonly transport: nodemailer.Transporter<SMTPTransport.SentMessageInfo>;
  constructor(private readonly config: EmailConfig, private readonly timeoutMs: number) {
    const stageMs = Math.max(1, Math.floor(timeoutMs * 0.4));
    // The SMTP transport is built directly: nodemailer.createTransport({ url, ... }) keeps only what
    // the URL says and silently drops every other option (the timeouts among them).
    this.transport = nodemailer.createTransport(new SMTPTransport({
      url: config.smtpUrl,
      connectionTimeout: stageMs,
      greetingTimeout: stageMs,
      socketTimeout: stageMs,
      dnsTimeout: stageMs,
      logger: false,
      debug: false,
    } as SMTPTransport.Options));
  }

  async deliver(row: OutboxRow, ctx: DeliveryContext): Promise<Outcome> {
    const { subject, text } = emailMessage(row.payload);
    let timer: NodeJS.Timeout | undefined;
    const overall = new Promise<Outcome>((resolve) => {
      // nodemailer's per-stage timeouts (shorter) bound each step; this bounds the whole conversation.
      timer = setTimeout(() => resolve({ kind: 'retry', error: `email: no answer within ${this.timeoutMs} ms (timed out)` }), this.timeoutMs);
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<Outcome>((resolve) => {
      onAbort = () => resolve({ kind: 'retry', error: 'email: aborted (notifier shutting down)' });
      ctx.abort.addEventListener('abort', onAbort, { once: true });
    });
    const send = this.transport.sendMail({
      from: this.config.from,
      to: this.config.to,
      subject,
      text,
      headers: {
        ...(row.payload.dedup_key ? { 'X-SMS-Monitor-Dedup-Key': row.payload.dedup_key } : {}),
        'X-SMS-Monitor-Event': row.payload.event,
      },
    }).then((info): Outcome => ({ kind: 'sent', detail: info.response ?? '' }), (error: unknown) => classifySmtpError(error));
    try {
      return await Promise.race([send, overall, aborted]);
    } finally {
      clearTimeout(timer);
      // ctx.abort is the notifier's one shutdown signal: do not leave a listener per e-mail on it.
      if (onAbort) ctx.abort.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

export function classifySmtpError(error: unknown): Outcome {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const text = (e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 500);
  if (typeof e.responseCode === 'number') {
    const msg = `email: SMTP ${e.responseCode}: ${text}`;
    return e.responseCode >= 500 ? { kind: 'failed', error: msg } : { kind: 'retry', error: msg };
  }
  if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { kind: 'failed', error: `email: ${e.code}: ${text}` };
  return { kind: 'retry', error: `email: ${e.code ?? 'error'}: ${text}` };
}
