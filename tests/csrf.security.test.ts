import { describe, expect, it } from 'vitest';
import { call, count, PASSWORD, sessionCookie, signUp, uniqueHost } from './helpers';

/** What lynx and w3m send: a form POST with neither Origin nor Sec-Fetch-Site. */
const TEXT_BROWSER = { origin: null } as const;

/** The form cookie a page sets and the `_form` field its forms carry, as a browser keeps them. */
async function formPair(path = '/bugs/new', cookie?: string): Promise<{ cookie: string; token: string }> {
  const res = await call(path, cookie ? { cookie } : {});
  expect(res.status).toBe(200);
  const html = await res.text();
  const token = /<input type="hidden" name="_form" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no _form field on ${path}`);
  const set = res.headers.getSetCookie().find((c) => c.startsWith('__Host-blt_form='));
  const formCookie = set?.split(';')[0] ?? cookie?.split('; ').find((c) => c.startsWith('__Host-blt_form='));
  if (!formCookie) throw new Error(`no form cookie for ${path}`);
  return { cookie: formCookie, token };
}

const report = (host: string, extra: Record<string, string> = {}) => ({
  url: `https://${host}/page`,
  title: 'A report from a text browser',
  description: 'Posted without Origin or Sec-Fetch-Site.',
  ...extra,
});

const written = async (host: string) =>
  (await count('domains', 'hostname = ?', host)) + (await count('bugs', 'url = ?', `https://${host}/page`));

describe('csrf: forms from browsers that send neither Origin nor Sec-Fetch-Site', () => {
  it('no headers and no token → 403 and nothing is written', async () => {
    const host = uniqueHost('notoken');
    const res = await call('/api/bugs', { ...TEXT_BROWSER, form: report(host) });
    expect(res.status).toBe(403);
    expect(await written(host)).toBe(0);
  });

  it('no headers and the cookie without the field (or the field without the cookie) → 403', async () => {
    const { cookie, token } = await formPair();
    const host = uniqueHost('half');
    expect((await call('/api/bugs', { ...TEXT_BROWSER, cookie, form: report(host) })).status).toBe(403);
    expect((await call('/api/bugs', { ...TEXT_BROWSER, form: report(host, { _form: token }) })).status).toBe(403);
    expect(await written(host)).toBe(0);
  });

  it('no headers and a valid token → the form is handled (303 to the new bug)', async () => {
    const { cookie, token } = await formPair();
    const host = uniqueHost('lynx');
    const res = await call('/api/bugs', { ...TEXT_BROWSER, cookie, form: report(host, { _form: token }) });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toMatch(/^\/bugs\/\d+$/);
    expect(await written(host)).toBe(2);
  });

  it('a foreign Origin is refused even with a valid token', async () => {
    const { cookie, token } = await formPair();
    const host = uniqueHost('foreign');
    const res = await call('/api/bugs', {
      origin: 'https://evil.example',
      cookie,
      form: report(host, { _form: token }),
    });
    expect(res.status).toBe(403);
    expect(await written(host)).toBe(0);
  });

  it.each(['cross-site', 'same-site'])('Sec-Fetch-Site: %s is refused even with a valid token', async (site) => {
    const { cookie, token } = await formPair();
    const host = uniqueHost('site');
    const res = await call('/api/bugs', {
      ...TEXT_BROWSER,
      cookie,
      headers: { 'Sec-Fetch-Site': site },
      form: report(host, { _form: token }),
    });
    expect(res.status).toBe(403);
    expect(await written(host)).toBe(0);
  });

  it('Origin "null" (sandboxed frames, data: URLs) is refused', async () => {
    const host = uniqueHost('null');
    const res = await call('/api/bugs', { origin: 'null', form: report(host) });
    expect(res.status).toBe(403);
    expect(await written(host)).toBe(0);
  });

  it("a token minted for another browser's cookie is refused", async () => {
    const mine = await formPair();
    const theirs = await formPair();
    expect(mine.cookie).not.toBe(theirs.cookie);
    const host = uniqueHost('swap');
    const res = await call('/api/bugs', {
      ...TEXT_BROWSER,
      cookie: mine.cookie,
      form: report(host, { _form: theirs.token }),
    });
    expect(res.status).toBe(403);
    expect(await written(host)).toBe(0);
  });

  it('a forged token (the cookie value itself, or a tampered MAC) is refused', async () => {
    const { cookie, token } = await formPair();
    const host = uniqueHost('forged');
    const value = cookie.split('=')[1]!;
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const _form of [value, tampered, '']) {
      expect((await call('/api/bugs', { ...TEXT_BROWSER, cookie, form: report(host, { _form }) })).status).toBe(403);
    }
    expect(await written(host)).toBe(0);
  });

  it('Sec-Fetch-Site same-origin or none, or the same Origin, need no token (browsers)', async () => {
    for (const headers of [{ 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }]) {
      const host = uniqueHost('browser');
      const res = await call('/api/bugs', { ...TEXT_BROWSER, headers, form: report(host) });
      expect(res.status).toBe(303);
    }
    expect((await call('/api/bugs', { form: report(uniqueHost('origin')) })).status).toBe(303);
  });

  it('the token does not depend on the session: log in, log out, log in again with one cookie', async () => {
    const { username } = await signUp('lynx');
    const { cookie, token } = await formPair('/login');
    const login = await call('/api/auth/login', {
      ...TEXT_BROWSER,
      cookie,
      form: { username, password: PASSWORD, _form: token },
    });
    expect(login.status).toBe(303);
    const session = sessionCookie(login);
    // The form cookie is not replaced when a session starts: pages keep the same token.
    expect(login.headers.getSetCookie().some((c) => c.startsWith('__Host-blt_form='))).toBe(false);
    const signedIn = await formPair('/bugs/new', `${cookie}; ${session}`);
    expect(signedIn.token).toBe(token);

    const logout = await call('/api/auth/logout', {
      ...TEXT_BROWSER,
      cookie: `${cookie}; ${session}`,
      form: { _form: token },
    });
    expect(logout.status).toBe(303);
    // The old session is dead now, and the same form token still reaches the login handler.
    const again = await call('/api/auth/login', {
      ...TEXT_BROWSER,
      cookie: `${cookie}; ${session}`,
      form: { username, password: PASSWORD, _form: token },
    });
    expect(again.status).toBe(303);
  });

  it('a form whose session has ended still reaches its handler (it can say so; no bare 403)', async () => {
    const { username } = await signUp('expired');
    const { cookie, token } = await formPair('/login');
    const login = await call('/api/auth/login', {
      ...TEXT_BROWSER,
      cookie,
      form: { username, password: PASSWORD, _form: token },
    });
    const session = sessionCookie(login);
    const form = await formPair('/bugs/new', `${cookie}; ${session}`);
    // The session ends elsewhere (log out on another device), then this page's form is sent.
    await call('/api/auth/logout', { cookie: session, form: {} });
    const host = uniqueHost('expired');
    const res = await call('/api/bugs', {
      ...TEXT_BROWSER,
      cookie: `${cookie}; ${session}`,
      form: report(host, { _form: form.token, private: 'on' }),
    });
    expect(res.status).not.toBe(403);
    expect([303, 401, 422]).toContain(res.status);
  });

  it('the form cookie is __Host-, HttpOnly, Secure, SameSite=Lax, Path=/ and never has a Domain', async () => {
    const res = await call('/signup');
    const set = res.headers.getSetCookie().find((c) => c.startsWith('__Host-blt_form='));
    expect(set).toBeDefined();
    expect(set).toMatch(/^__Host-blt_form=[A-Za-z0-9_-]{43};/);
    expect(set).toMatch(/; HttpOnly/i);
    expect(set).toMatch(/; Secure/i);
    expect(set).toMatch(/; SameSite=Lax/i);
    expect(set).toMatch(/; Path=\/(;|$)/);
    expect(set).not.toMatch(/Domain=/i);
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('pages without forms and the public embeds set no form cookie', async () => {
    for (const [path, hx] of [
      ['/bugs', false],
      ['/leaderboard', false],
      ['/api/leaderboard', true],
      ['/api/stats', true],
      ['/embed/leaderboard', false],
    ] as const) {
      const res = await call(path, { hx });
      expect(res.status, path).toBe(200);
      expect(
        res.headers.getSetCookie().filter((c) => c.includes('blt_form')),
        path,
      ).toEqual([]);
    }
  });

  it('every POST form, on pages and in fragments, carries the token field', async () => {
    const owner = await signUp('owner');
    const viewer = await signUp('viewer');
    const host = uniqueHost('forms');
    const created = await call('/api/bugs', { cookie: owner.cookie, form: report(host) });
    const bugPath = created.headers.get('Location')!;
    const id = bugPath.split('/').pop()!;
    const pages: [string, string][] = [
      ['/login', ''],
      ['/signup', ''],
      ['/bugs/new', ''],
      ['/bugs/new', viewer.cookie],
      [bugPath, viewer.cookie],
      [bugPath, owner.cookie],
      ['/bugs', viewer.cookie],
    ];
    const htmls = await Promise.all(pages.map(async ([p, cookie]) => (await call(p, { cookie })).text()));
    const fragments = [
      await call('/api/auth/me', { hx: true, cookie: viewer.cookie }),
      await call('/login', { hx: true }),
      await call(`/api/bugs/${id}/upvote`, { hx: true, cookie: viewer.cookie, form: {} }),
      await call(`/api/bugs/${id}/comments`, { hx: true, cookie: viewer.cookie, form: { body: 'Hello' } }),
      await call(`/api/bugs/${id}/comments`, { hx: true, cookie: viewer.cookie, form: { body: '' } }),
      await call('/api/bugs', { hx: true, cookie: viewer.cookie, form: report(uniqueHost('hx')) }),
      await call('/api/bugs', { hx: true, form: { url: 'nope' } }),
    ];
    for (const res of fragments) htmls.push(await res.text());
    let forms = 0;
    for (const html of htmls) {
      for (const m of html.matchAll(/<form\b[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/g)) {
        forms += 1;
        expect(m[1], m[0].slice(0, 120)).toMatch(/<input type="hidden" name="_form" value="[A-Za-z0-9_-]{43}"/);
      }
    }
    expect(forms).toBeGreaterThanOrEqual(15);
  });

  it('scripts keep their rules: JSON bodies get 415, and no headers without a token is still 403', async () => {
    const host = uniqueHost('json');
    const json = await call('/api/bugs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      // biome-ignore lint/suspicious/noExplicitAny: a deliberately wrong body
      ...({ body: JSON.stringify(report(host)) } as any),
    });
    expect(json.status).toBe(415);
    const bearer = await call('/api/bugs', {
      ...TEXT_BROWSER,
      headers: { Authorization: 'Bearer blt_not_a_real_token' },
      form: report(host),
    });
    // Issue 15: an Authorization header is checked as an API token first; a bad one is 401
    // (never a fall-back to the cookie or the form token), and nothing is written.
    expect(bearer.status).toBe(401);
    expect(await written(host)).toBe(0);
  });
});
