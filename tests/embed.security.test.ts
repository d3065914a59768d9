import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PUBLIC_FRAGMENTS } from '../worker/app';
import { embedCacheKey } from '../worker/middleware/public';
import { call, ORIGIN, signUp } from './helpers';

const FOREIGN = { Origin: 'https://chapter.example.org' };

/**
 * Cache writes happen after the answer (executionCtx.waitUntil), so a test that purges must first
 * let earlier writes land: every put goes through this tracker, and `hold` keeps the next ones back.
 */
const pendingPuts = new Set<Promise<void>>();
let hold: Promise<void> | null = null;
const realPut = caches.default.put.bind(caches.default);
beforeAll(() => {
  vi.spyOn(caches.default, 'put').mockImplementation((key, res) => {
    const done = (async () => {
      if (hold) await hold;
      await realPut(key, res);
    })();
    pendingPuts.add(done);
    return done.finally(() => pendingPuts.delete(done));
  });
});
afterAll(() => vi.restoreAllMocks());

/** Waits until every cache write started so far has landed. */
async function cacheWritten(): Promise<void> {
  await Promise.allSettled([...pendingPuts]);
}

/** Drops the cached fragment and JSON of `path`, so the next request is computed, not replayed. */
async function purge(path: string): Promise<string> {
  await cacheWritten();
  const url = new URL(path, ORIGIN);
  const params = PUBLIC_FRAGMENTS[url.pathname as keyof typeof PUBLIC_FRAGMENTS];
  for (const rep of ['fragment', 'json'] as const) await caches.default.delete(embedCacheKey(url, rep, params));
  return path;
}

/** Users with points this month, so the leaderboard fragment has profile links to check. */
async function seedLeaders(n: number): Promise<string[]> {
  const month = new Date().toISOString().slice(0, 7);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `embed_${Math.random().toString(36).slice(2, 12)}`;
    const row = await env.DB.prepare(
      "INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'x') RETURNING id",
    )
      .bind(name, `${name}@example.test`)
      .first<{ id: number }>();
    for (const period of ['all', month]) {
      await env.DB.prepare('INSERT INTO user_scores (user_id, period, score, bugs) VALUES (?, ?, ?, 1)')
        .bind(row!.id, period, 1_000_000 - i)
        .run();
    }
    names.push(name);
  }
  return names;
}

describe('embed security: public fragments', () => {
  for (const path of ['/api/leaderboard', '/api/stats']) {
    it(`${path}: foreign Origin gets ACAO * and no credentials header`, async () => {
      const res = await call(await purge(path), { hx: true, headers: FOREIGN });
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
      const anon = await call(await purge(path), { hx: true, headers: FOREIGN });
      const withCookie = await call(await purge(path), { hx: true, headers: FOREIGN, cookie });
      expect(anon.headers.get('X-BLT-Cache')).toBe('MISS');
      expect(withCookie.headers.get('X-BLT-Cache')).toBe('MISS');
      expect(anon.headers.getSetCookie()).toEqual([]);
      expect(withCookie.headers.getSetCookie()).toEqual([]);
      expect(await withCookie.text()).toBe(await anon.text());
      expect(withCookie.headers.get('ETag')).toBe(anon.headers.get('ETag'));
    });

    it(`${path}: a second request is served from the cache, and a matching ETag gets 304`, async () => {
      const q = 'limit=25';
      await purge(`${path}?${q}`);
      const first = await call(`${path}?${q}`, { hx: true });
      expect(first.headers.get('X-BLT-Cache')).toBe('MISS');
      const body = await first.text();
      await cacheWritten();
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

describe('embed security: links lead back to BLT-Next', () => {
  it('/api/leaderboard: every link in the fragment is absolute, profile links included', async () => {
    const names = await seedLeaders(3);
    const html = await (await call(await purge('/api/leaderboard?limit=3'), { hx: true })).text();
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toEqual(expect.arrayContaining(names.map((n) => `http://example.com/users/${n}`)));
    for (const h of hrefs) expect(h).toMatch(/^http:\/\/example\.com\//);
  });

  it('/api/stats: the count links are absolute', async () => {
    const html = await (await call(await purge('/api/stats'), { hx: true })).text();
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toEqual(
      expect.arrayContaining(['http://example.com/bugs?status=open', 'http://example.com/bugs?status=ended']),
    );
    for (const h of hrefs) expect(h).toMatch(/^http:\/\/example\.com\//);
  });
});

describe('embed cache: keyed on the known parameters only (issue 7 item 16)', () => {
  it('/api/stats with a random unknown parameter is answered from the cache, not D1', async () => {
    await purge('/api/stats');
    expect((await call('/api/stats', { hx: true })).headers.get('X-BLT-Cache')).toBe('MISS');
    await cacheWritten();
    for (const q of [`fresh=${Math.random()}`, `nocache=${Date.now()}`, 'a=1&b=2']) {
      const res = await call(`/api/stats?${q}`, { hx: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('X-BLT-Cache')).toBe('HIT');
    }
  });

  it('/api/leaderboard: unknown parameters share the key; month and limit do not', async () => {
    await purge('/api/leaderboard?limit=7');
    await purge('/api/leaderboard?limit=8');
    expect((await call('/api/leaderboard?limit=7', { hx: true })).headers.get('X-BLT-Cache')).toBe('MISS');
    await cacheWritten();
    expect((await call('/api/leaderboard?limit=7&fresh=1', { hx: true })).headers.get('X-BLT-Cache')).toBe('HIT');
    expect((await call('/api/leaderboard?fresh=2&limit=7', { hx: true })).headers.get('X-BLT-Cache')).toBe('HIT');
    expect((await call('/api/leaderboard?limit=8&fresh=1', { hx: true })).headers.get('X-BLT-Cache')).toBe('MISS');
  });

  it('EMBED_CACHE=off (the bench switch) computes every answer and says BYPASS', async () => {
    const vars = env as unknown as Record<string, string | undefined>;
    vars.EMBED_CACHE = 'off';
    try {
      for (let i = 0; i < 2; i++) {
        const res = await call('/api/stats', { hx: true });
        expect(res.status).toBe(200);
        expect(res.headers.get('X-BLT-Cache')).toBe('BYPASS');
        expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
      }
    } finally {
      delete vars.EMBED_CACHE;
    }
  });
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

describe('embed cache writes', () => {
  it('the answer does not wait for the Cache API write (executionCtx.waitUntil)', async () => {
    await purge('/api/stats');
    let release: () => void = () => {};
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const answered = call('/api/stats', { hx: true }).then((r) => r.status);
      const first = await Promise.race([answered, new Promise((r) => setTimeout(() => r('waited'), 2000))]);
      expect(first).toBe(200);
      expect(pendingPuts.size).toBe(1);
    } finally {
      hold = null;
      release();
    }
    await cacheWritten();
    expect((await call('/api/stats', { hx: true })).headers.get('X-BLT-Cache')).toBe('HIT');
  });
});
