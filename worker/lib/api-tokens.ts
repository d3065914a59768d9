import { API_SCOPES, type ApiScope } from '../db/schema';
import { hashToken } from './tokens';

/**
 * Personal API tokens: `blt_` + 32 random bytes as base64url (43 characters). The prefix lets
 * secret scanners (GitHub's, gitleaks) recognise a leaked token; only the SHA-256 of the whole
 * text is stored, as for mailed links (lib/tokens.ts).
 */
export const API_TOKEN_PREFIX = 'blt_';
export const API_TOKEN_RE = /^blt_[A-Za-z0-9_-]{43}$/;

/** What each scope allows (README "Use the API"); GETs need `read`, each write its own scope. */
export const SCOPE_TEXT: Record<ApiScope, string> = {
  read: 'Read: every GET, including your private reports and your account',
  report: 'Report: file reports, edit them, remove their screenshots, upvote',
  comment: 'Comment: write and remove comments',
  triage: 'Triage: move reports between states, flag them, resolve flags',
};

export function isScope(s: string): s is ApiScope {
  return (API_SCOPES as readonly string[]).includes(s);
}

/** The stored text of a scope set: known scopes, in the fixed order, space-separated. */
export function scopesText(scopes: Iterable<string>): string {
  const set = new Set(scopes);
  return API_SCOPES.filter((s) => set.has(s)).join(' ');
}

export function parseScopes(text: string): ApiScope[] {
  return text.split(' ').filter(isScope);
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A fresh token (shown once) and its hash (stored). */
export async function newApiToken(): Promise<{ token: string; hash: string }> {
  const token = API_TOKEN_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, hash: await hashToken(token) };
}

/** The token of an `Authorization: Bearer blt_…` header; null for any other value. */
export function bearerToken(header: string): string | null {
  const m = /^Bearer +(\S+)\s*$/i.exec(header);
  return m?.[1] && API_TOKEN_RE.test(m[1]) ? m[1] : null;
}
