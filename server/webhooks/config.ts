// The webhooks' settings, read once from the environment. Each provider's route answers 503
// until its secret is set; the secrets are never logged.
import {
  VONAGE_DEFAULT_METHOD, VONAGE_DEFAULT_TOLERANCE_SECONDS, VONAGE_SIGNATURE_METHODS, type VonageSignatureMethod,
} from './vonage.ts';

export interface WebhookConfig {
  /** Origin (and path prefix, if a proxy adds one) the providers call, e.g. https://monitor.example.com. */
  publicUrl?: string;
  /** Twilio's Auth Token: the HMAC key of X-Twilio-Signature. */
  twilioAuthToken?: string;
  /** Telnyx's public key (base64 of the 32-byte ed25519 key, from Mission Control). */
  telnyxPublicKey?: string;
  /** How far telnyx-timestamp may be from the server clock, in seconds (default 300). */
  telnyxToleranceSeconds: number;
  /** Vonage's signature secret (Dashboard, API settings): the key of the SMS API's `sig`. */
  vonageSignatureSecret?: string;
  /** The signature method chosen beside that secret (default: Vonage's own, md5hash). */
  vonageSignatureMethod?: VonageSignatureMethod;
  /** How far a Vonage receipt's `timestamp` may be from the server clock, in seconds (default 300). */
  vonageToleranceSeconds?: number;
}

/** Whole seconds from 1 to 3600 in `value` (the variable `name`), or `fallback` when it is unset. */
function toleranceFrom(name: string, value: string | undefined, fallback: number): number {
  const text = value?.trim();
  const seconds = text ? Number(text) : fallback;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new Error(`${name}: must be whole seconds from 1 to 3600`);
  }
  return seconds;
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
  const method = (env.VONAGE_SIGNATURE_METHOD?.trim() || VONAGE_DEFAULT_METHOD).toLowerCase();
  if (!(VONAGE_SIGNATURE_METHODS as readonly string[]).includes(method)) {
    throw new Error(`VONAGE_SIGNATURE_METHOD: must be one of ${VONAGE_SIGNATURE_METHODS.join(', ')}`);
  }
  return {
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    twilioAuthToken: env.TWILIO_AUTH_TOKEN || undefined,
    telnyxPublicKey: env.TELNYX_PUBLIC_KEY || undefined,
    telnyxToleranceSeconds: toleranceFrom('TELNYX_TIMESTAMP_TOLERANCE', env.TELNYX_TIMESTAMP_TOLERANCE, 300),
    vonageSignatureSecret: env.VONAGE_SIGNATURE_SECRET || undefined,
    vonageSignatureMethod: method as VonageSignatureMethod,
    vonageToleranceSeconds: toleranceFrom('VONAGE_TIMESTAMP_TOLERANCE', env.VONAGE_TIMESTAMP_TOLERANCE,
      VONAGE_DEFAULT_TOLERANCE_SECONDS),
  };
}
