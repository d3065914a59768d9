import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SESSION_AUDIENCE, SESSION_COOKIE, SESSION_ISSUER } from '../worker/lib/session';
import { call, count, expectScoresMatchLedger, makeAdmin, scoreOf, signUp, uniqueHost } from './helpers';

const month = () => new Date().toISOString().slice(0, 7);
const idFrom = (res: Response) => Number(res.headers.get('Location')!.split('/').pop());

function privateForm(title: string) {
  return {
    url: `https://${uniqueHost('priv-nosession')}/secret/page`,
    title,
    description: 'Steps that only the reporter should see',
    label: 'security',
    severity: 'high',
    private: 'on',
  };
}

/** A cookie whose token is correctly signed but expired an hour ago. */
async function expiredCookie(userId: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ ver: 1 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuedAt(now - 8 * 86_400)
    .setExpirationTime(now - 3600)
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .sign(new TextEncoder().encode(env.JWT_SECRET));
  return `${SESSION_COOKIE}=${token}`;
}

/** A cookie that was valid until its user logged out on another device. */
async function loggedOutElsewhere(): Promise<string> {
  const u = await signUp('elsewhere');
  // "Log out" on another device bumps session_version; this cookie is now stale.
  await env.DB.prepare('UPDATE users SET session_version = session_version + 1 WHERE id = ?').bind(u.id).run();
  return u.cookie;
}

describe('item 1: a private report without a valid session is never stored', () => {
  const cases: [string, () => Promise<string | undefined>][] = [
    ['no cookie', async () => undefined],
    ['logged out elsewhere', loggedOutElsewhere],
    ['expired cookie', async () => expiredCookie((await signUp('expired')).id)],
  ];

  for (const [name, cookieFor] of cases) {
    it(`${name}: 422 page with everything typed, the private box and a log-in link; no row`, async () => {
      const cookie = await cookieFor();
      const title = `Private but signed out ${name} ${Math.random()}`;
      const form = privateForm(title);
      const before = await count('bugs');
      const res = await call('/api/bugs', { cookie, form });
      expect(res.status).toBe(422);
      expect(res.headers.get('Location')).toBeNull();
      const html = await res.text();
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html).toContain('Nothing was published');
      expect(html).toContain('href="/login?next=/bugs/new"');
      expect(html).toContain(`value="${form.url}"`);
      expect(html).toContain(`value="${title}"`);
      expect(html).toContain(form.description);
      expect(html).toMatch(/<option value="security" selected="">/);
      expect(html).toMatch(/<option value="high" selected="">/);
      expect(html).toMatch(/<input[^>]*name="private"[^>]*checked=""/);
      expect(await count('bugs', 'title = ?', title)).toBe(0);
      expect(await count('bugs')).toBe(before);
    });
  }

  it('htmx gets the form fragment with the same message (422), nothing stored', async () => {
    const cookie = await loggedOutElsewhere();
    const title = `Private htmx signed out ${Math.random()}`;
    const res = await call('/api/bugs', { hx: true, cookie, form: privateForm(title) });
    expect(res.status).toBe(422);
    expect(res.headers.get('HX-Push-Url')).toBeNull();
    const html = await res.text();
    expect(html.startsWith('<form')).toBe(true);
    expect(html).toContain('Nothing was published');
    expect(html).toContain('href="/login?next=/bugs/new"');
    expect(html).toMatch(/<input[^>]*name="private"[^>]*checked=""/);
    expect(await count('bugs', 'title = ?', title)).toBe(0);
  });

  it('JSON gets 401 in the one error shape, nothing stored', async () => {
    const title = `Private json signed out ${Math.random()}`;
    const res = await call('/api/bugs', { json: true, form: privateForm(title) });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe('unauthorized');
    expect(body.error.message).toMatch(/nothing was published/i);
    expect(body.error.message).toMatch(/log in/i);
    expect(body.error.request_id).toBe(res.headers.get('X-Request-Id'));
    expect(await count('bugs', 'title = ?', title)).toBe(0);
  });

  it('a valid session still files the private report (303), and a public anonymous one still works', async () => {
    const u = await signUp('validpriv');
    const res = await call('/api/bugs', { cookie: u.cookie, form: privateForm('Private with a session') });
    expect(res.status).toBe(303);
    const row = await env.DB.prepare('SELECT is_hidden, user_id FROM bugs WHERE id = ?').bind(idFrom(res)).first();
    expect(row).toEqual({ is_hidden: 1, user_id: u.id });
    const anon = await call('/api/bugs', {
      form: { url: `https://${uniqueHost('anonpub')}/`, title: 'Public anonymous report' },
    });
    expect(anon.status).toBe(303);
  });
});

type Profile = {
  points: { all: number; month: number };
  history: { reason: string; score: number; bug_id: number | null; bug_title: string | null }[];
};
type Leaders = { leaders: { username: string; points: number; bugs: number }[]; next: string | null };

describe('item 2: counts and history never reveal private reports', () => {
  it('leaderboard, profile count and user_scores.bugs count public non-spam reports; history hides private bugs', async () => {
    const owner = await signUp('counts');
    const stranger = await signUp('peek');
    const admin = await signUp('countadm');
    await makeAdmin(admin.id);
    const publicHost = uniqueHost('pub');
    const secretHost = uniqueHost('secret-counts');
    const pub = await call('/api/bugs', {
      cookie: owner.cookie,
      form: { url: `https://${publicHost}/`, title: 'Public counted bug' },
    });
    const priv = await call('/api/bugs', {
      cookie: owner.cookie,
      form: { url: `https://${secretHost}/x`, title: 'Secret uncounted bug', private: 'on' },
    });
    const privId = idFrom(priv);
    expect(pub.status).toBe(303);

    for (const period of ['all', month()]) {
      const row = await env.DB.prepare('SELECT bugs FROM user_scores WHERE user_id = ? AND period = ?')
        .bind(owner.id, period)
        .first<{ bugs: number }>();
      expect(row?.bugs).toBe(1);
    }
    // The point total may include the private report (3 + 1 public, 3 private; no domain point).
    expect(await scoreOf(owner.id)).toBe(7);

    for (const period of ['', `&month=${month()}`]) {
      let url: string | null = `/leaderboard?limit=100${period}`;
      let mine: Leaders['leaders'][number] | undefined;
      while (url && !mine) {
        const board = (await (await call(url, { json: true })).json()) as Leaders;
        mine = board.leaders.find((l) => l.username === owner.username);
        url = board.next ? `/leaderboard?limit=100${period}&after=${board.next}` : null;
      }
      expect(mine).toMatchObject({ points: 7, bugs: 1 });
    }

    for (const cookie of [undefined, stranger.cookie]) {
      const res = await call(`/api/users/${owner.username}`, { json: true, cookie });
      const text = await res.text();
      const profile = JSON.parse(text) as Profile;
      expect(profile.points.all).toBe(7);
      expect(profile.history.some((h) => h.bug_id === privId)).toBe(false);
      const hidden = profile.history.filter((h) => h.reason === 'Private report');
      expect(hidden).toHaveLength(1);
      expect(hidden[0]).toMatchObject({ score: 3, bug_id: null, bug_title: null });
      expect(text).not.toContain('Secret uncounted bug');
      expect(text).not.toContain(secretHost);
      const html = await (await call(`/users/${owner.username}`, { cookie })).text();
      expect(html).toContain('Bugs reported (1)');
      expect(html).toContain('Private report');
      expect(html).not.toContain(`/bugs/${privId}"`);
      expect(html).not.toContain(secretHost);
    }

    for (const cookie of [owner.cookie, admin.cookie]) {
      const profile = (await (await call(`/api/users/${owner.username}`, { json: true, cookie })).json()) as Profile;
      const row = profile.history.find((h) => h.bug_id === privId);
      expect(row).toMatchObject({ reason: 'Bug reported', bug_title: 'Secret uncounted bug' });
    }
    // The owner sees the private report in their list, but the public count stays 1.
    const own = await (await call(`/users/${owner.username}`, { cookie: owner.cookie })).text();
    expect(own).toContain('Secret uncounted bug');
    expect(own).toContain('Bugs reported (1)');
  });

  it('marking a private report spam takes its points back without touching the public count', async () => {
    const owner = await signUp('privspam');
    const admin = await signUp('privspamadm');
    await makeAdmin(admin.id);
    await call('/api/bugs', {
      cookie: owner.cookie,
      form: { url: `https://${uniqueHost('ps-pub')}/`, title: 'Public one stays' },
    });
    const priv = idFrom(
      await call('/api/bugs', {
        cookie: owner.cookie,
        form: { url: `https://${uniqueHost('ps-priv')}/`, title: 'Private spam one', private: 'on' },
      }),
    );
    expect((await call(`/api/bugs/${priv}/status`, { cookie: admin.cookie, form: { status: 'spam' } })).status).toBe(
      303,
    );
    const row = await env.DB.prepare("SELECT bugs, score FROM user_scores WHERE user_id = ? AND period = 'all'")
      .bind(owner.id)
      .first();
    expect(row).toEqual({ bugs: 1, score: 4 });
    await expectScoresMatchLedger(owner.id);
  });
});

describe('item 3: a private report is no hostname oracle', () => {
  it('private report on a new domain by A, then a public one by B: B gets 3 + 1', async () => {
    const a = await signUp('oracle_a');
    const b = await signUp('oracle_b');
    const host = uniqueHost('secret-internal');
    const neverSeen = uniqueHost('never-seen');
    const statsBefore = (await (await call(`/api/stats?x=${Math.random()}`, { json: true })).json()) as {
      domains: number;
    };
    const priv = await call('/api/bugs', {
      cookie: a.cookie,
      form: { url: `https://${host}/admin`, title: 'Internal admin exposed', private: 'on' },
    });
    expect(priv.status).toBe(303);
    expect(await scoreOf(a.id)).toBe(3);
    expect(await count('points', "user_id = ? AND reason = 'Domain added'", a.id)).toBe(0);

    // Nothing public tells the domain apart from one nobody has reported.
    const page = await call(`/domains/${host}`);
    const unknown = await call(`/domains/${neverSeen}`);
    expect(page.status).toBe(unknown.status);
    expect((await page.text()).replaceAll(host, 'H')).toBe((await unknown.text()).replaceAll(neverSeen, 'H'));
    const jsonPage = await call(`/domains/${host}`, { json: true });
    const jsonUnknown = await call(`/domains/${neverSeen}`, { json: true });
    expect(jsonPage.status).toBe(jsonUnknown.status);
    const strip = (t: string, h: string) => t.replaceAll(h, 'H').replace(/"request_id":"[^"]*"/, '');
    expect(strip(await jsonPage.text(), host)).toBe(strip(await jsonUnknown.text(), neverSeen));
    const statsAfter = (await (await call(`/api/stats?x=${Math.random()}`, { json: true })).json()) as {
      domains: number;
    };
    expect(statsAfter.domains).toBe(statsBefore.domains);
    expect(await count('domains', 'hostname = ? AND has_public_bugs = 1', host)).toBe(0);
    const similar = await (await call(`/api/bugs/similar?url=https://${host}/`, { json: true })).json();
    expect(JSON.stringify(similar)).not.toContain('Internal admin exposed');

    const pub = await call('/api/bugs', {
      cookie: b.cookie,
      form: { url: `https://${host}/login`, title: 'Public report on the same host' },
    });
    expect(pub.status).toBe(303);
    expect(await scoreOf(b.id)).toBe(4);
    expect(await count('points', "user_id = ? AND reason = 'Domain added'", b.id)).toBe(1);
    expect(await scoreOf(a.id)).toBe(3);
    // The +1 is given once: a second public report gets 3.
    const c = await signUp('oracle_c');
    await call('/api/bugs', { cookie: c.cookie, form: { url: `https://${host}/x`, title: 'Another public one' } });
    expect(await scoreOf(c.id)).toBe(3);
  });
});

const personalRequests: [string, { hx?: boolean; json?: boolean }][] = [
  ['/bugs', {}],
  ['/bugs', { json: true }],
  ['/api/bugs', { hx: true }],
  ['/api/bugs', { json: true }],
  ['/bugs/new', {}],
  ['/bugs/new', { json: true }],
  ['/leaderboard', {}],
  ['/stats', {}],
  ['/api/auth/me', {}],
  ['/api/auth/me', { json: true }],
  ['/api/auth/me', { hx: true }],
  ['/no-such-page', {}],
];

describe('item 4: personal responses are never cached by a shared cache', () => {
  it('signed-in pages, fragments and JSON send Cache-Control: private, no-store and Vary: Cookie', async () => {
    const u = await signUp('cachey');
    const bug = idFrom(
      await call('/api/bugs', { cookie: u.cookie, form: { url: `https://${uniqueHost('cc')}/`, title: 'Public bug' } }),
    );
    const requests: [string, { hx?: boolean; json?: boolean }][] = [
      ...personalRequests,
      [`/bugs/${bug}`, {}],
      [`/bugs/${bug}`, { json: true }],
      [`/api/bugs/${bug}`, { hx: true }],
      [`/users/${u.username}`, {}],
      [`/api/users/${u.username}`, { json: true }],
      [`/users/${u.username}`, { hx: true }],
    ];
    for (const [path, r] of requests) {
      for (const cookie of [u.cookie, undefined]) {
        const res = await call(path, { ...r, cookie });
        const what = `${path} ${JSON.stringify(r)} ${cookie ? 'signed in' : 'anonymous'}`;
        // Anonymous full pages the Workers page cache serves are the same for everyone: the browser
        // may keep them but must ask again (middleware/page-cache.ts); shared caches never may.
        const shared = !cookie && !r.hx && !r.json && ['/bugs', '/leaderboard', '/stats'].includes(path);
        expect(res.headers.get('Cache-Control'), what).toBe(shared ? 'private, no-cache' : 'private, no-store');
        expect(res.headers.get('Vary') ?? '', what).toMatch(/\bCookie\b/);
        if (path === '/bugs') expect(res.headers.get('Vary'), what).toMatch(/HX-Request.*Accept/);
      }
    }
  });

  it('the public fragments and the embed keep their public caching', async () => {
    const u = await signUp('cachepub');
    for (const [path, r] of [
      [`/api/leaderboard?x=${Math.random()}`, { hx: true }],
      [`/api/leaderboard?x=${Math.random()}`, { json: true }],
      [`/api/stats?x=${Math.random()}`, { hx: true }],
      [`/embed/leaderboard?x=${Math.random()}`, {}],
    ] as const) {
      const res = await call(path, { ...r, cookie: u.cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get('Cache-Control'), path).toBe('public, max-age=60');
      expect(res.headers.get('Set-Cookie')).toBeNull();
    }
  });
});

describe('item 17: the spam take-back is booked against the report month', () => {
  it('an old report marked spam: its month goes back to 0, the current month is untouched', async () => {
    const author = await signUp('oldspam');
    const admin = await signUp('oldspamadm');
    await makeAdmin(admin.id);
    const id = idFrom(
      await call('/api/bugs', {
        cookie: author.cookie,
        form: { url: `https://${uniqueHost('oldspam')}/`, title: 'An old report' },
      }),
    );
    // Move the report and its ledger rows to an old month, keeping user_scores equal to the ledger.
    const old = '2024-03';
    const at = `${old}-15T12:00:00.000Z`;
    const now = month();
    await env.DB.batch([
      env.DB.prepare('UPDATE bugs SET created_at = ?, updated_at = ? WHERE id = ?').bind(at, at, id),
      env.DB.prepare('UPDATE points SET created_at = ?, period = ? WHERE bug_id = ?').bind(at, old, id),
      env.DB.prepare('DELETE FROM user_scores WHERE user_id = ? AND period = ?').bind(author.id, now),
      env.DB.prepare('INSERT INTO user_scores (user_id, period, score, bugs) VALUES (?, ?, 4, 1)').bind(author.id, old),
    ]);
    await expectScoresMatchLedger(author.id);
    expect((await call(`/api/bugs/${id}/status`, { cookie: admin.cookie, form: { status: 'spam' } })).status).toBe(303);
    expect(await scoreOf(author.id)).toBe(0);
    expect(await scoreOf(author.id, old)).toBe(0);
    const current = await env.DB.prepare('SELECT score, bugs FROM user_scores WHERE user_id = ? AND period = ?')
      .bind(author.id, now)
      .first<{ score: number; bugs: number }>();
    expect(current?.score ?? 0).toBe(0);
    expect(current?.bugs ?? 0).toBe(0);
    const oldRow = await env.DB.prepare('SELECT score, bugs FROM user_scores WHERE user_id = ? AND period = ?')
      .bind(author.id, old)
      .first();
    expect(oldRow).toEqual({ score: 0, bugs: 0 });
    // The take-back row is dated now (it shows as recent history) but counts in the report's month.
    const reversal = await env.DB.prepare('SELECT period, created_at FROM points WHERE bug_id = ? AND score < 0')
      .bind(id)
      .first<{ period: string; created_at: string }>();
    expect(reversal?.period).toBe(old);
    expect(reversal?.created_at.slice(0, 7)).toBe(now);
    await expectScoresMatchLedger(author.id);
  });
});
