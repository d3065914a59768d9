import type { Context } from 'hono';
import { accepts } from 'hono/accepts';

/** The three ways one URL answers (ARCHITECTURE.md "One URL, several representations"). */
export type Representation = 'page' | 'fragment' | 'json';

/** Every header that changes the answer; caches must key on all of them. */
export const VARY = 'HX-Request, HX-Request-Type, HX-History-Restore-Request, Accept, Authorization';

/**
 * Decides how to answer from the request alone, and says so in `Vary`.
 * htmx 4 marks history restores and body-targeted swaps; those need the full page.
 */
export function representation(c: Context): Representation {
  c.header('Vary', VARY);
  return representationOf(c);
}

/** The same decision without touching the response (for the request log line). */
export function representationOf(c: Context): Representation {
  // API-token clients always get JSON, errors included (middleware/api-token.ts).
  if (c.req.header('Authorization') !== undefined) return 'json';
  if (
    c.req.header('HX-Request') === 'true' &&
    c.req.header('HX-History-Restore-Request') !== 'true' &&
    c.req.header('HX-Request-Type') !== 'full'
  ) {
    return 'fragment';
  }
  return prefersJson(c) ? 'json' : 'page';
}

/**
 * True when the client's Accept header, q-values honoured (hono/accepts), ranks JSON above HTML:
 * `application/json;q=0, text/html` and a bare wildcard (star/star) are HTML, JSON alone (or `application/*`) is JSON.
 * Equal q-values keep the client's order (the first listed wins), and no Accept, or one naming
 * neither, is the page: browsers never ask for JSON first.
 */
export function prefersJson(c: Context): boolean {
  return (
    accepts(c, { header: 'Accept', supports: ['text/html', 'application/json'], default: 'text/html' }) ===
    'application/json'
  );
}

/** Same-origin relative paths only: "/bugs?x" yes; "//evil", "https://…", "/\\evil" no. */
export function safeNextPath(next: string | undefined | null): string | null {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return null;
  // Control characters (tab, newline…) are dropped by URL parsers and can turn "/\t/x" into "//x".
  for (const ch of next) if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) return null;
  return next;
}

/**
 * A path safe to put in a header (Location, HX-Redirect): every byte outside printable ASCII is
 * percent-encoded as UTF-8, so `/日本` leaves as `/%E6%97%A5%E6%9C%AC`. Existing escapes stay.
 */
export function headerSafePath(path: string): string {
  const bytes = (ch: string) =>
    [...new TextEncoder().encode(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return path.replace(/[^\x21-\x7e]/gu, bytes);
}
