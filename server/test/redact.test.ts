// The request log's URL redaction: credential-like query values go, the rest stays as sent.
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../redact.ts';

describe('redactUrl', () => {
  it('blanks tokens, keys, secrets and webhook signatures; keeps other values and the path', () => {
    expect(redactUrl('/webhooks/vonage/receipt?messageId=V1&status=delivered&api-key=abcd1234&sig=0a1b2c&timestamp=1764900000'))
      .toBe('/webhooks/vonage/receipt?messageId=V1&status=delivered&api-key=[redacted]&sig=[redacted]&timestamp=1764900000');
    expect(redactUrl('/api/sms/metrics/summary?token=abc&access_token=def&password=x&signature=y&days=7'))
      .toBe('/api/sms/metrics/summary?token=[redacted]&access_token=[redacted]&password=[redacted]&signature=[redacted]&days=7');
    // a name that merely contains "sig" is not a signature
    expect(redactUrl('/x?design=a&sigma=2')).toBe('/x?design=a&sigma=2');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});
