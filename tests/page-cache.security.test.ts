import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { BOOKMARK_COOKIE } from '../worker/middleware/database';
import { call, seedBug, signUp, uniqueHost } from './helpers';

/** Waits for the page cache's waitUntil write: the next request can then hit. */
const settle = () => new Promise((r) => setTimeout(r, 50));

function bookmarkFrom(res: Response): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${BOOKMARK_COOKIE}=`))
    ?.split(';')[0];
}

const report = (host: string, title = 'Cached list bug') =>
  call('/api/bugs', {
    form: {
      url: `https://${host}/page`,
      title,
      description: 'Seen from the cache test.',
      label: 'general',
      severity: 'low',
    },
  });

describe('page cache: anonymous pages from the Workers Cache, keyed on their known parameters', () => {
  it('a second anonymous read is a HIT; browsers are told no-cache; unknown parameters share the entry', async () => {
    const host = uniqueHost('pc');
    await seedBug({ hostname: host, title: 'Page cache first' });
    const first = await call(`/bugs?domain=${host}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('X-BLT-Cache')).toBe('MISS');
    expect(first.headers.get('Cache-Control')).toBe('private, no-cache');
    expect(first.headers.getSetCookie()).toEqual([]);
    await settle();
    const second = await call(`/bugs?domain=${host}&utm_source=x&fresh=${Math.random()}`);
    expect(second.headers.get('X-BLT-Cache')).toBe('HIT');
    expect(second.headers.get('Cache-Control')).toBe('private, no-cache');
    expect(second.headers.get('Vary')).toMatch(/HX-Request.*Cookie|Cookie.*HX-Request/);
    expect(await second.text()).toBe(await first.text());
    // A known parameter is part of the key; later pages (before=) are never cached.
    expect((await call(`/bugs?domain=${host}&label=typo`)).headers.get('X-BLT-Cache')).toBe('MISS');
    expect(
      (await call(`/bugs?domain=${host}&before=2030-01-01T00:00:00.000Z_9`)).headers.get('X-BLT-Cache'),
    ).toBeNull();
    // Fragments and JSON of the same URL are not pages: never from this cache.
    expect((await call(`/bugs?domain=${host}`, { hx: true })).headers.get('X-BLT-Cache')).toBeNull();
    expect((await call(`/bugs?domain=${host}`, { json: true })).headers.get('X-BLT-Cache')).toBeNull();
  });

  it('PAGE_CACHE=off (the bench switch) computes every page, says BYPASS, and stores nothing', async () => {
    const host = uniqueHost('pcoff');
    await seedBug({ hostname: host, title: 'Bypassed page first' });
    const vars = env as unknown as Record<string, string | undefined>;
    vars.PAGE_CACHE = 'off';
    try {
      const path = `/bugs?domain=${host}`;
      expect((await call(path)).headers.get('X-BLT-Cache')).toBe('BYPASS');
      await settle();
      await seedBug({ hostname: host, title: 'Bypassed page second' });
      const res = await call(path);
      expect(res.headers.get('X-BLT-Cache')).toBe('BYPASS');
      expect(await res.text()).toContain('Bypassed page second'); // computed again, not stored
    } finally {
      delete vars.PAGE_CACHE;
    }
    // Nothing was stored while it was off: the first read with the cache on is a MISS.
    expect((await call(`/bugs?domain=${host}`)).headers.get('X-BLT-Cache')).toBe('MISS');
  });

  it('leaderboard, stats and domain pages are cached too', async () => {
    const host = uniqueHost('pcdomain');
    await seedBug({ hostname: host });
    for (const path of [`/domains/${host}`, `/leaderboard?month=2020-01&x=${host}`, '/stats']) {
      await call(path);
      await settle();
      const again = await call(path);
      expect(again.status, path).toBe(200);
      expect(again.headers.get('X-BLT-Cache'), path).toBe('HIT');
    }
  });

  it('a signed-in request never reads nor writes the cache', async () => {
    const host = uniqueHost('pcsigned');
    await seedBug({ hostname: host });
    const user = await signUp('pcuser');
    await call(`/bugs?domain=${host}`);
    await settle();
    const signedIn = await call(`/bugs?domain=${host}`, { cookie: user.cookie });
    expect(signedIn.headers.get('X-BLT-Cache')).toBeNull();
    expect(signedIn.headers.get('Cache-Control')).toBe('private, no-store');
    expect(await signedIn.text()).toContain(user.username);
    // Signed in first, on a fresh key: nothing was stored for the next anonymous reader.
    const other = uniqueHost('pcsigned2');
    await seedBug({ hostname: other });
    await call(`/bugs?domain=${other}`, { cookie: user.cookie });
    await settle();
    const anon = await call(`/bugs?domain=${other}`);
    expect(anon.headers.get('X-BLT-Cache')).toBe('MISS');
    expect(await anon.text()).not.toContain(user.username);
  });

  it('an Authorization header or an expired/forged session cookie goes past the cache too', async () => {
    const host = uniqueHost('pcauth');
    await seedBug({ hostname: host });
    await call(`/bugs?domain=${host}`);
    await settle();
    expect((await call(`/bugs?domain=${host}`)).headers.get('X-BLT-Cache')).toBe('HIT');
    const bearer = await call(`/bugs?domain=${host}`, { headers: { Authorization: 'Bearer blt_x' } });
    expect(bearer.headers.get('X-BLT-Cache')).toBeNull();
    const forged = await call(`/bugs?domain=${host}`, { cookie: '__Host-blt_session=forged' });
    expect(forged.headers.get('X-BLT-Cache')).toBeNull();
  });
});

describe('read your writes: D1 session bookmark cookie', () => {
  it('an anonymous reporter files a report and sees it in the cached list at once (the bookmark bypasses the cache)', async () => {
    const host = uniqueHost('ryw');
    await seedBug({ hostname: host, title: 'Someone else was first' });
    await call(`/bugs?domain=${host}`);
    await settle();
    expect((await call(`/bugs?domain=${host}`)).headers.get('X-BLT-Cache')).toBe('HIT');

    const res = await report(host, 'My fresh report');
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${BOOKMARK_COOKIE}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Max-Age=120/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Lax/);

    const mine = await call(`/bugs?domain=${host}`, { cookie: bookmarkFrom(res) });
    expect(mine.headers.get('X-BLT-Cache')).toBeNull();
    expect(mine.headers.get('Cache-Control')).toBe('private, no-store');
    expect(await mine.text()).toContain('My fresh report');
    // Everyone else reads the cached page until it expires (30 s): that is the trade.
    const others = await call(`/bugs?domain=${host}`);
    expect(others.headers.get('X-BLT-Cache')).toBe('HIT');
    expect(await others.text()).not.toContain('My fresh report');
  });

  it('reads start their D1 session at the bookmark; no bookmark means first-unconstrained; junk is ignored', async () => {
    const seen: (string | undefined)[] = [];
    const binding = env.DB;
    const original = binding.withSession.bind(binding);
    Object.defineProperty(binding, 'withSession', {
      configurable: true,
      value: (b?: string) => {
        seen.push(b);
        return original(b);
      },
    });
    try {
      const res = await report(uniqueHost('rywsession'));
      const bookmark = bookmarkFrom(res)!.split('=')[1];
      await call('/bugs', { cookie: `${BOOKMARK_COOKIE}=${bookmark}` });
      await call('/bugs', { cookie: `${BOOKMARK_COOKIE}=%27%3B%20DROP` });
      expect(seen).toEqual(['first-unconstrained', bookmark, 'first-unconstrained']);
    } finally {
      Object.defineProperty(binding, 'withSession', { configurable: true, value: original });
    }
  });

  it('a read sets no bookmark; a refused write sets none either', async () => {
    const read = await call('/bugs');
    expect(bookmarkFrom(read)).toBeUndefined();
    const refused = await call('/api/bugs', { form: { url: 'nope', title: '' } });
    expect(refused.status).toBe(422);
    expect(bookmarkFrom(refused)).toBeUndefined();
  });
});
