import type { MiddlewareHandler } from 'hono';
import { findSessionUser, sessionUserQuery } from '../db/users';
import { clearSessionCookie, readSessionCookie, type SessionClaims, sessionKey, verifySession } from '../lib/session';
import type { AppEnv, SessionUser } from '../types';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** How many signed-in users one isolate remembers between requests (about 100 bytes each). */
const REMEMBERED_MAX = 1000;

/**
 * The account row each live session last proved, per isolate, keyed on the whole claim set
 * (id, session_version, session_key): a logout, password change or new account changes the key.
 * It only lets a safe request start before the check comes back; it never stands in for the check.
 */
const remembered = new Map<string, SessionUser>();

function claimKey(claims: SessionClaims): string {
  return `${claims.userId}.${claims.version}.${claims.sessionKey}`;
}

function remember(key: string, user: SessionUser) {
  remembered.delete(key);
  remembered.set(key, { ...user });
  if (remembered.size > REMEMBERED_MAX) {
    const oldest = remembered.keys().next().value;
    if (oldest !== undefined) remembered.delete(oldest);
  }
}

/** Forgets every session of one account this isolate remembers. */
function forgetAccount(id: number) {
  for (const [key, user] of remembered) if (user.id === id) remembered.delete(key);
}

/** Whether a page built for `assumed` is right for the account as D1 has it now. */
function sameAccount(assumed: SessionUser, now: SessionUser): boolean {
  return assumed.id === now.id && assumed.username === now.username && assumed.role === now.role;
}

/**
 * Sets `c.var.user` from the session cookie. A token that fails verification, whose `ver`
 * no longer matches users.session_version (logged out everywhere), or whose `sk` is not the
 * account's session_key (the account was deleted and its id reused), simply means signed out.
 * Without a strong JWT_SECRET it throws, and onError answers 500 with a log line saying so.
 *
 * The check is a D1 read, and a D1 round trip costs about as much as the rest of a page
 * (ARCHITECTURE.md "One round trip per page"). So a safe request (GET, HEAD, OPTIONS) whose
 * session this isolate has seen pass starts its handler at once with that account, and the check
 * goes to D1 in the same batch as the handler's first reads (db/batching.ts). The answer waits
 * for the check: if the session no longer holds, or the account's name or role changed, the page
 * is thrown away unsent and the browser is sent back to the same URL (303) to ask again, now
 * checked first (and signed out if the session is gone). Unsafe requests always wait for the
 * check before their handler runs: nothing is written for a session that might not hold. After a
 * signed-in write the isolate forgets that account, so its own logout or password change is
 * checked first on the next request, not answered with a 303.
 */
export function session(): MiddlewareHandler<AppEnv> {
  return async function session(c, next) {
    const key = sessionKey(c.env.JWT_SECRET);
    // With an API token the token decides (middleware/api-token.ts); the cookie is never read.
    if (c.req.header('Authorization') !== undefined) return next();
    c.set('user', null);
    const token = readSessionCookie(c);
    const claims = token ? await verifySession(key, token) : null;
    if (!claims) return next();

    const known = claimKey(claims);
    const assumed = SAFE.has(c.req.method) ? remembered.get(known) : undefined;
    if (!assumed) {
      const user = (await findSessionUser(c.var.db, claims)) ?? null;
      c.set('user', user);
      if (!user) {
        remembered.delete(known);
        return next();
      }
      if (SAFE.has(c.req.method)) {
        remember(known, user);
        return next();
      }
      // A signed-in write may end sessions or change the account (log out, password, delete):
      // this isolate checks that account's next requests first again.
      forgetAccount(user.id);
      await next();
      forgetAccount(user.id);
      return;
    }

    // A copy per request: the check refreshes its counts (points, unread) in place when it
    // answers, which is before the handler's own reads from the same batch come back (DB.first).
    const user: SessionUser = { ...assumed };
    c.set('user', user);
    const check = c.var.db.first(sessionUserQuery(c.var.db, claims)).then((now) => {
      if (now && sameAccount(user, now)) Object.assign(user, now);
      return now;
    });
    // If the handler throws, its error is what onError answers; the check must not be unhandled.
    check.catch(() => {});
    await next();
    const now = await check;
    if (now && sameAccount(assumed, now)) {
      remember(known, now);
      return;
    }
    remembered.delete(known);
    c.res = undefined; // drop the page built for an account that no longer holds, headers and all
    c.res = new Response(null, { status: 303, headers: { Location: c.req.url, 'Cache-Control': 'no-store' } });
    if (!now) clearSessionCookie(c);
  };
}
