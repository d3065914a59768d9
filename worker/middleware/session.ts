import type { MiddlewareHandler } from 'hono';
import { findSessionUser } from '../db/users';
import { readSessionCookie, sessionKey, verifySession } from '../lib/session';
import type { AppEnv } from '../types';

/**
 * Sets `c.var.user` from the session cookie. A token that fails verification, whose `ver`
 * no longer matches users.session_version (logged out everywhere), or whose `sk` is not the
 * account's session_key (the account was deleted and its id reused), simply means signed out.
 * Without a strong JWT_SECRET it throws, and onError answers 500 with a log line saying so.
 */
export function session(): MiddlewareHandler<AppEnv> {
  return async function session(c, next) {
    const key = sessionKey(c.env.JWT_SECRET);
    // With an API token the token decides (middleware/api-token.ts); the cookie is never read.
    if (c.req.header('Authorization') !== undefined) return next();
    c.set('user', null);
    const token = readSessionCookie(c);
    if (token) {
      const claims = await verifySession(key, token);
      if (claims) c.set('user', (await findSessionUser(c.var.db, claims)) ?? null);
    }
    await next();
  };
}
