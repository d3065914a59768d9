import type { Context, MiddlewareHandler, Next } from 'hono';
import { cors } from 'hono/cors';
import { representation } from '../lib/negotiate';
import type { AppEnv } from '../types';

/** htmx 4's request headers, which a cross-origin hx-get sends and the preflight must allow. */
export const HTMX_REQUEST_HEADERS = [
  'HX-Request',
  'HX-Request-Type',
  'HX-Source',
  'HX-Target',
  'HX-Current-URL',
  'HX-Boosted',
  'HX-History-Restore-Request',
];

async function etagOf(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
  return `"${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
}

/**
 * The Cache API key of an embeddable answer: its path, the parameters that change it (in a fixed
 * order, every value), and the representation. Anything else in the query string is ignored, so
 * `?fresh=<random>` cannot make each request miss the cache and cost a D1 query.
 */
export function embedCacheKey(url: URL, rep: 'fragment' | 'json' | 'asset', params: readonly string[]): Request {
  const key = new URL(url.pathname, url.origin);
  for (const name of params) for (const value of url.searchParams.getAll(name)) key.searchParams.append(name, value);
  key.searchParams.set('__representation', rep);
  return new Request(key.toString(), { method: 'GET' });
}

/** How long an embeddable answer (fragment, iframe widget) may be cached anywhere: fresh enough, cheap. */
export const EMBED_MAX_AGE_SECONDS = 60;

/**
 * For fragments and JSON other sites embed (leaderboard, stats): open CORS without credentials,
 * a preflight that allows htmx's headers, `Cache-Control: public` with an ETag (304 when it
 * matches), and answers from the Workers Cache API while fresh so a popular embed costs no D1
 * query. The cache key holds only `params`, the query parameters the route reads (see
 * embedCacheKey). `X-BLT-Cache: HIT|MISS` says which happened; with the var `EMBED_CACHE=off`
 * (set only by `npm run bench`, to measure computed answers) it is `BYPASS` and nothing is cached. Full pages pass through untouched: they
 * carry the signed-in header. The session middleware skips these paths, so no cookie can
 * change the bytes and no Set-Cookie is ever sent.
 */
export function publicFragment(opts: {
  maxAge?: number;
  params: readonly string[];
  /** The answer is one file (e.g. an SVG badge), the same whatever the request accepts: always cached. */
  asset?: boolean;
}): MiddlewareHandler<AppEnv> {
  const maxAge = opts.maxAge ?? EMBED_MAX_AGE_SECONDS;
  if (!Number.isInteger(maxAge) || maxAge <= 0) throw new Error('publicFragment: maxAge must be a positive integer');
  const params = [...opts.params];
  if (params.some((p) => !/^[a-z_]+$/.test(p))) throw new Error('publicFragment: params are query parameter names');
  // Open CORS without credentials (hono/cors): any page may read these, no cookie is involved.
  const openCors = cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'OPTIONS'],
    allowHeaders: [...HTMX_REQUEST_HEADERS, 'Accept', 'If-None-Match'],
    exposeHeaders: ['ETag', 'X-BLT-Cache'],
    maxAge: 86400,
  });
  return async function publicFragment(c, next) {
    // The preflight is answered by cors() itself; every other answer gets its headers on the way.
    return openCors(c, () => cachedFragment(c, next));
  };

  async function cachedFragment(c: Context<AppEnv>, next: Next): Promise<void> {
    const rep = opts.asset ? 'asset' : representation(c);
    if (rep === 'page' || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return next();

    const key = embedCacheKey(new URL(c.req.url), rep, params);
    const bypass = c.env.EMBED_CACHE === 'off';
    const cache = caches.default;
    // Text, not an ArrayBuffer: workerd may detach a buffer once it has been used as a body.
    let body: string;
    let headers: Headers;
    let state: 'HIT' | 'MISS' | 'BYPASS';
    const cached = bypass ? undefined : await cache.match(key);
    if (cached) {
      state = 'HIT';
      body = await cached.text();
      headers = new Headers(cached.headers);
    } else {
      await next();
      if (c.res.status !== 200) return;
      state = bypass ? 'BYPASS' : 'MISS';
      body = await c.res.text();
      headers = new Headers(c.res.headers);
      headers.delete('Set-Cookie');
      headers.delete('X-Request-Id');
      headers.set('Cache-Control', `public, max-age=${maxAge}`);
      headers.set('ETag', await etagOf(body));
      // Written after the answer has gone (waitUntil): the reader never waits for the cache.
      if (!bypass) c.executionCtx.waitUntil(cache.put(key, new Response(body, { status: 200, headers })));
    }
    for (const k of ['Access-Control-Allow-Origin', 'Access-Control-Expose-Headers']) {
      const v = c.res.headers.get(k);
      if (v) headers.set(k, v);
    }
    headers.set('X-BLT-Cache', state);
    headers.set('X-Request-Id', c.var.requestId);
    const etag = headers.get('ETag') ?? '';
    if (matches(c.req.header('If-None-Match'), etag)) {
      headers.delete('Content-Type');
      c.res = new Response(null, { status: 304, headers });
      return;
    }
    // Assigned, not returned: after next() Hono ignores a returned response.
    c.res = new Response(body, { status: 200, headers });
  }
}
