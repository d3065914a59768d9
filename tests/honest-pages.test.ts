import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, PASSWORD, sessionCookie, signUp } from './helpers';

/** A static page exactly as the assets binding serves it (no Worker, no session, no JS). */
async function staticPage(path: string): Promise<string> {
  const res = await env.ASSETS!.fetch(`http://example.com${path}`);
  expect(res.status, path).toBe(200);
  return res.text();
}

/** The text a reader sees, roughly: tags dropped, whitespace collapsed. */
const visibleText = (html: string) =>
  html
    .replace(/<head>[\s\S]*<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describe('honest pages: the static shell says only what is true for everyone', () => {
  it.each(['/', '/about'])('%s never tells a reader to log in or sign up', async (path) => {
    const text = visibleText(await staticPage(path));
    expect(text).not.toMatch(/log ?in|sign ?up/i);
  });

  it.each(['/', '/about'])('%s has a neutral Account link that htmx replaces with the real slot', async (path) => {
    const html = await staticPage(path);
    const slot = /<div class="user-slot" id="user-slot"([^>]*)>([\s\S]*?)<\/div>/.exec(html);
    expect(slot).not.toBeNull();
    expect(slot![1]).toContain('data-hx-get="/api/auth/me"');
    expect(slot![2]!.trim()).toBe('<a href="/account">Account</a>');
  });

  it('the home page without JS has something to read and links to every live page', async () => {
    const html = await staticPage('/');
    for (const href of ['/bugs', '/bugs/new', '/leaderboard', '/stats']) expect(html).toContain(`href="${href}"`);
    const howItWorks = /<section[^>]*aria-labelledby="how-heading"[^>]*>([\s\S]*?)<\/section>/.exec(html);
    expect(howItWorks, 'a "How it works" section').not.toBeNull();
    expect(visibleText(howItWorks![1]!).length).toBeGreaterThan(300);
  });
});

describe('honest pages: /account sends each reader where their account is', () => {
  it('signed out: 303 to the login page, which comes back to /account', async () => {
    const res = await call('/account');
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/login?next=%2Faccount');
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('signed in: 303 to the profile, never cached', async () => {
    const { cookie, username } = await signUp('acct');
    const res = await call('/account', { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`/users/${username}`);
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
    expect(res.headers.get('Vary') ?? '').toMatch(/Cookie/);
  });

  it('logging in from the Account link ends on the profile', async () => {
    const { username } = await signUp('acct2');
    const login = await call('/api/auth/login', { form: { username, password: PASSWORD, next: '/account' } });
    expect(login.status).toBe(303);
    expect(login.headers.get('Location')).toBe('/account');
    const res = await call('/account', { cookie: sessionCookie(login) });
    expect(res.headers.get('Location')).toBe(`/users/${username}`);
  });
});
