// The webhooks' settings, read once from the environment. Each provider's route answers 503
// until its secret is set; the secrets are never logged.
export interface WebhookConfig {
  /** Origin (and path prefix, if a proxy adds one) the providers call, e.g. https://monitor.example.com. */
  publicUrl?: string;
  /** Twilio's Auth Token: the HMAC key of X-Twilio-Signature. */
  twilioAuthToken?: string;
  /** Telnyx's public key (base64 of the 32-byte ed25519 key, from Mission Control). */
  telnyxPublicKey?: string;
  /** How far telnyx-timestamp may be from the server clock, in seconds (default 300). */
  telnyxToleranceSeconds: number;
}

export function webhookConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const publicUrl = env.SMS_MONITOR_PUBLIC_URL?.trim() || undefined;
  if (publicUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(publicUrl);
    } catch {
      throw new Error('SMS_MONITOR_PUBLIC_URL: must be an absolute http(s) URL, e.g. https://monitor.example.com');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new Error('SMS_MONITOR_PUBLIC_URL: must be an http(s) URL');
    }
    if (parsed.search || parsed.hash) throw new Error('SMS_MONITOR_PUBLIC_URL: must not have a query or a fragment');
  }
  const tolerance = env.TELNYX_TIMESTAMP_TOLERANCE?.trim();
  const toleranceSeconds = tolerance ? Number(tolerance) : 300;
  if (!Number.isInteger(toleranceSeconds) || toleranceSeconds < 1 || toleranceSeconds > 3600) {
    throw new Error('TELNYX_TIMESTAMP_TOLERANCE: must be whole seconds from 1 to 3600');
  }
  return {
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    twilioAuthToken: env.TWILIO_AUTH_TOKEN || undefined,
    telnyxPublicKey: env.TELNYX_PUBLIC_KEY || undefined,
    telnyxToleranceSeconds: toleranceSeconds,
  };
}
