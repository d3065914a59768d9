import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { representationOf } from '../lib/negotiate';
import { SESSION_COOKIE } from '../lib/session';
import type { AppEnv } from '../types';
import { BOOKMARK_COOKIE } from './database';

/** How long the Worker keeps an anonymous page: a reader sees a new report at most this late. */
export const PAGE_CACHE_SECONDS = 30;

/**
 * The Workers Cache key of an anonymous page: its path and only the query parameters its route
 * reads (`params`, in a fixed order, every value), so `?utm=…` or `?x=<random>` neither splits
 * nor busts the cache.
 */
export function pageCacheKey(url: URL, params: readonly string[]): Request {
  const key = new URL(url.pathname, url.origin);
  for (const name of params) for (const value of url.searchParams.getAll(name)) key.searchParams.append(name, value);
  key.searchParams.set('__page', '1');
  return new Request(key.toString(), { method: 'GET' });
}

/**
 * Why this request may not use the shared page cache, or null when it may: it must be a plain GET
 * of the full page, and carry nothing that can make the answer personal or newer than the cache —
 * no session cookie, no read-your-writes bookmark (so a reporter sees their own report at once),
 * no Authorization header (API tokens).
 */
export function pageCacheRefusal(c: Parameters<MiddlewareHandler<AppEnv>>[0], skip?: readonly string[]): string | null {
  if (c.req.method !== 'GET') return 'method';
  if (representationOf(c) !== 'page') return 'representation';
  if (c.req.header('Authorization') !== undefined) return 'authorization';
  if (getCookie(c, SESSION_COOKIE) !== undefined) return 'session';
  if (getCookie(c, BOOKMARK_COOKIE) !== undefined) return 'bookmark';
  const query = new URL(c.req.url).searchParams;
  if (skip?.some((p) => query.has(p))) return 'parameter';
  return null;
}

/**
 * Serves anonymous full pages that are the same for everyone (the /bugs list's first page, the
 * leaderboard, stats, domain pages) from the Workers Cache for PAGE_CACHE_SECONDS, so a crowd of
 * readers costs one D1 read per page per colo and half-minute. Only the Worker's cache holds them:
 * browsers get `Cache-Control: private, no-cache` (middleware/cache.ts keeps it), so a browser
 * asks again every time and sees the next version as soon as the Worker has it.
 *
 * A page is stored only when it is a 200, set no cookie, was rendered for nobody (no user) and
 * holds no form token. Requests pageCacheRefusal() turns away never read nor write the cache.
 * `X-BLT-Cache: HIT|MISS|BYPASS` says what happened; the var `PAGE_CACHE=off` (set only by
 * `npm run bench`, to measure computed pages) makes every page BYPASS. Writes go through
 * `waitUntil`, after the response.
 */
export function pageCache(opts: {
  /** Query parameters the route reads: the only ones in the key. */
  params: readonly string[];
  /** Query parameters whose presence makes the page uncacheable (e.g. `before`: later pages). */
  skip?: readonly string[];
  maxAge?: number;
}): MiddlewareHandler<AppEnv> {
  const maxAge = opts.maxAge ?? PAGE_CACHE_SECONDS;
  if (!Number.isInteger(maxAge) || maxAge <= 0) throw new Error('pageCache: maxAge must be a positive integer');
  const params = [...opts.params];
  if ([...params, ...(opts.skip ?? [])].some((p) => !/^[a-z_]+$/.test(p))) {
    throw new Error('pageCache: params are query parameter names');
  }
  return async function pageCache(c, next) {
    if (pageCacheRefusal(c, opts.skip)) return next();
    if (c.env.PAGE_CACHE === 'off') {
      // The bench's computed pages: the cache is neither read nor written, so the body is not
      // read back either (that copy is only for storing it).
      await next();
      if (c.res.status === 200 && !c.res.headers.has('Set-Cookie') && !c.var.user) {
        c.res.headers.set('X-BLT-Cache', 'BYPASS');
      }
      return;
    }
    const key = pageCacheKey(new URL(c.req.url), params);
    const cache = caches.default;
    const cached = await cache.match(key);
    if (cached) {
      const headers = new Headers(cached.headers);
      headers.set('Vary', headers.get('X-BLT-Vary') ?? '');
      headers.delete('X-BLT-Vary');
      headers.set('X-BLT-Cache', 'HIT');
      headers.set('X-Request-Id', c.var.requestId);
      c.res = new Response(cached.body, { status: 200, headers });
      return;
    }
    await next();
    if (c.res.status !== 200 || c.res.headers.has('Set-Cookie') || c.var.user) return;
    const body = await c.res.text();
    c.res = new Response(body, c.res);
    // A form token is this browser's: a page carrying one is never shared.
    const token = c.var.formToken?.value;
    if (token && body.includes(token)) return;
    c.res.headers.set('X-BLT-Cache', 'MISS');
    const stored = new Headers(c.res.headers);
    stored.delete('X-Request-Id');
    stored.delete('X-BLT-Cache');
    stored.set('X-BLT-Vary', stored.get('Vary') ?? '');
    stored.delete('Vary');
    stored.set('Cache-Control', `public, max-age=${maxAge}`);
    c.executionCtx.waitUntil(cache.put(key, new Response(body, { status: 200, headers: stored })));
  };
}

/** The pages served from the page cache, with the query parameters each reads (app.tsx). */
export const CACHED_PAGES = {
  '/bugs': { params: ['label', 'severity', 'status', 'domain', 'q', 'limit'], skip: ['before'] },
  '/leaderboard': { params: ['month', 'limit', 'after'] },
  '/stats': { params: [] },
  '/domains/:hostname': { params: [] },
} as const satisfies Record<string, { params: readonly string[]; skip?: readonly string[] }>;
