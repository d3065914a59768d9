/**
 * Password hashing with WebCrypto PBKDF2-SHA256. 100,000 iterations is the most the deployed
 * Workers runtime allows (wrangler dev accepts more, production then fails), so it is fixed here.
 * Stored as `pbkdf2-sha256$iterations$salt$hash` (base64) so parameters can change later.
 */
export const PBKDF2_ITERATIONS = 100_000;
const HASH_BYTES = 32;
const SALT_BYTES = 16;

const enc = new TextEncoder();

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function derive(password: string, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', enc.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, bytes * 8);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS, HASH_BYTES);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64(salt)}$${b64(hash)}`;
}

/** Compares without an early exit, so timing does not reveal how much of a hash matched. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** A well-formed hash of a random password: checking against it costs what a real check costs. */
const DUMMY_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64(new Uint8Array(SALT_BYTES))}$${b64(new Uint8Array(HASH_BYTES))}`;

/**
 * True when `password` matches `stored`. With `stored` undefined (unknown user) it still runs
 * one full hash and answers false, so response time does not reveal which usernames exist.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parts = (stored ?? DUMMY_HASH).split('$');
  const [scheme, iter, saltB64, hashB64] = parts;
  const iterations = Number(iter);
  if (parts.length !== 4 || scheme !== 'pbkdf2-sha256' || !saltB64 || !hashB64 || !Number.isInteger(iterations)) {
    await derive(password, new Uint8Array(SALT_BYTES), PBKDF2_ITERATIONS, HASH_BYTES);
    return false;
  }
  const expected = unb64(hashB64);
  const actual = await derive(password, unb64(saltB64), Math.min(iterations, PBKDF2_ITERATIONS), expected.length);
  return constantTimeEqual(actual, expected) && stored !== undefined;
}
