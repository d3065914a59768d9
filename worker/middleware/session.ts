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
export function session(opts: { skip?: readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  // Paths answered the same for everyone (embeds): no cookie is read, so none can change them.
  const exact = new Set((opts.skip ?? []).filter((p) => !p.endsWith('*')));
  const prefixes = (opts.skip ?? []).filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return async function session(c, next) {
    const key = sessionKey(c.env.JWT_SECRET);
    c.set('user', null);
    if (exact.has(c.req.path) || prefixes.some((p) => c.req.path.startsWith(p))) return next();
    const token = readSessionCookie(c);
    if (token) {
      const claims = await verifySession(key, token);
      if (claims) c.set('user', (await findSessionUser(c.var.db, claims)) ?? null);
    }
    await next();
  };
}
