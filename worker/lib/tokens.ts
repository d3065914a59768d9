/**
 * Tokens for mailed links: 32 random bytes, sent as base64url, stored only as the SHA-256 of
 * that text (hex). The database alone cannot be turned back into a working link.
 */
export const TOKEN_BYTES = 32;

/** What a link token looks like on the way in: 32 bytes as base64url (43 characters). */
export const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The SHA-256 of a token as lower-case hex: the only form the database sees. */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A fresh token and its hash. */
export async function newToken(): Promise<{ token: string; hash: string }> {
  const token = base64url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
  return { token, hash: await hashToken(token) };
}
