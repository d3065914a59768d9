import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../types';

/**
 * Keeps shared caches (CDNs, proxies, the browser's back/forward cache across accounts) from
 * storing anything that depends on the session: every Worker page and fragment renders the
 * header with the signed-in user, and JSON may hold private reports. So every response it runs
 * on gets `Cache-Control: private, no-store` and `Cookie` in `Vary`, errors included. app.tsx
 * runs it, like the session middleware, on every path except SESSION_FREE, whose responses are
 * the same for everyone and keep the public caching their own middleware or route chose
 * (publicFragment, /embed/*).
 */
export function personalResponses(): MiddlewareHandler<AppEnv> {
  return async function personalResponses(c, next) {
    await next();
    // An anonymous page the page cache serves (middleware/page-cache.ts) is the same for everyone:
    // the browser may keep it but must ask again each time; everything else is never stored.
    const shared = ['HIT', 'MISS', 'BYPASS'].includes(c.res.headers.get('X-BLT-Cache') ?? '');
    c.res.headers.set('Cache-Control', shared ? 'private, no-cache' : 'private, no-store');
    const vary = c.res.headers.get('Vary');
    if (!vary?.split(',').some((v) => v.trim().toLowerCase() === 'cookie')) {
      c.res.headers.set('Vary', vary ? `${vary}, Cookie` : 'Cookie');
    }
  };
}
