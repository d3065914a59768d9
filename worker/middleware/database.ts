import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { createDb } from '../db';
import { batchedD1 } from '../db/batching';
import { meteredD1, newD1Usage } from '../db/metered';
import type { AppEnv } from '../types';

/**
 * The browser's read-your-writes bookmark: the D1 bookmark after its last write. `__Host-` as the
 * session cookie (Secure, Path=/, no Domain), HttpOnly, SameSite=Lax.
 */
export const BOOKMARK_COOKIE = '__Host-blt_bookmark';
/**
 * How long a bookmark is kept: longer than any replica lags, and longer than the page cache keeps
 * a page (middleware/page-cache.ts), so a page cached before the write has expired by the time
 * the browser reads through the cache again.
 */
export const BOOKMARK_SECONDS = 120;
/** D1 bookmarks are hex groups joined by dashes; anything else is ignored, never passed to D1. */
const BOOKMARK_RE = /^[0-9a-f]{1,64}(?:-[0-9a-f]{1,64}){0,15}$/i;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The bookmark cookie of this request if it looks like one D1 made. */
export function bookmarkOf(cookie: string | undefined): string | undefined {
  return cookie && cookie.length <= 512 && BOOKMARK_RE.test(cookie) ? cookie : undefined;
}

/**
 * Puts a Kysely instance for this request on `c.var.db`, and what its queries cost (rows read and
 * written, D1 time) on `c.var.d1Usage` for the request's log line.
 *
 * Every request runs in its own D1 session (the Sessions API, ARCHITECTURE.md "Read replicas"):
 * with replication on, its reads may go to a nearby replica. A request without a bookmark starts
 * 'first-unconstrained' (any copy will do); one whose browser wrote recently starts at that
 * write's bookmark, so it reads a copy at least as new: whoever files a report sees it in the list.
 * After every unsafe request that succeeded (status below 400) the session's bookmark goes back in
 * the cookie, whether or not it wrote rows: a cookie only after writes would tell a sign-up or
 * password-reset form whether an address is registered (those do different writes by design).
 */
export function database(): MiddlewareHandler<AppEnv> {
  return async function database(c, next) {
    const usage = newD1Usage();
    const bookmark = bookmarkOf(getCookie(c, BOOKMARK_COOKIE));
    const session = c.env.DB.withSession(bookmark ?? 'first-unconstrained');
    c.set('d1Usage', usage);
    c.set('db', createDb(batchedD1(meteredD1(session, usage))));
    await next();
    if (SAFE.has(c.req.method) || c.res.status >= 400 || usage.queries === 0) return;
    const after = session.getBookmark();
    if (after && bookmarkOf(after)) {
      setCookie(c, BOOKMARK_COOKIE, after, {
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        path: '/',
        maxAge: BOOKMARK_SECONDS,
      });
    }
  };
}
