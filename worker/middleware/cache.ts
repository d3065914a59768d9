import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';

/**
 * Keeps shared caches (CDNs, proxies, the browser's back/forward cache across accounts) from
 * storing anything that depends on the session: every Worker page and fragment renders the
 * header with the signed-in user, and JSON may hold private reports. So every response except
 * on `sessionFree` paths (exact paths, or prefixes ending in `*`) gets
 * `Cache-Control: private, no-store` and `Cookie` in `Vary`, errors included. The session
 * middleware skips the same paths, so those responses are the same for everyone and keep the
 * public caching their own middleware or route chose (publicFragment, /embed/*).
 */
export function personalResponses(opts: { sessionFree: readonly string[] }): MiddlewareHandler<AppEnv> {
  if (opts.sessionFree.some((p) => !p.startsWith('/'))) throw new Error('personalResponses: paths start with /');
  const exact = new Set(opts.sessionFree.filter((p) => !p.endsWith('*')));
  const prefixes = opts.sessionFree.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return async function personalResponses(c, next) {
    await next();
    const path = c.req.path;
    if (exact.has(path) || prefixes.some((p) => path.startsWith(p))) return;
    c.res.headers.set('Cache-Control', 'private, no-store');
    const vary = c.res.headers.get('Vary');
    if (!vary?.split(',').some((v) => v.trim().toLowerCase() === 'cookie')) {
      c.res.headers.set('Vary', vary ? `${vary}, Cookie` : 'Cookie');
    }
  };
}
