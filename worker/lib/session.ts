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
  if (bytes.length < MIN_SECRET_BYTES) throw new WeakSecretError();
  keys.set(secret!, bytes);
  return bytes;
}

export interface SessionClaims {
  userId: number;
  version: number;
}

export async function signSession(key: Uint8Array, s: SessionClaims): Promise<string> {
  return new SignJWT({ ver: s.version })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(s.userId))
    .setIssuedAt()
    .setExpirationTime(`${SESSION_SECONDS}s`)
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .sign(key);
}

/**
 * The claims of a valid token, or null. Only HS256 is accepted (no `none`, no HS512 with the
 * same key), and issuer, audience, expiry and our own claims must all be present and right.
 */
export async function verifySession(key: Uint8Array, token: string): Promise<SessionClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub', 'ver'],
    });
    const userId = Number(payload.sub);
    const version = payload.ver;
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof version !== 'number') return null;
    return { userId, version };
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
