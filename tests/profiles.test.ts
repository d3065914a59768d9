import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, makeAdmin, seedBug, setStatus, signUp, uniqueHost } from './helpers';

type Profile = {
  username: string;
  points: { all: number; month: number };
  rank: { all: number | null; month: number | null };
  bugs: { id: number; title: string; is_hidden: number }[];
  history: { reason: string; score: number; bug_title: string | null }[];
};

describe('profiles', () => {
  it('shows points, rank, bugs and history; hidden bugs only to their owner and admins', async () => {
    const owner = await signUp('prof');
    const stranger = await signUp('stranger');
    const admin = await signUp('profadmin');
    await makeAdmin(admin.id);
    const host = uniqueHost('profile');
    await call('/api/bugs', { cookie: owner.cookie, form: { url: `https://${host}/a`, title: 'Public profile bug' } });
    await call('/api/bugs', {
      cookie: owner.cookie,
      form: { url: `https://${host}/b`, title: 'Private profile bug', private: 'on' },
    });
    const as = async (cookie?: string) =>
      (await (await call(`/api/users/${owner.username}`, { json: true, cookie })).json()) as Profile;

    const mine = await as(owner.cookie);
    expect(mine.points).toMatchObject({ all: 7, month: 7 });
    expect(mine.rank.all).toBeGreaterThanOrEqual(1);
    expect(mine.bugs.map((b) => b.title)).toEqual(['Private profile bug', 'Public profile bug']);
    expect(mine.history.map((h) => [h.reason, h.score])).toEqual([
      ['Bug reported', 3],
      ['Domain added', 1],
      ['Bug reported', 3],
    ]);
    expect(mine.history[0]!.bug_title).toBe('Private profile bug');

    for (const cookie of [undefined, stranger.cookie]) {
      const seen = await as(cookie);
      expect(seen.bugs.map((b) => b.title)).toEqual(['Public profile bug']);
      expect(seen.history[0]!.bug_title).toBeNull(); // the private bug is not named
      expect(JSON.stringify(seen)).not.toContain('Private profile bug');
    }
    expect((await as(admin.cookie)).bugs).toHaveLength(2);

    const page = await (await call(`/users/${owner.username}`, { cookie: stranger.cookie })).text();
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('Public profile bug');
    expect(page).not.toContain('Private profile bug');
    expect(page).toContain('Points, all time');
  });

  it('rank matches the leaderboard, and unknown users are a 404', async () => {
    const u = await signUp('ranked');
    await call('/api/bugs', {
      cookie: u.cookie,
      form: { url: `https://${uniqueHost('r')}/`, title: 'Ranked bug here' },
    });
    const profile = (await (await call(`/api/users/${u.username}`, { json: true })).json()) as Profile;
    const higher = await env.DB.prepare(
      "SELECT count(*) AS n FROM user_scores WHERE period = 'all' AND score > 4",
    ).first<{
      n: number;
    }>();
    expect(profile.rank.all).toBe(higher!.n + 1);
    expect((await call('/users/no_such_user_here')).status).toBe(404);
    expect((await call('/users/bad%20name')).status).toBe(404);
  });
});

describe('domains and stats', () => {
  it('a domain page lists its top reporters', async () => {
    const a = await signUp('topa');
    const b = await signUp('topb');
    const host = uniqueHost('top');
    for (const [u, n] of [
      [a, 1],
      [b, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await call('/api/bugs', {
          cookie: u.cookie,
          form: { url: `https://${host}/${i}`, title: `Top reporter bug ${i}` },
        });
      }
    }
    const json = (await (await call(`/domains/${host}`, { json: true })).json()) as {
      top_reporters: { username: string; bugs: number }[];
    };
    expect(json.top_reporters).toEqual([
      { username: b.username, bugs: 2 },
      { username: a.username, bugs: 1 },
    ]);
    const html = await (await call(`/domains/${host}`)).text();
    expect(html).toContain(`Top reporters on ${host}`);
  });

  it('/stats has two labelled SVG charts and tables with the same numbers; hidden and spam never count', async () => {
    const before = (await (await call('/stats', { json: true })).json()) as {
      per_day: { day: string; count: number }[];
      by_label: { label: string; count: number }[];
    };
    await seedBug({ label: 'typo' });
    await seedBug({ label: 'typo', isHidden: true });
    const spam = await seedBug({ label: 'typo' });
    await setStatus(spam, 'spam');
    const after = (await (await call('/stats', { json: true })).json()) as typeof before;
    const typo = (s: typeof before) => s.by_label.find((l) => l.label === 'typo')!.count;
    expect(typo(after)).toBe(typo(before) + 1);
    expect(after.per_day).toHaveLength(30);
    expect(after.per_day.at(-1)!.count).toBe(before.per_day.at(-1)!.count + 1);
    expect(after.by_label).toHaveLength(9);

    const html = await (await call('/stats')).text();
    expect((html.match(/<svg class="chart"/g) ?? []).length).toBe(2);
    expect(html).toContain('<title id="per-day-title">Bugs reported per day, last 30 days</title>');
    expect(html).toContain('<title id="by-label-title">Bugs by label</title>');
    expect(html).toMatch(/<desc id="per-day-desc">/);
    expect(html).toContain(`<th scope="row">Typo</th><td>${typo(after)}</td>`);
    const today = after.per_day.at(-1)!;
    expect(html).toContain(`<th scope="row">${today.day}</th><td>${today.count}</td>`);
    expect(html).not.toContain('<script>');
  });
});
