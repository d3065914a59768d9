import { describe, expect, it } from 'vitest';
import { call, signUp } from './helpers';

const FOREIGN = { Origin: 'https://chapter.example.org' };
let n = 0;
/** A query the cache has not seen, so the response is computed, not replayed. */
function fresh(): string {
  n += 1;
  return `fresh=${Date.now()}-${n}`;
}

describe('embed security: public fragments', () => {
  for (const path of ['/api/leaderboard', '/api/stats']) {
    it(`${path}: foreign Origin gets ACAO * and no credentials header`, async () => {
      const res = await call(`${path}?${fresh()}`, { hx: true, headers: FOREIGN });
      expect(res.status).toBe(200);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
      expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=60');
      expect(res.headers.get('ETag')).toMatch(/^"[0-9a-f]{32}"$/);
    });

    it(`${path}: the OPTIONS preflight allows htmx's request headers`, async () => {
      const res = await call(path, {
        method: 'OPTIONS',
        headers: {
          ...FOREIGN,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'hx-request, hx-current-url, hx-source, hx-target, hx-request-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
      const allowed = (res.headers.get('Access-Control-Allow-Headers') ?? '').toLowerCase();
      for (const h of ['hx-request', 'hx-current-url', 'hx-source', 'hx-target', 'hx-request-type']) {
        expect(allowed).toContain(h);
      }
      expect(res.headers.get('Access-Control-Allow-Methods')).toContain('GET');
      expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    });

    it(`${path}: no Set-Cookie, and the same bytes with or without a session cookie`, async () => {
      const { cookie } = await signUp('embedder');
      const anon = await call(`${path}?${fresh()}`, { hx: true, headers: FOREIGN });
      const withCookie = await call(`${path}?${fresh()}`, { hx: true, headers: FOREIGN, cookie });
      expect(anon.headers.get('X-BLT-Cache')).toBe('MISS');
      expect(withCookie.headers.get('X-BLT-Cache')).toBe('MISS');
      expect(anon.headers.getSetCookie()).toEqual([]);
      expect(withCookie.headers.getSetCookie()).toEqual([]);
      expect(await withCookie.text()).toBe(await anon.text());
      expect(withCookie.headers.get('ETag')).toBe(anon.headers.get('ETag'));
    });

    it(`${path}: links in the fragment are absolute`, async () => {
      const html = await (await call(`${path}?${fresh()}`, { hx: true })).text();
      const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
      for (const h of hrefs) expect(h).toMatch(/^http:\/\/example\.com\//);
    });

    it(`${path}: a second request is served from the cache, and a matching ETag gets 304`, async () => {
      const q = fresh();
      const first = await call(`${path}?${q}`, { hx: true });
      expect(first.headers.get('X-BLT-Cache')).toBe('MISS');
      const body = await first.text();
      const second = await call(`${path}?${q}`, { hx: true });
      expect(second.headers.get('X-BLT-Cache')).toBe('HIT');
      expect(await second.text()).toBe(body);
      const etag = first.headers.get('ETag')!;
      const notModified = await call(`${path}?${q}`, { hx: true, headers: { 'If-None-Match': etag } });
      expect(notModified.status).toBe(304);
      expect(await notModified.text()).toBe('');
      const changed = await call(`${path}?${q}`, { hx: true, headers: { 'If-None-Match': '"different"' } });
      expect(changed.status).toBe(200);
      // JSON is cached separately from the fragment.
      const json = await call(`${path}?${q}`, { json: true });
      expect(json.headers.get('X-BLT-Cache')).toBe('MISS');
      expect(json.headers.get('Content-Type')).toMatch(/json/);
    });
  }
});

describe('embed security: framing', () => {
  it('/embed/leaderboard alone may be framed by anyone', async () => {
    const res = await call('/embed/leaderboard');
    expect(res.status).toBe(200);
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain('frame-ancestors *');
    expect(csp).not.toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(res.headers.get('X-Frame-Options')).toBeNull();
    const html = await res.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toContain('<script');
    expect(html).toContain('/assets/embed.css');
    expect(html).not.toContain('/assets/app.css');
  });

  it.each(['/leaderboard', '/api/leaderboard', '/bugs', '/stats', '/', '/no-such-page'])(
    '%s keeps frame-ancestors none',
    async (path) => {
      const res = await call(path, path.startsWith('/api') ? { hx: true } : {});
      expect(res.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('X-Frame-Options')).toBe('DENY');
    },
  );
});

describe('embed security: everything else stays same-origin', () => {
  it.each([
    ['/api/auth/me', { json: true }],
    ['/api/bugs', { hx: true }],
    ['/bugs', {}],
    ['/leaderboard', {}],
    ['/users/demo_nobody', {}],
  ] as const)('%s sends no CORS headers to a foreign origin', async (path, r) => {
    const { cookie } = await signUp('corsless');
    const res = await call(path, { ...r, cookie, headers: FOREIGN });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBeNull();
  });

  it('a preflight for a write is not approved', async () => {
    const res = await call('/api/bugs', {
      method: 'OPTIONS',
      headers: { ...FOREIGN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
