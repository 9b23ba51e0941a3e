// What the server writes to its log about a request URL: query values that may be credentials
// (a token sent as ?token=..., access_token, key, secret, password, a webhook's signature such as
// Vonage's sig) and anything shaped like a JWT are replaced by [redacted]. Tokens belong in the
// Authorization header, which is never logged.
const SECRET_NAME = /token|key|secret|passw|auth|jwt|signature|^sig$/i;
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(JWT, '[redacted]');
  if (q < 0) return path;
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0) return pair.replace(JWT, '[redacted]');
    let decoded = name;
    try { decoded = decodeURIComponent(name); } catch { /* keep the raw name */ }
    return SECRET_NAME.test(decoded) ? `${name}=[redacted]` : pair.replace(JWT, '[redacted]');
  }).join('&');
  return `${path}?${query}`;
}
