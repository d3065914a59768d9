import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import readme from '../README.md?raw';
import { findDomain } from '../worker/db/bugs';
import { changeState, stateRow } from '../worker/db/states';
import { embedCacheKey } from '../worker/middleware/public';
import { call, db, ORIGIN, seedBug, signUp, uniqueHost } from './helpers';
import { parseXml } from './xml';

/** Fixes `id` after it was filed `hours` ago (one answer, then the fix), through changeState. */
async function fixAfter(id: number, hours: number) {
  const at = new Date(Date.now() - hours * 3_600_000).toISOString();
  await env.DB.prepare('UPDATE bugs SET created_at = ? WHERE id = ?').bind(at, id).run();
  for (const to of ['accepted', 'fixed'] as const) {
    const bug = await stateRow(db(), id);
    await changeState(db(), { bug: bug!, actorId: null, move: { to, reopen: false }, kind: 'state_changed', note: '' });
  }
}

async function purgeBadge(host: string) {
  await caches.default.delete(embedCacheKey(new URL(`/badge/${host}.svg`, ORIGIN), 'asset', []));
}

/** The README's badge snippet, with its placeholder origin and host. */
function snippet(): string {
  const m = /<!-- snippet:badge -->\s*```html\n([\s\S]*?)```/.exec(readme);
  if (!m?.[1]) throw new Error('README.md has no snippet:badge block');
  return m[1];
}

describe('GET /badge/:host.svg', () => {
  it('shows fixed reports and the median fix time, publicly and cacheably', async () => {
    const host = uniqueHost('badge');
    const ids = [
      await seedBug({ hostname: host }),
      await seedBug({ hostname: host }),
      await seedBug({ hostname: host }),
    ];
    await fixAfter(ids[0]!, 100); // 4–7 d
    await fixAfter(ids[1]!, 150); // 4–7 d
    await purgeBadge(host);
    const res = await call(`/badge/${host}.svg`, { headers: { Origin: 'https://someone.example', Accept: 'image/*' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=60');
    expect(res.headers.get('X-BLT-Cache')).toBe('MISS');
    expect(res.headers.getSetCookie()).toEqual([]);
    const svg = await res.text();
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.role).toBe('img');
    expect(root.attrs['aria-label']).toBe(`BLT: 2 fixed · median fix ≤ 7 d (${host})`);
    const again = await call(`/badge/${host}.svg`, { headers: { 'If-None-Match': res.headers.get('ETag') ?? '' } });
    expect(again.status).toBe(304);
    expect(again.headers.get('X-BLT-Cache')).toBe('HIT');
  });

  it('says the same for an unknown domain and one with only private reports', async () => {
    const host = uniqueHost('badge');
    const { id } = await signUp('badger');
    await seedBug({ hostname: host, isHidden: true, userId: id });
    expect(await findDomain(db(), host)).toBeDefined();
    const never = uniqueHost('never');
    const a = await (await call(`/badge/${host}.svg`)).text();
    const b = await (await call(`/badge/${never}.svg`)).text();
    expect(a.replaceAll(host, 'H')).toBe(b.replaceAll(never, 'H'));
    expect(a).toContain('no public reports');
    expect((await call('/badge/not a host.svg')).status).toBe(404);
    expect((await call(`/badge/${host}.png`)).status).toBe(404);
  });

  it('the README snippet points at a badge that answers, and links the domain page', async () => {
    const html = snippet();
    const host = uniqueHost('badge');
    await seedBug({ hostname: host });
    const filled = html
      .replaceAll('https://blt.example', '@origin@')
      .replaceAll('example.com', host)
      .replaceAll('@origin@', ORIGIN);
    const img = /<img src="([^"]+)"/.exec(filled)?.[1];
    const link = /<a href="([^"]+)"/.exec(filled)?.[1];
    expect(img).toBe(`${ORIGIN}/badge/${host}.svg`);
    expect(link).toBe(`${ORIGIN}/domains/${host}`);
    expect((await call(new URL(img!).pathname)).status).toBe(200);
    expect((await call(new URL(link!).pathname)).status).toBe(200);
  });
});

describe('most responsive domains', () => {
  it('ranks domains with 3+ public reports by the share answered within a week; page, fragment, JSON', async () => {
    const fast = uniqueHost('fast');
    const slow = uniqueHost('slow');
    const tiny = uniqueHost('tiny');
    const fastIds = [];
    for (let i = 0; i < 3; i++) fastIds.push(await seedBug({ hostname: fast }));
    const slowIds = [];
    for (let i = 0; i < 3; i++) slowIds.push(await seedBug({ hostname: slow }));
    await seedBug({ hostname: tiny });
    for (const id of fastIds) await fixAfter(id, 2);
    await fixAfter(slowIds[0]!, 400);
    const json = (await (await call('/api/leaderboard/domains?limit=50', { json: true })).json()) as {
      domains: { hostname: string; answered_within_week_permille: number; fixed: number }[];
    };
    const names = json.domains.map((d) => d.hostname);
    expect(names).toContain(fast);
    expect(names).toContain(slow);
    expect(names).not.toContain(tiny);
    expect(names.indexOf(fast)).toBeLessThan(names.indexOf(slow));
    expect(json.domains.find((d) => d.hostname === fast)).toMatchObject({
      answered_within_week_permille: 1000,
      fixed: 3,
    });
    expect(json.domains.find((d) => d.hostname === slow)).toMatchObject({ answered_within_week_permille: 0, fixed: 1 });

    const page = await (await call('/leaderboard/domains?limit=50')).text();
    expect(page).toContain('Medians are estimated from buckets');
    const fragment = await call('/api/leaderboard/domains?limit=50', {
      hx: true,
      headers: { Origin: 'https://x.example' },
    });
    expect(fragment.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(fragment.headers.getSetCookie()).toEqual([]);
    expect(await fragment.text()).toContain(`${ORIGIN}/domains/${fast}`);
    const embed = await call('/embed/leaderboard/domains');
    expect(embed.status).toBe(200);
    expect(embed.headers.get('Content-Security-Policy')).toContain('frame-ancestors *');
    expect(await (await call('/leaderboard')).text()).toContain('href="/leaderboard/domains"');
  });
});
