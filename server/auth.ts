// Bearer tokens, PostgREST style: HS256 JWTs whose `role` claim names the database role the
// request runs as (sms_monitor_admin, sms_monitor_reader or sms_monitor_self) and, for self,
// `sub` = the user's uuid. The server only checks the signature, the expiry and that the role is
// one of the three; what the role may do is decided by the database (grants, 42501).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { repoRoot } from '../client/paths.ts';
import { parseDuration } from '../client/duration.ts';
import { isUuid } from '../client/validate.ts';

export const TOKEN_ROLES = ['sms_monitor_admin', 'sms_monitor_reader', 'sms_monitor_self'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];
/** The short names the `token` command accepts. */
export const ROLE_NAMES: Record<string, TokenRole> = {
  admin: 'sms_monitor_admin', reader: 'sms_monitor_reader', self: 'sms_monitor_self',
};
/** HS256 wants a key at least as long as the hash: 32 bytes. */
export const MIN_SECRET_LENGTH = 32;

export interface Claims extends JWTPayload {
  role: TokenRole;
  sub?: string;
}

export class AuthError extends Error {}

/** Where `npm start` keeps the embedded setup's secret (mode 600). */
export const DEV_SECRET_FILE = path.join(repoRoot, '.sms-monitor', 'dev', 'jwt-secret');

/** SMS_MONITOR_JWT_SECRET, else the embedded setup's secret file; an error saying which is missing. */
export function resolveJwtSecret(env: NodeJS.ProcessEnv = process.env): string {
  let secret = env.SMS_MONITOR_JWT_SECRET;
  if (!secret) {
    try {
      secret = readFileSync(DEV_SECRET_FILE, 'utf8').trim();
    } catch {
      throw new Error('SMS_MONITOR_JWT_SECRET: is not set (and there is no .sms-monitor/dev/jwt-secret from `npm start`)');
    }
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`SMS_MONITOR_JWT_SECRET: must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`);
  }
  return secret;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs a token: role, sub (required for self), expiry in seconds from now. */
export async function signToken(secret: string, options: { role: TokenRole; sub?: string; ttlSeconds: number; now?: Date }): Promise<string> {
  if (!TOKEN_ROLES.includes(options.role)) throw new Error(`role: must be one of ${TOKEN_ROLES.join(', ')}`);
  if (options.role === 'sms_monitor_self' && !(options.sub && isUuid(options.sub))) {
    throw new Error('user: a self token needs the user\'s uuid (--user)');
  }
  if (options.sub !== undefined && !isUuid(options.sub)) throw new Error('user: must be a uuid');
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 1 || options.ttlSeconds > 366 * 86400) {
    throw new Error('ttl: must be between 1 second and 366 days');
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const jwt = new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.ttlSeconds);
  if (options.sub) jwt.setSubject(options.sub);
  return jwt.sign(key(secret));
}

/**
 * Verifies a bearer token; AuthError (401) with a reason safe to show for anything wrong. A token
 * whose exp lies more than maxTtlSeconds ahead (SMS_MONITOR_MAX_TOKEN_TTL) is refused too.
 */
export async function verifyToken(secret: string, token: string, options: { maxTtlSeconds?: number; now?: Date } = {}): Promise<Claims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key(secret), { algorithms: ['HS256'] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new AuthError('token: expired');
    if (error instanceof joseErrors.JOSEAlgNotAllowed) throw new AuthError('token: must be signed with HS256');
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new AuthError('token: bad signature');
    throw new AuthError('token: not a valid signed JWT');
  }
  const role = payload.role;
  if (typeof role !== 'string' || !(TOKEN_ROLES as readonly string[]).includes(role)) {
    throw new AuthError(`token: the role claim must be one of ${TOKEN_ROLES.join(', ')}`);
  }
  if (payload.exp === undefined) throw new AuthError('token: has no expiry (exp)');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (options.maxTtlSeconds !== undefined && payload.exp - now > options.maxTtlSeconds) {
    throw new AuthError(`token: expires more than ${options.maxTtlSeconds} s ahead (the limit SMS_MONITOR_MAX_TOKEN_TTL sets)`);
  }
  return payload as Claims;
}

/** The token from `Authorization: Bearer <token>`, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/** A short name for the request's token (a hash: the token itself is kept nowhere), '' without one. */
export function tokenKey(header: string | undefined): string {
  const token = bearerToken(header);
  return token ? createHash('sha256').update(token).digest('base64url').slice(0, 22) : '';
}

/** A token lifetime ("12h", "30m", "7d", "1h30m": the one duration grammar, client/duration.ts) in whole seconds. */
export function parseTtl(text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms < 1000) throw new Error(`ttl: "${text}" is not a duration of at least a second (e.g. 12h, 30m, 7d)`);
  return Math.floor(ms / 1000);
}
