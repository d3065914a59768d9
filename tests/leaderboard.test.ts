import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { periodName } from '../views/leaderboard';
import { bugStats, bugsByLabel, bugsPerDay, listBugs } from '../worker/db/bugs';
import { decodeLeaderCursor, leaderboardPage } from '../worker/db/leaderboard';
import { duplicatesOf, entryEvent, hasFlagged, timeline } from '../worker/db/states';
import { call, plansOf, seedBug, signUp, uniqueHost } from './helpers';

let monthCounter = 0;
/** A month no other test writes to, so each test owns its leaderboard. */
function privateMonth(): string {
  monthCounter += 1;
  return `19${String(10 + monthCounter).padStart(2, '0')}-0${1 + (Math.floor(Math.random() * 9) % 9)}`;
}

async function makeUsers(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = `lb_${Math.random().toString(36).slice(2, 12)}`;
    const row = await env.DB.prepare(
      "INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'x') RETURNING id",
    )
      .bind(name, `${name}@example.test`)
      .first<{ id: number }>();
    ids.push(row!.id);
  }
  return ids;
}

async function setScore(userId: number, period: string, score: number, bugs = 1) {
  await env.DB.prepare('INSERT INTO user_scores (user_id, period, score, bugs) VALUES (?, ?, ?, ?)')
    .bind(userId, period, score, bugs)
    .run();
}

type Leaders = { leaders: { rank: number; username: string; points: number; bugs: number }[]; next: string | null };

describe('period names', () => {
  it('name every month as Intl does for English, and "all" as All time', () => {
    for (let m = 1; m <= 12; m++) {
      const intl = new Date(Date.UTC(2026, m - 1, 1)).toLocaleString('en', {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      });
      expect(periodName(`2026-${String(m).padStart(2, '0')}`)).toBe(intl);
    }
    expect(periodName('2031-02')).toBe('February 2031');
    expect(periodName('all')).toBe('All time');
  });
});

describe('leaderboard', () => {
  it('ranks by score with shared ranks for ties (1, 2, 2, 4), ties by earliest user id, zero scores left out', async () => {
    const month = privateMonth();
    const [a, b, c, d, e] = await makeUsers(5);
    await setScore(a!, month, 10);
    await setScore(c!, month, 7); // c before b in id order? no: b has the smaller id, so b first
    await setScore(b!, month, 7);
    await setScore(d!, month, 3, 2);
    await setScore(e!, month, 0);
    const body = (await (await call(`/api/leaderboard?month=${month}`, { json: true })).json()) as Leaders;
    expect(body.leaders.map((l) => [l.rank, l.points])).toEqual([
      [1, 10],
      [2, 7],
      [2, 7],
      [4, 3],
    ]);
    const ids = await env.DB.prepare(
      `SELECT id, username FROM users WHERE id IN (${[b, c].join(',')}) ORDER BY id`,
    ).all<{
      username: string;
    }>();
    expect(body.leaders.slice(1, 3).map((l) => l.username)).toEqual(ids.results.map((r) => r.username));
    expect(body.leaders[3]!.bugs).toBe(2);
    expect(body.next).toBeNull();
  });

  it('keyset pages: no duplicates or gaps, ranks continue across pages and ties', async () => {
    const month = privateMonth();
    const users = await makeUsers(23);
    // Scores with long ties that straddle page boundaries.
    const scores = users.map(
      (_, i) => [50, 40, 40, 40, 40, 40, 30, 30, 20, 20, 20, 20, 20, 20, 20, 10, 9, 9, 9, 5, 5, 5, 1][i]!,
    );
    for (let i = 0; i < users.length; i++) await setScore(users[i]!, month, scores[i]!);
    const all = (await (await call(`/api/leaderboard?month=${month}&limit=100`, { json: true })).json()) as Leaders;
    const seen: Leaders['leaders'] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const url: string = `/api/leaderboard?month=${month}&limit=4${after ? `&after=${after}` : ''}`;
      const body = (await (await call(url, { json: true })).json()) as Leaders;
      seen.push(...body.leaders);
      after = body.next;
      if (!after) break;
    }
    expect(seen).toEqual(all.leaders);
    expect(new Set(seen.map((s) => s.username)).size).toBe(23);
    expect(seen.map((s) => s.rank)).toEqual([
      1, 2, 2, 2, 2, 2, 7, 7, 9, 9, 9, 9, 9, 9, 9, 16, 17, 17, 17, 20, 20, 20, 23,
    ]);
  });

  it('limit is 1–100 (default 25); bad month, limit or cursor is a 400', async () => {
    const month = privateMonth();
    const users = await makeUsers(30);
    for (const [i, u] of users.entries()) await setScore(u, month, 100 - i);
    const def = (await (await call(`/api/leaderboard?month=${month}`, { json: true })).json()) as Leaders;
    expect(def.leaders).toHaveLength(25);
    const one = (await (await call(`/api/leaderboard?month=${month}&limit=1`, { json: true })).json()) as Leaders;
    expect(one.leaders).toHaveLength(1);
    for (const bad of ['limit=0', 'limit=101', 'limit=abc', 'month=2026-13', 'month=26-01', 'after=nonsense']) {
      expect((await call(`/api/leaderboard?${bad}`, { json: true })).status, bad).toBe(400);
    }
    expect((await call('/leaderboard?month=2999-01')).status).toBe(404);
  });

  it('the page has period links with the current month marked; htmx gets the table, then rows', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const page = await (await call(`/leaderboard?month=${month}`)).text();
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toMatch(new RegExp(`<a href="/leaderboard\\?month=${month}" aria-current="page">This month`));
    expect(page).toContain('rel="prev"');
    expect(page).not.toContain('rel="next">'); // no future months
    const old = privateMonth();
    const users = await makeUsers(3);
    for (const [i, u] of users.entries()) await setScore(u, old, 10 - i);
    const table = await (await call(`/api/leaderboard?month=${old}&limit=2`, { hx: true })).text();
    expect(table.startsWith('<table class="leaderboard"')).toBe(true);
    expect(table).toContain('More reporters');
    const href = /data-hx-get="([^"]+)"/.exec(table)![1]!.replaceAll('&amp;', '&');
    expect(href).toMatch(/^http:\/\/example\.com\/api\/leaderboard\?/);
    const rows = await (await call(new URL(href).pathname + new URL(href).search, { hx: true })).text();
    // Rank 3 is one of the top three, which the row marks (class "top").
    expect(rows.startsWith('<tr class="top top-3">')).toBe(true);
    expect((rows.match(/<tr[ >]/g) ?? []).length).toBe(1);
    expect(rows).not.toContain('More reporters');
  });

  it('points from real reports appear on the global board with the user profile link', async () => {
    const u = await signUp('board');
    await call('/api/bugs', {
      cookie: u.cookie,
      form: { url: `https://${uniqueHost('lb')}/`, title: 'Leaderboard bug' },
    });
    const body = (await (await call('/api/leaderboard?limit=100&fresh=1', { json: true })).json()) as Leaders;
    const me = body.leaders.find((l) => l.username === u.username);
    expect(me).toMatchObject({ points: 4, bugs: 1 });
    const frag = await (await call('/api/leaderboard?limit=100&fresh=2', { hx: true })).text();
    expect(frag).toContain(`href="http://example.com/users/${u.username}"`);
  });

  it('rejects forged cursors that could not come from a page', () => {
    expect(decodeLeaderCursor('5.3.2.9')).toBeNull(); // rank beyond position
    expect(decodeLeaderCursor('0.3.2.1')).toBeNull();
    expect(decodeLeaderCursor('5.3.2.2')).toEqual({ score: 5, userId: 3, position: 2, rank: 2 });
  });
});

describe('query plans: hot queries use indexes, never a full scan', () => {
  function expectIndexed(plans: string[]) {
    for (const p of plans) {
      expect(p, p).not.toMatch(/^SCAN (bugs|points|user_scores)\b/);
      expect(p, p).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    }
    expect(
      plans.some((p) => /USING (COVERING )?INDEX/.test(p)),
      plans.join('\n'),
    ).toBe(true);
  }

  it('leaderboard first and later pages', async () => {
    expectIndexed(await plansOf((db) => leaderboardPage(db, { period: 'all', limit: 25 })));
    expectIndexed(
      await plansOf((db) =>
        leaderboardPage(db, { period: '2026-11', limit: 25, after: { score: 9, userId: 4, position: 25, rank: 20 } }),
      ),
    );
  });

  it('bug list: newest, filtered, searched and paged', async () => {
    await seedBug();
    const cursor = { createdAt: '2030-01-01T00:00:00.000Z', id: 10 };
    expectIndexed(await plansOf((db) => listBugs(db, { limit: 25 })));
    expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, cursor })));
    expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, filters: { label: 'security' }, cursor })));
    const domainPlans = await plansOf((db) =>
      listBugs(db, { limit: 25, filters: { domain: 'a.example', status: 'open' } }),
    );
    expectIndexed(domainPlans);
    // A domain page must seek by domain, not walk every open bug on the site.
    expect(domainPlans.join('\n')).toMatch(
      /SEARCH bugs USING INDEX bugs_by_domain_status \(domain_id=\? AND status=\? AND is_hidden=\?\)/,
    );
    expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, filters: { domain: 'a.example' } })));
    expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, filters: { status: 'closed' } })));
    expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, userId: 1, includeHidden: true })));
    const search = await plansOf((db) => listBugs(db, { limit: 25, filters: { q: 'checkout button' } }));
    // Driven by the FTS5 index in rowid order (no sort), then each bug by primary key.
    expect(search.join('\n')).toMatch(/^SCAN bugs_fts VIRTUAL TABLE INDEX \d+:M/m);
    expect(search.join('\n')).toMatch(/SEARCH bugs USING INTEGER PRIMARY KEY/);
    for (const p of search) expect(p, p).not.toMatch(/^SCAN bugs$|TEMP B-TREE/);
  });

  it('bug list by state: open, ended, resolved and single states, with and without a domain, paged', async () => {
    await seedBug();
    const cursor = { createdAt: '2030-01-01T00:00:00.000Z', id: 10 };
    for (const status of ['open', 'ended', 'resolved', 'triaged', 'closed', 'duplicate'] as const) {
      expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, filters: { status } })));
      expectIndexed(await plansOf((db) => listBugs(db, { limit: 25, filters: { status }, cursor })));
      expectIndexed(
        await plansOf((db) => listBugs(db, { limit: 25, filters: { status, domain: 'a.example' }, cursor })),
      );
    }
    const resolved = (await plansOf((db) => listBugs(db, { limit: 25, filters: { status: 'resolved' }, cursor }))).join(
      '\n',
    );
    expect(resolved).toMatch(/SEARCH bugs USING INDEX bugs_resolved /);
    const onDomain = (
      await plansOf((db) => listBugs(db, { limit: 25, filters: { status: 'triaged', domain: 'a.example' } }))
    ).join('\n');
    expect(onDomain).toMatch(
      /SEARCH bugs USING INDEX bugs_by_domain_state \(domain_id=\? AND state=\? AND is_hidden=\?\)/,
    );
  });

  it('the bug page state queries: timeline, entry event, duplicates, flags', async () => {
    const id = await seedBug();
    const viewer = { id: 1, role: 'user' as const };
    const plans = await plansOf(async (db) => {
      await timeline(db, id, { after: '2026-01-01T00:00:00.000Z', upTo: '2030-01-01T00:00:00.000Z' });
      await entryEvent(db, id, 'closed');
      await duplicatesOf(db, id, viewer);
      await hasFlagged(db, id, 1);
    });
    for (const p of plans) expect(p, p).not.toMatch(/^SCAN (bugs|bug_events|bug_flags|points)\b/);
    expectIndexed(plans);
  });

  it('stats read counters, never the bugs table', async () => {
    const plans = await plansOf(async (db) => {
      await bugStats(db);
      await bugsPerDay(db);
      await bugsByLabel(db);
    });
    for (const p of plans) expect(p, p).not.toMatch(/\bbugs\b/);
    // bug_counts grows by a row per day and label: only the chart's 30 days of it may be read.
    for (const p of plans) expect(p, p).not.toMatch(/^SCAN bug_counts/);
    expect(plans.join('\n')).toMatch(/SEARCH bug_counts USING PRIMARY KEY \(day>\? AND day<\?\)/);
  });
});
