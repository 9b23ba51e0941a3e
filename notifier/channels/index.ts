// The configured channels; a channel that is not configured answers "not configured" (failed).
import type { NotifierConfig } from '../config.ts';
import type { Channel, ChannelName, Outcome } from '../types.ts';
import { EmailChannel } from './email.ts';
import { LogChannel } from './log.ts';
import { PagerDutyChannel } from './pagerduty.ts';
import { SlackChannel } from './slack.ts';

const HOW: Record<ChannelName, string> = {
  slack: 'set SLACK_WEBHOOK_URL',
  pagerduty: 'set PAGERDUTY_INTEGRATION_KEY',
  email: 'set SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO',
  log: '',
};

export function notConfigured(channel: string): Outcome {
  const how = HOW[channel as ChannelName];
  return { kind: 'failed', error: how ? `${channel}: not configured (${how})` : `${channel}: not configured (unknown channel)` };
}

export function buildChannels(config: NotifierConfig, logOut?: NodeJS.WritableStream): Map<ChannelName, Channel> {
  const map = new Map<ChannelName, Channel>();
  map.set('log', new LogChannel(logOut));
  if (config.slack) map.set('slack', new SlackChannel(config.slack, config.requestTimeoutMs));
  if (config.pagerduty) map.set('pagerduty', new PagerDutyChannel(config.pagerduty, config.requestTimeoutMs));
  if (config.email) map.set('email', new EmailChannel(config.email, config.requestTimeoutMs));
  return map;
}

export { SlackChannel, slackMessage } from './slack.ts';
export { PagerDutyChannel, pagerDutyEvent, dedupKey } from './pagerduty.ts';
export { EmailChannel, emailMessage } from './email.ts';
export { LogChannel } from './log.ts';
