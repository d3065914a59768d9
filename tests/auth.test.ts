import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, count, mailedToken, PASSWORD, sessionCookie, signUp } from './helpers';

const isPage = (html: string) => html.startsWith('<!DOCTYPE html>');
const creds = (username: string) => ({
  username,
  email: `${username}@example.test`,
  password: PASSWORD,
  password_confirmation: PASSWORD,
});

describe('routes: sign up', () => {
  it('GET /signup is a page with the form; fragment and JSON too', async () => {
    const page = await (await call('/signup?next=/bugs/new')).text();
    expect(isPage(page)).toBe(true);
    expect(page).toContain('<form id="signup-form"');
    expect(page).toContain('name="next" value="/bugs/new"');
    expect(isPage(await (await call('/signup', { hx: true })).text())).toBe(false);
    expect(await (await call('/signup', { json: true })).json()).toHaveProperty('fields');
  });

  it('plain POST creates the account, starts no session, and answers 303 to "check your email"', async () => {
    const res = await call('/api/auth/signup', { form: { ...creds('plain_signup'), next: '/bugs/new' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/signup/check-email');
    // No session: at most the read-your-writes bookmark (middleware/database.ts).
    expect(res.headers.getSetCookie().filter((c) => !c.startsWith('__Host-blt_bookmark='))).toEqual([]);
    // Confirming the address by the mailed link signs in.
    const token = await mailedToken('plain_signup@example.test', '/verify-email');
    const verified = await call('/verify-email', { form: { token } });
    const me = await call('/api/auth/me', { json: true, cookie: sessionCookie(verified) });
    expect(await me.json()).toMatchObject({ username: 'plain_signup', points: 0, email_verified: true });
  });

  it('htmx POST answers HX-Redirect to "check your email"; JSON POST answers 202', async () => {
    const hx = await call('/api/auth/signup', { hx: true, form: creds('hx_signup') });
    expect(hx.status).toBe(204);
    expect(hx.headers.get('HX-Redirect')).toBe('/signup/check-email');
    const json = await call('/api/auth/signup', { json: true, form: creds('json_signup') });
    expect(json.status).toBe(202);
    expect(await json.json()).toMatchObject({ status: 'check_email' });
    expect(await count('users', 'username IN (?, ?)', 'hx_signup', 'json_signup')).toBe(2);
  });

  it.each([
    [{ username: 'ab' }, 'username', 'The username needs 3 to 30 characters.'],
    [{ username: 'bad name!' }, 'username', 'Use only letters, digits, _ and - in the username.'],
    [{ email: 'not-an-email' }, 'email', 'Enter a valid email address.'],
    [{ password: 'short', password_confirmation: 'short' }, 'password', 'The password needs at least 12 characters.'],
    [{ password: 'x'.repeat(257), password_confirmation: 'x'.repeat(257) }, 'password', 'at most 256'],
    [{ password_confirmation: 'something else entirely' }, 'password_confirmation', 'The two passwords do not match.'],
    [
      { username: 'same_as_pw_user', password: 'SAME_AS_PW_USER', password_confirmation: 'SAME_AS_PW_USER' },
      'password',
      'must not be your username',
    ],
  ])('rejects %o with a message on %s, keeping values but not passwords', async (override, field, message) => {
    const form = { ...creds(`val_${Math.random().toString(36).slice(2, 8)}`), ...override };
    const before = await count('users');
    const res = await call('/api/auth/signup', { form });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(isPage(html)).toBe(true);
    expect(html).toContain(`id="${field}-error"`);
    expect(html).toContain(message);
    expect(html).toContain(`value="${form.email}"`);
    expect(html).not.toContain(form.password);
    expect(await count('users')).toBe(before);
  });

  it('usernames and emails are unique ignoring case', async () => {
    await call('/api/auth/signup', { form: creds('Unique_Name') });
    const res = await call('/api/auth/signup', {
      form: { ...creds('unique_name'), email: 'UNIQUE_NAME@example.test' },
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('That username is taken.');
    // A registered address is not revealed (tests/signup.security.test.ts), nor stored twice.
    await call('/api/auth/signup', { form: { ...creds('other_name'), email: 'UNIQUE_NAME@example.test' } });
    expect(await count('users', 'email = ?', 'unique_name@example.test')).toBe(1);
  });
});

describe('routes: log in, me, log out', () => {
  it('logs in by username or email, in every representation', async () => {
    const { username } = await signUp('login');
    const page = await call('/api/auth/login', { form: { username, password: PASSWORD, next: '/bugs' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/bugs');
    const byEmail = await call('/api/auth/login', {
      form: { username: `${username.toUpperCase()}@EXAMPLE.TEST`, password: PASSWORD },
    });
    expect(byEmail.status).toBe(303);
    const hx = await call('/api/auth/login', { hx: true, form: { username, password: PASSWORD } });
    expect(hx.headers.get('HX-Redirect')).toBe('/');
    const json = await call('/api/auth/login', { json: true, form: { username, password: PASSWORD } });
    expect(json.status).toBe(200);
    sessionCookie(json);
  });

  it('a wrong password re-renders the form with the username kept, at 401', async () => {
    const { username } = await signUp('wrongpw');
    const res = await call('/api/auth/login', { form: { username, password: 'not the password' } });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Wrong username or password.');
    expect(html).toContain(`value="${username}"`);
    expect(html).not.toContain('not the password');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('empty fields get their own messages', async () => {
    const res = await call('/api/auth/login', { form: { username: '', password: '' } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Enter your username or email.');
    expect(html).toContain('Enter your password.');
  });

  it('/api/auth/me: slot fragment signed out and in, JSON 401 when signed out', async () => {
    const out = await (await call('/api/auth/me', { hx: true })).text();
    expect(out).toContain('href="/login"');
    expect((await call('/api/auth/me', { json: true })).status).toBe(401);
    const { cookie, username } = await signUp('me');
    const inFrag = await (await call('/api/auth/me', { hx: true, cookie })).text();
    expect(inFrag).toContain(`>${username}</a>`);
    expect(inFrag).toContain('(0 pts)');
    expect(inFrag).toContain('Log out');
    const page = await (await call('/bugs', { cookie })).text();
    expect(page).toContain(`>${username}</a>`);
  });

  it('logout clears the cookie, and the old cookie stops working everywhere', async () => {
    const { cookie, id } = await signUp('logout');
    const second = sessionCookie(
      await call('/api/auth/login', {
        form: {
          username: (await env.DB.prepare('SELECT username FROM users WHERE id = ?')
            .bind(id)
            .first<{ username: string }>())!.username,
          password: PASSWORD,
        },
      }),
    );
    const res = await call('/api/auth/logout', { method: 'POST', cookie, form: {} });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().join()).toMatch(/__Host-blt_session=;.*Max-Age=0/);
    expect((await call('/api/auth/me', { json: true, cookie })).status).toBe(401);
    expect((await call('/api/auth/me', { json: true, cookie: second })).status).toBe(401);
  });
});
