// The configured channels; a notifier claims only the rows of these (a channel nobody serves waits).
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

/**
 * A row of a channel this notifier does not serve (claims name only served channels, so this is a
 * safeguard): handed back untried for a minute, never failed, so a notifier configured for the
 * channel delivers it.
 */
export function notConfigured(channel: string): Outcome {
  const how = HOW[channel as ChannelName];
  return { kind: 'defer', reason: how ? `${channel}: not configured here (${how})` : `${channel}: not configured (unknown channel)`, retryAfterMs: 60_000 };
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
export { PagerDutyChannel, pagerDutyEvent } from './pagerduty.ts';
export { EmailChannel, emailMessage } from './email.ts';
export { LogChannel } from './log.ts';
