import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProfileView } from '../views/profile';
import { createDb, type DB } from '../worker/db';
import { batchedD1 } from '../worker/db/batching';
import { findDomain } from '../worker/db/bugs';
import { profileFacts } from '../worker/db/leaderboard';
import { meteredD1, newD1Usage } from '../worker/db/metered';
import { domainFacts, responsiveBoard, scorecard } from '../worker/db/scorecards';
import { call, db, plansOf, seedBug, signUp, uniqueHost, withVars } from './helpers';

/**
 * Issue 16: a D1 round trip costs about as much as the rest of a request, so each public page
 * reads everything it needs in ONE round trip (worker/db/batching.ts). These read the Worker's own
 * request log line, with the page and embed caches off so the handler really runs.
 */

interface D1Line {
  queries: number;
  round_trips: number;
  rows_read: number;
}

/** The status and the `d1` part of the request log line of one GET through the real Worker. */
async function metered(
  path: string,
  r: { hx?: boolean; json?: boolean } = {},
): Promise<{ status: number; d1: D1Line }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  let status = 0;
  try {
    await withVars({ PAGE_CACHE: 'off', EMBED_CACHE: 'off' }, async () => {
      const res = await call(path, r);
      status = res.status;
      await res.arrayBuffer();
    });
  } finally {
    spy.mockRestore();
  }
  const request = lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type?: string; d1?: D1Line })
    .find((l) => l.type === 'request');
  if (!request?.d1) throw new Error(`no request log line for ${path}`);
  return { status, d1: request.d1 };
}

afterEach(() => vi.restoreAllMocks());

describe('public pages read in one D1 round trip', () => {
  it('the domain page (page and JSON), and its 404', async () => {
    const host = uniqueHost('trips');
    const alice = await signUp('tripsdom');
    await seedBug({ hostname: host, userId: alice.id });
    await seedBug({ hostname: host });
    for (const r of [{}, { json: true }]) {
      const { status, d1 } = await metered(`/domains/${host}`, r);
      expect(status).toBe(200);
      expect(d1.round_trips, JSON.stringify(r)).toBe(1);
      // Its two lists and one statement for everything else (domainFacts): each statement in a
      // batch costs the Worker more than these key reads cost SQLite.
      expect(d1.queries, JSON.stringify(r)).toBe(3);
    }
    const missing = await metered(`/domains/${uniqueHost('trips-none')}`);
    expect(missing.status).toBe(404);
    expect(missing.d1.round_trips).toBe(1);
  });
});

/** What a data function reads: its D1 usage on a metered, batching binding (as a request has). */
async function usageOf(fn: (db: DB) => Promise<unknown>) {
  const usage = newD1Usage();
  await fn(createDb(batchedD1(meteredD1(env.DB, usage))));
  return usage;
}

/** Adds `n` public reports by `userId` on the domain of `bugId`, in one statement. */
async function moreBugs(bugId: number, userId: number | null, n: number) {
  await env.DB.prepare(
    `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
     INSERT INTO bugs (user_id, domain_id, url, title) SELECT ?, domain_id, url, title FROM bugs, k WHERE bugs.id = ?`,
  )
    .bind(n, userId, bugId)
    .run();
}

describe('the domain page reads the same rows with 10 or 1,000 reports', () => {
  it('top reporters come from a counter that follows every change to reports', async () => {
    const host = uniqueHost('toprep');
    const [a, b, c] = [await signUp('toprepa'), await signUp('toprepb'), await signUp('toprepc')];
    const first = await seedBug({ hostname: host, userId: a.id });
    await moreBugs(first, a.id, 2);
    await moreBugs(first, b.id, 3);
    await moreBugs(first, c.id, 1);
    await moreBugs(first, null, 4);
    await seedBug({ hostname: host, userId: c.id, isHidden: true });
    const ids = async (userId: number) =>
      (
        await env.DB.prepare('SELECT id FROM bugs WHERE user_id = ? ORDER BY id').bind(userId).all<{ id: number }>()
      ).results.map((r) => r.id);
    const [b1, b2] = await ids(b.id);
    const [, a2] = await ids(a.id);
    await env.DB.prepare("UPDATE bugs SET status = 'spam', state = 'spam' WHERE id = ?").bind(b1).run();
    await env.DB.prepare('UPDATE bugs SET is_hidden = 1 WHERE id = ?').bind(b2).run();
    await env.DB.prepare('UPDATE bugs SET user_id = ? WHERE id = ?').bind(c.id, a2).run();
    await env.DB.prepare('DELETE FROM bugs WHERE id = ?').bind(first).run();
    const domainId = (await findDomain(db(), host))?.id ?? 0;
    const truth = await env.DB.prepare(
      `SELECT u.username, count(*) AS bugs FROM bugs JOIN users u ON u.id = bugs.user_id
       WHERE bugs.domain_id = ? AND bugs.is_hidden = 0 AND bugs.status != 'spam'
       GROUP BY u.id ORDER BY bugs DESC, u.id`,
    )
      .bind(domainId)
      .all<{ username: string; bugs: number }>();
    const top = (await domainFacts(db(), host, null))?.top;
    expect(top).toEqual(truth.results);
    // c: 1 + the one moved from a; a: 3 - moved - deleted; b: 3 - spam - hidden; ties by user id.
    expect(top).toEqual([
      { username: c.username, bugs: 2 },
      { username: a.username, bugs: 1 },
      { username: b.username, bugs: 1 },
    ]);
    // A deleted account ranks nowhere.
    await env.DB.prepare("UPDATE users SET deleted_at = '2026-01-01T00:00:00Z' WHERE id = ?").bind(c.id).run();
    expect((await domainFacts(db(), host, null))?.top).toEqual(truth.results.slice(1));
    expect(domainId).toBeGreaterThan(0);
  });

  it('rows read stay flat as the domain grows, with an index plan and no sort', async () => {
    const host = uniqueHost('topflat');
    const [a, b] = [await signUp('topflata'), await signUp('topflatb')];
    const first = await seedBug({ hostname: host, userId: a.id });
    await moreBugs(first, b.id, 2);
    const read = async () => (await usageOf((d) => domainFacts(d, host, null))).rowsRead;
    const before = await read();
    await moreBugs(first, a.id, 500);
    await moreBugs(first, b.id, 500);
    expect(await read()).toBe(before);
    const plan = (await plansOf((d) => domainFacts(d, host, null))).join('\n');
    expect(plan).toMatch(/SEARCH domain_reporters USING (COVERING )?INDEX domain_reporters_top/);
    // Every table is a key search; the one scan is of the (at most 5) top reporters' JSON rows.
    expect(plan).not.toMatch(/TEMP B-TREE|SCAN (?!agg$)/m);
  });
});

describe('the user page reads in one round trip, and a bounded number of rows', () => {
  it('page, JSON, the name in any case, and the 404', async () => {
    const u = await signUp('tripsuser');
    await seedBug({ userId: u.id });
    await seedBug({ userId: u.id, isHidden: true });
    for (const [path, r] of [
      [`/users/${u.username}`, {}],
      [`/api/users/${u.username}`, { json: true }],
      [`/users/${u.username.toUpperCase()}`, {}],
    ] as const) {
      const { status, d1 } = await metered(path, r);
      expect(status, path).toBe(200);
      expect(d1.round_trips, path).toBe(1);
      // The account with both standings (profileFacts), its bugs, its points history.
      expect(d1.queries, path).toBe(3);
    }
    const missing = await metered('/users/no_such_tripper');
    expect(missing.status).toBe(404);
    expect(missing.d1.round_trips).toBe(1);
  });

  it('the rank counts at most RANK_CAP users above, however many there are', async () => {
    const period = `${2100 + Math.floor(Math.random() * 7000)}-07`; // a month no other test scores in
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await signUp('capped'));
    const put = env.DB.prepare('INSERT INTO user_scores (user_id, period, score, bugs) VALUES (?, ?, ?, 1)');
    await env.DB.batch(users.map((u, i) => put.bind(u.id, period, 100 - i)));
    const last = users[5]!;
    const at = async (cap: number) => {
      const usage = newD1Usage();
      const s = await profileFacts(createDb(batchedD1(meteredD1(env.DB, usage))), last.username, period, cap);
      if (!s) throw new Error(`${last.username} not found`);
      return { ...s.thisMonth, rowsRead: usage.rowsRead };
    };
    expect(await at(10)).toMatchObject({ score: 95, rank: 6, capped: false });
    const capped = await at(3);
    expect(capped).toMatchObject({ score: 95, rank: 4, capped: true });
    expect(capped.rowsRead).toBeLessThan((await at(10)).rowsRead);
    expect((await profileFacts(db(), users[0]!.username, period, 3))?.thisMonth).toMatchObject({
      rank: 1,
      capped: false,
    });
    // No points in a period: no rank. No such reporter: nothing.
    expect((await profileFacts(db(), users[0]!.username, '2099-13', 3))?.thisMonth).toMatchObject({
      score: 0,
      rank: null,
    });
    expect(await profileFacts(db(), 'no_such_capped', period, 3)).toBeUndefined();
    // The page says the rank is a lower bound.
    const view = (allTime: { score: number; rank: number | null; bugs: number; capped?: boolean }) =>
      String(
        ProfileView({
          username: last.username,
          joined: '2026-01-01T00:00:00.000Z',
          allTime,
          thisMonth: { score: 0, rank: null, bugs: 0, period: '2026-01' },
          bugs: { rows: [], nextHref: null, nextFragmentHref: null },
          history: [],
          isOwner: false,
        }),
      );
    expect(view(capped)).toContain('<dd>#4+</dd>');
    expect(view({ ...capped, capped: false })).toContain('<dd>#4</dd>');
    const plan = (await plansOf((d) => profileFacts(d, last.username, period))).join('\n');
    expect(plan).toMatch(/SEARCH a USING COVERING INDEX user_scores_rank/);
    expect(plan).not.toMatch(/TEMP B-TREE|SCAN user_scores/);
  });
});

describe('the feeds read their 50 entries, text included, in one round trip', () => {
  it('/bugs.atom, with a label, per domain and per reporter; and the 404s', async () => {
    const host = uniqueHost('tripsfeed');
    const u = await signUp('tripsfeed');
    await seedBug({ hostname: host, userId: u.id, label: 'security', description: 'Some words' });
    for (const path of [
      '/bugs.atom',
      '/bugs.atom?label=security',
      `/domains/${host}/feed.atom`,
      `/users/${u.username}/feed.atom`,
    ]) {
      const { status, d1 } = await metered(path);
      expect(status, path).toBe(200);
      expect(d1.round_trips, path).toBe(1);
    }
    for (const path of [`/domains/${uniqueHost('tripsfeed-none')}/feed.atom`, '/users/no_such_feeder/feed.atom']) {
      const { status, d1 } = await metered(path);
      expect(status, path).toBe(404);
      expect(d1.round_trips, path).toBe(1);
    }
  });
});

describe('the badge and the responsive-domains board read in one round trip', () => {
  it('/badge/:host.svg for a known and an unknown domain', async () => {
    const host = uniqueHost('tripsbadge');
    await seedBug({ hostname: host });
    for (const h of [host, uniqueHost('tripsbadge-none')]) {
      const { status, d1 } = await metered(`/badge/${h}.svg`);
      expect(status, h).toBe(200);
      expect(d1.round_trips, h).toBe(1);
    }
  });

  it('/leaderboard/domains, its fragment and JSON', async () => {
    const host = uniqueHost('tripsboard');
    for (let i = 0; i < 3; i++) await seedBug({ hostname: host });
    for (const [path, r] of [
      ['/leaderboard/domains', {}],
      ['/api/leaderboard/domains?limit=7', { hx: true }],
      ['/api/leaderboard/domains?limit=9', { json: true }],
    ] as const) {
      const { status, d1 } = await metered(path, r);
      expect(status, path).toBe(200);
      expect(d1.queries, path).toBeGreaterThan(0);
      expect(d1.round_trips, path).toBe(1);
    }
    // Each row's triage median comes with it, the same as the domain's own scorecard says.
    const domainId = (await findDomain(db(), host))?.id ?? 0;
    await env.DB.prepare(
      "INSERT INTO domain_score_buckets (domain_id, kind, bucket, n) VALUES (?, 'triage', 2, 2), (?, 'triage', 5, 1), (?, 'fix', 9, 3)",
    )
      .bind(domainId, domainId, domainId)
      .run();
    const board = await responsiveBoard(db(), 50);
    const row = board.find((r) => r.hostname === host);
    expect(row?.triage).toEqual((await scorecard(db(), domainId)).triage);
    expect(row?.triage).not.toBeNull();
    expect(board.map((r) => r.rank)).toEqual(board.map((_, i) => i + 1));
  });
});
