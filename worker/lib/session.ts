import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { jwtVerify, SignJWT } from 'jose';

/** `__Host-` makes the browser insist on Secure, Path=/ and no Domain: no subdomain can set it. */
export const SESSION_COOKIE = '__Host-blt_session';
export const SESSION_ISSUER = 'blt-next';
export const SESSION_AUDIENCE = 'blt-next:session';
export const SESSION_SECONDS = 7 * 24 * 60 * 60;
const MIN_SECRET_BYTES = 32;

export class WeakSecretError extends Error {
  constructor() {
    super(`JWT_SECRET is missing or shorter than ${MIN_SECRET_BYTES} bytes; refusing to sign or verify sessions`);
  }
}

const keys = new Map<string, Uint8Array>();
/** The HMAC key from JWT_SECRET; throws rather than sign with a weak or missing key. */
export function sessionKey(secret: string | undefined): Uint8Array {
  const cached = secret ? keys.get(secret) : undefined;
  if (cached) return cached;
  const bytes = new TextEncoder().encode(secret ?? '');
  if (!secret || bytes.length < MIN_SECRET_BYTES) throw new WeakSecretError();
  keys.set(secret, bytes);
  return bytes;
}

export interface SessionClaims {
  userId: number;
  version: number;
  /** users.session_key: binds the token to this account, not to whoever holds its id later. */
  sessionKey: string;
}

/** A fresh users.session_key: 128 random bits as hex. */
export function newSessionKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Clock skew allowed between the Worker that signed a token and the one verifying it. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** users.id as written by signSession, and nothing else ("04", "4e0", " 4", "0x4" are not ids). */
const CANONICAL_ID = /^[1-9][0-9]{0,14}$/;
const SESSION_KEY_RE = /^[0-9a-f]{32}$/;

export async function signSession(key: Uint8Array, s: SessionClaims): Promise<string> {
  return new SignJWT({ ver: s.version, sk: s.sessionKey })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(s.userId))
    .setIssuedAt()
    .setExpirationTime(`${SESSION_SECONDS}s`)
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .sign(key);
}

/** How many verified tokens one isolate remembers (each about 300 bytes). */
const VERIFIED_MAX = 1000;

/**
 * Tokens this isolate has verified, per key: their claims and the seconds they were issued and
 * expire. A token is a signed, immutable string, so once its signature and claims have passed they
 * stay passed; only time can end it, and verifySession checks that again on every use. jose's
 * verification (key import, HMAC, base64, JSON) was about 0.35 ms of a signed-in page's 10 ms of
 * Worker CPU (ARCHITECTURE.md "One round trip per page"). Revocation is not here: it is the session check's
 * job (users.session_version and session_key, middleware/session.ts), and it still runs.
 */
const verified = new WeakMap<Uint8Array, Map<string, { claims: SessionClaims; iat: number; exp: number }>>();

/** Whether a token issued at `iat` and expiring at `exp` may still be used at `now` (seconds). */
function current(iat: number, exp: number, now: number): boolean {
  return now < exp + CLOCK_TOLERANCE_SECONDS && now <= iat + SESSION_SECONDS + CLOCK_TOLERANCE_SECONDS;
}

/**
 * The claims of a valid token, or null. Only HS256 is accepted (no `none`, no HS512 with the
 * same key), and issuer, audience, expiry and our own claims must all be present and right:
 * `sub` a canonical id, `iat` not in the future and at most a session old (jose maxTokenAge),
 * `exp` no later than a session after `iat`, `ver` a positive integer, `sk` a session key.
 * A token this isolate already verified with this key is only checked for its age again.
 */
export async function verifySession(key: Uint8Array, token: string): Promise<SessionClaims | null> {
  let known = verified.get(key);
  const seen = known?.get(token);
  if (seen) {
    if (current(seen.iat, seen.exp, Math.floor(Date.now() / 1000))) return { ...seen.claims };
    known?.delete(token);
    return null;
  }
  const claims = await verifyFully(key, token);
  if (claims) {
    if (!known) {
      known = new Map();
      verified.set(key, known);
    }
    known.set(token, { claims: claims.claims, iat: claims.iat, exp: claims.exp });
    if (known.size > VERIFIED_MAX) {
      const oldest = known.keys().next().value;
      if (oldest !== undefined) known.delete(oldest);
    }
  }
  return claims ? { ...claims.claims } : null;
}

async function verifyFully(
  key: Uint8Array,
  token: string,
): Promise<{ claims: SessionClaims; iat: number; exp: number } | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub', 'ver', 'sk'],
      maxTokenAge: SESSION_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const { sub, ver, sk, iat, exp } = payload;
    if (typeof sub !== 'string' || !CANONICAL_ID.test(sub)) return null;
    if (typeof ver !== 'number' || !Number.isSafeInteger(ver) || ver < 1) return null;
    if (typeof sk !== 'string' || !SESSION_KEY_RE.test(sk)) return null;
    if (iat === undefined || exp === undefined || exp - iat > SESSION_SECONDS) return null;
    return { claims: { userId: Number(sub), version: ver, sessionKey: sk }, iat, exp };
  } catch {
    return null;
  }
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

export function writeSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: SESSION_SECONDS,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
}
