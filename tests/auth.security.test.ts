import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../worker/app';
import { hashPassword } from '../worker/lib/password';
import {
  CLOCK_TOLERANCE_SECONDS,
  SESSION_AUDIENCE,
  SESSION_ISSUER,
  SESSION_SECONDS,
  sessionKey,
  verifySession,
} from '../worker/lib/session';
import { call, count, PASSWORD, seedBug, sessionCookie, signUp, uniqueHost } from './helpers';

const key = () => new TextEncoder().encode(env.JWT_SECRET);
const b64url = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const cookieOf = (token: string) => `__Host-blt_session=${token}`;

async function token(
  userId: number,
  opts: {
    alg?: string;
    iss?: string;
    aud?: string;
    exp?: number | null;
    iat?: number;
    ver?: number;
    sub?: string;
    sk?: string | null;
    secret?: Uint8Array;
  } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  // The account's real session key unless a test says otherwise (null: leave the claim out).
  const row = await env.DB.prepare('SELECT session_key FROM users WHERE id = ?')
    .bind(userId)
    .first<{ session_key: string | null }>();
  const sk = opts.sk === undefined ? row?.session_key : opts.sk;
  const jwt = new SignJWT({ ver: opts.ver ?? 1, ...(sk ? { sk } : {}) })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
    .setSubject(opts.sub ?? String(userId))
    .setIssuedAt(opts.iat ?? now)
    .setIssuer(opts.iss ?? SESSION_ISSUER)
    .setAudience(opts.aud ?? SESSION_AUDIENCE);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now + 3600);
  return jwt.sign(opts.secret ?? key());
}

/** A forged session must be treated as signed out: me → 401 and a privileged write → 401, nothing written. */
async function expectSignedOut(cookie: string) {
  expect((await call('/api/auth/me', { json: true, cookie })).status).toBe(401);
  const bug = await seedBug();
  const res = await call(`/api/bugs/${bug}/comments`, { cookie, form: { body: 'forged' } });
  expect(res.status).toBe(401);
  expect(await count('comments', 'bug_id = ?', bug)).toBe(0);
}

describe('auth security: forged and stale session tokens', () => {
  it('a genuine token works (control for the cases below)', async () => {
    const u = await signUp('control');
    const me = await call('/api/auth/me', { json: true, cookie: cookieOf(await token(u.id)) });
    expect(me.status).toBe(200);
  });

  it('tampered signature', async () => {
    const u = await signUp('tamper');
    const t = await token(u.id);
    const [h, , s] = t.split('.');
    const forgedPayload = b64url({
      sub: String(u.id + 1),
      ver: 1,
      iat: 1,
      exp: 9_999_999_999,
      iss: SESSION_ISSUER,
      aud: SESSION_AUDIENCE,
    });
    await expectSignedOut(cookieOf(`${h}.${forgedPayload}.${s}`));
    const flipped = t.slice(0, -2) + (t.endsWith('A') ? 'BB' : 'AA');
    await expectSignedOut(cookieOf(flipped));
  });

  it('alg: none', async () => {
    const u = await signUp('algnone');
    const payload = b64url({
      sub: String(u.id),
      ver: 1,
      iat: 1,
      exp: 9_999_999_999,
      iss: SESSION_ISSUER,
      aud: SESSION_AUDIENCE,
    });
    await expectSignedOut(cookieOf(`${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`));
  });

  it('HS512 signed with the same key', async () => {
    const u = await signUp('hs512');
    await expectSignedOut(cookieOf(await token(u.id, { alg: 'HS512' })));
  });

  it('expired', async () => {
    const u = await signUp('expired');
    await expectSignedOut(cookieOf(await token(u.id, { exp: Math.floor(Date.now() / 1000) - 10 })));
  });

  it('wrong issuer', async () => {
    const u = await signUp('wrongiss');
    await expectSignedOut(cookieOf(await token(u.id, { iss: 'someone-else' })));
  });

  it('wrong audience', async () => {
    const u = await signUp('wrongaud');
    await expectSignedOut(cookieOf(await token(u.id, { aud: 'another-app' })));
  });

  it('missing exp', async () => {
    const u = await signUp('noexp');
    await expectSignedOut(cookieOf(await token(u.id, { exp: null })));
  });

  it('signed with another key', async () => {
    const u = await signUp('otherkey');
    await expectSignedOut(cookieOf(await token(u.id, { secret: new TextEncoder().encode('x'.repeat(48)) })));
  });

  it('a cookie does not outlive its account, even when SQLite gives the id to a new one (issue 7 item 10)', async () => {
    const gone = await signUp('gone');
    // Removed by hand, row and all (the app itself keeps a tombstone): its used link goes first.
    await env.DB.prepare('DELETE FROM email_tokens WHERE user_id = ?').bind(gone.id).run();
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(gone.id).run();
    const heir = await signUp('heir');
    expect(heir.id).toBe(gone.id); // the id was reused, as SQLite does without AUTOINCREMENT
    await expectSignedOut(gone.cookie);
    expect((await call('/api/auth/me', { json: true, cookie: heir.cookie })).status).toBe(200);
  });

  it('an account inserted by hand (no session_key yet) gets one at its first login', async () => {
    const name = `byhand_${Math.random().toString(36).slice(2, 10)}`;
    await env.DB.prepare(
      "INSERT INTO users (username, email, password_hash, email_verified_at) VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z')",
    )
      .bind(name, `${name}@example.test`, await hashPassword(PASSWORD))
      .run();
    const login = await call('/api/auth/login', { form: { username: name, password: PASSWORD } });
    expect(login.status).toBe(303);
    const me = await call('/api/auth/me', { json: true, cookie: sessionCookie(login) });
    expect(me.status).toBe(200);
    const key = await env.DB.prepare('SELECT session_key FROM users WHERE username = ?')
      .bind(name)
      .first<string>('session_key');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a token without the session key, or with another account's, is refused", async () => {
    const u = await signUp('nokey');
    const other = await signUp('otherkey');
    const otherKey = await env.DB.prepare('SELECT session_key FROM users WHERE id = ?')
      .bind(other.id)
      .first<string>('session_key');
    await expectSignedOut(cookieOf(await token(u.id, { sk: null })));
    await expectSignedOut(cookieOf(await token(u.id, { sk: otherKey! })));
  });

  it.each(['0x4', '4e0', ' 4', '04', '+4', '4.0', '4 '])(
    'a non-canonical sub %j is refused (issue 7 item 11)',
    async (sub) => {
      const u = await signUp('canon');
      await expectSignedOut(cookieOf(await token(u.id, { sub: sub.replace('4', String(u.id)) })));
    },
  );

  it('iat in the future is refused (beyond 5 s of clock tolerance)', async () => {
    const u = await signUp('future');
    const now = Math.floor(Date.now() / 1000);
    await expectSignedOut(cookieOf(await token(u.id, { iat: now + 3600, exp: now + 7200 })));
    await expectSignedOut(cookieOf(await token(u.id, { iat: now + 60 })));
  });

  it('exp more than a session length after iat, or an iat older than a session, is refused', async () => {
    const u = await signUp('century');
    const now = Math.floor(Date.now() / 1000);
    await expectSignedOut(cookieOf(await token(u.id, { exp: now + 100 * 365 * 24 * 3600 })));
    await expectSignedOut(cookieOf(await token(u.id, { exp: now + SESSION_SECONDS + 60 })));
    await expectSignedOut(cookieOf(await token(u.id, { iat: now - SESSION_SECONDS - 60, exp: now + 60 })));
  });

  it('a token that passed once is checked for its age again at every use (the isolate remembers it)', async () => {
    const u = await signUp('remembered');
    const now = Math.floor(Date.now() / 1000);
    const hour = await token(u.id, { exp: now + 60 });
    const week = await token(u.id, { exp: now + SESSION_SECONDS });
    const k = sessionKey(env.JWT_SECRET); // the key the Worker uses: the same object every time
    expect(await verifySession(k, hour)).toMatchObject({ userId: u.id });
    expect(await verifySession(k, week)).toMatchObject({ userId: u.id });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime((now + 60 + CLOCK_TOLERANCE_SECONDS + 1) * 1000);
      expect(await verifySession(k, hour)).toBeNull(); // expired since it was remembered
      expect(await verifySession(k, week)).toMatchObject({ userId: u.id });
      vi.setSystemTime((now + SESSION_SECONDS + CLOCK_TOLERANCE_SECONDS + 1) * 1000);
      expect(await verifySession(k, week)).toBeNull(); // a session old
    } finally {
      vi.useRealTimers();
    }
    // Remembered under one key, never accepted under another.
    const other = await token(u.id);
    expect(await verifySession(k, other)).toMatchObject({ userId: u.id });
    expect(await verifySession(sessionKey('another-secret-that-is-at-least-32-bytes'), other)).toBeNull();
  });

  it('a cookie from before logout', async () => {
    const u = await signUp('stale');
    expect((await call('/api/auth/logout', { cookie: u.cookie, form: {} })).status).toBe(303);
    await expectSignedOut(u.cookie);
  });
});

describe('auth security: cookies, throttling, enumeration, redirects', () => {
  it('the session cookie has exactly the flags DESIGN.md asks for', async () => {
    const u = await signUp('cookie_flags');
    const res = await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } });
    // Besides the read-your-writes bookmark (tests/page-cache.security.test.ts checks its flags).
    const set = res.headers.getSetCookie().filter((c) => !c.startsWith('__Host-blt_bookmark='));
    expect(set).toHaveLength(1);
    const [nameValue, ...attrs] = set[0]!.split(';').map((s) => s.trim());
    expect(nameValue).toMatch(/^__Host-blt_session=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(attrs.map((a) => a.toLowerCase()).sort()).toEqual(
      ['httponly', 'max-age=604800', 'path=/', 'samesite=lax', 'secure'].sort(),
    );
  });

  it('the 11th failed login in 15 minutes answers 429 with Retry-After, even with the right password', async () => {
    const u = await signUp('throttle');
    const ip = `198.51.100.${Math.floor(Math.random() * 200)}`;
    for (let i = 0; i < 10; i++) {
      const r = await call('/api/auth/login', {
        headers: { 'CF-Connecting-IP': ip },
        form: { username: u.username, password: 'wrong password!!' },
      });
      expect(r.status).toBe(401);
    }
    const eleventh = await call('/api/auth/login', {
      headers: { 'CF-Connecting-IP': ip },
      form: { username: u.username, password: PASSWORD },
    });
    expect(eleventh.status).toBe(429);
    const retry = Number(eleventh.headers.get('Retry-After'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect(eleventh.headers.getSetCookie()).toEqual([]);
  });

  it('unknown user and wrong password are indistinguishable', async () => {
    const u = await signUp('enum');
    const wrong = await call('/api/auth/login', { form: { username: u.username, password: 'not the password' } });
    const unknown = await call('/api/auth/login', {
      form: { username: `${u.username}_nope`, password: 'not the password' },
    });
    expect(wrong.status).toBe(unknown.status);
    // Each cookie-less request gets its own random form token; that says nothing about the account.
    const strip = (html: string, name: string) =>
      html
        .replaceAll(name, 'NAME')
        .replace(/X-Request-Id.*/g, '')
        .replace(/name="_form" value="[^"]*"/g, '');
    expect(strip(await wrong.text(), u.username)).toBe(strip(await unknown.text(), `${u.username}_nope`));
    const jw = await call('/api/auth/login', {
      json: true,
      form: { username: u.username, password: 'not the password' },
    });
    const ju = await call('/api/auth/login', {
      json: true,
      form: { username: 'zz_unknown_user', password: 'not the password' },
    });
    // Equal apart from the request id, which is unique per request.
    const withoutId = async (r: Response) => {
      const body = (await r.json()) as { error: { request_id?: string } };
      expect(body.error.request_id).toBe(r.headers.get('X-Request-Id'));
      delete body.error.request_id;
      return body;
    };
    expect(await withoutId(jw)).toEqual(await withoutId(ju));
  });

  it('a 1 MB password is rejected before hashing (413), a 300-character one with 422', async () => {
    const u = await signUp('bigpw');
    const before = await count('login_attempts');
    const huge = await call('/api/auth/login', { form: { username: u.username, password: 'p'.repeat(1024 * 1024) } });
    expect(huge.status).toBe(413);
    const long = await call('/api/auth/login', { form: { username: u.username, password: 'p'.repeat(300) } });
    expect(long.status).toBe(422);
    expect(await count('login_attempts')).toBe(before); // never reached the password check
  });

  it('a cross-origin login POST is refused with 403 and sets no cookie', async () => {
    const u = await signUp('xlogin');
    const res = await call('/api/auth/login', {
      origin: 'https://evil.example',
      form: { username: u.username, password: PASSWORD },
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it.each(['https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/\t/evil.example'])(
    'next=%s is ignored (lands on /)',
    async (next) => {
      const u = await signUp('next');
      const res = await call('/api/auth/login', { form: { username: u.username, password: PASSWORD, next } });
      expect(res.status).toBe(303);
      expect(res.headers.get('Location')).toBe('/');
    },
  );

  it('a non-ASCII next is percent-encoded in HX-Redirect and Location (issue 7 item 15)', async () => {
    const u = await signUp('utf8next');
    const form = { username: u.username, password: PASSWORD, next: '/日本?q=ü #x' };
    const hx = await call('/api/auth/login', { hx: true, form });
    expect(hx.status).toBe(204);
    expect(hx.headers.get('HX-Redirect')).toBe('/%E6%97%A5%E6%9C%AC?q=%C3%BC%20#x');
    const page = await call('/api/auth/login', { form });
    expect(page.headers.get('Location')).toBe('/%E6%97%A5%E6%9C%AC?q=%C3%BC%20#x');
    // Already-encoded paths are left as they are.
    const done = await call('/api/auth/login', { hx: true, form: { ...form, next: '/%E6%97%A5' } });
    expect(done.headers.get('HX-Redirect')).toBe('/%E6%97%A5');
  });

  it('without a strong JWT_SECRET the Worker answers 500 rather than use a weak key', async () => {
    const app = createApp();
    for (const secret of [undefined, 'short']) {
      const res = await app.fetch(new Request('http://example.com/bugs'), { ...env, JWT_SECRET: secret });
      expect(res.status).toBe(500);
      const html = await res.text();
      expect(html).toContain('Request id');
      expect(html).not.toContain('JWT_SECRET');
    }
  });
});

describe("auth security: someone else's hidden bug", () => {
  it('is a 404 everywhere and absent from lists, similar, stats and JSON', async () => {
    const owner = await signUp('hider');
    const other = await signUp('snoop');
    const host = uniqueHost('secret');
    // A query string the cache has never seen, so these counts come from D1, not the Cache API.
    const freshStats = async () => (await call(`/api/stats?nocache=${Math.random()}`, { json: true })).json();
    const statsBefore = await freshStats();
    const res = await call('/api/bugs', {
      cookie: owner.cookie,
      form: { url: `https://${host}/x`, title: 'Secret private bug', private: 'on' },
    });
    const id = Number(res.headers.get('Location')!.split('/').pop());
    for (const cookie of [undefined, other.cookie]) {
      const r = { cookie };
      expect((await call(`/bugs/${id}`, r)).status).toBe(404);
      expect((await call(`/api/bugs/${id}`, { ...r, json: true })).status).toBe(404);
      expect((await call(`/api/bugs/${id}`, { ...r, hx: true })).status).toBe(404);
      expect((await call(`/domains/${host}`, r)).status).toBe(404);
      expect((await call(`/api/bugs/${id}/comments`, { ...r, form: { body: 'hi' } })).status).toBe(cookie ? 404 : 401);
      expect((await call(`/api/bugs/${id}/upvote`, { ...r, form: {} })).status).toBe(cookie ? 404 : 401);
      const list = (await (await call(`/api/bugs?domain=${host}`, { ...r, json: true })).json()) as { bugs: unknown[] };
      expect(list.bugs).toEqual([]);
      const all = await (await call('/api/bugs?limit=100', { ...r, json: true })).text();
      expect(all).not.toContain('Secret private bug');
      const similar = await (await call(`/api/bugs/similar?url=https://${host}/`, { ...r, hx: true })).text();
      expect(similar).not.toContain('Secret private bug');
      expect(await (await call('/bugs?q=Secret+private', r)).text()).not.toContain('Secret private bug');
    }
    expect(await freshStats()).toEqual(statsBefore);
    expect(await count('comments', 'bug_id = ?', id)).toBe(0);
  });
});
