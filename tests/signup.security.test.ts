import { describe, expect, it } from 'vitest';
import { call, count, mailedToken, PASSWORD, signUp } from './helpers';

const fresh = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
const form = (username: string, email: string, extra: Record<string, string> = {}) => ({
  username,
  email,
  password: PASSWORD,
  password_confirmation: PASSWORD,
  ...extra,
});

/** What a client can observe of an answer, minus the per-request id. */
async function observable(res: Response) {
  // The read-your-writes bookmark (middleware/database.ts) is set after every successful form
  // post, so its presence says nothing; its value is D1's position, different for any two requests.
  const headers = [...res.headers]
    .filter(([k]) => !['x-request-id', 'content-length'].includes(k.toLowerCase()))
    .map(([k, v]) => [k, v.replace(/__Host-blt_bookmark=[^;]*/, '__Host-blt_bookmark=…')]);
  const body = (await res.text()).replace(/X-Request-Id.*/g, '').replace(/Request id[^<]*<[^>]*>[^<]*/g, '');
  return { status: res.status, headers, body };
}

describe('sign-up reveals nothing about registered addresses (issue 7 item 9)', () => {
  it.each([
    ['no JS', {}],
    ['htmx', { hx: true }],
    ['JSON', { json: true }],
  ])('%s: a new account and an address already registered get the same answer, and no session', async (_, rep) => {
    const existing = await signUp('owner');
    const emailOfExisting = `${existing.username.toUpperCase()}@example.test`;
    const usersBefore = await count('users');

    const created = await call('/api/auth/signup', {
      ...rep,
      form: form(fresh('newbie'), `${fresh('n')}@example.test`),
    });
    const taken = await call('/api/auth/signup', { ...rep, form: form(fresh('probe'), emailOfExisting) });

    const [a, b] = [await observable(created), await observable(taken)];
    expect(b).toEqual(a);
    expect(created.headers.getSetCookie().filter((c) => !c.startsWith('__Host-blt_bookmark='))).toEqual([]);
    expect(taken.headers.getSetCookie().filter((c) => !c.startsWith('__Host-blt_bookmark='))).toEqual([]);
    // Exactly one account was created: the one whose address was free.
    expect(await count('users')).toBe(usersBefore + 1);
    expect(await count('users', 'email = ?', emailOfExisting)).toBe(1);
  });

  it('no JS: 303 to the neutral "check your email" page, whatever next says', async () => {
    const res = await call('/api/auth/signup', {
      form: form(fresh('nojs'), `${fresh('n')}@example.test`, { next: '/bugs/new' }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/signup/check-email');
    const evil = await call('/api/auth/signup', {
      form: form(fresh('nojs'), `${fresh('n')}@example.test`, { next: '//evil.example' }),
    });
    expect(evil.headers.get('Location')).toBe('/signup/check-email');
    const page = await (await call('/signup/check-email')).text();
    expect(page).toContain('Check your email');
    expect(page).toContain('If that address already has an account, the message says so instead.');
  });

  it('htmx: 204 with HX-Redirect; JSON: 202 check_email', async () => {
    const hx = await call('/api/auth/signup', { hx: true, form: form(fresh('hx'), `${fresh('n')}@example.test`) });
    expect(hx.status).toBe(204);
    expect(hx.headers.get('HX-Redirect')).toBe('/signup/check-email');
    const json = await call('/api/auth/signup', { json: true, form: form(fresh('js'), `${fresh('n')}@example.test`) });
    expect(json.status).toBe(202);
    expect(await json.json()).toEqual({ status: 'check_email' });
  });

  it('the new account can confirm and log in; the probe did not change the existing one', async () => {
    const existing = await signUp('keeper');
    const username = fresh('fresh');
    await call('/api/auth/signup', { form: form(username, `${username}@example.test`) });
    const token = await mailedToken(`${username}@example.test`, '/verify-email');
    expect((await call('/verify-email', { form: { token } })).status).toBe(303);
    expect((await call('/api/auth/login', { form: { username, password: PASSWORD } })).status).toBe(303);
    await call('/api/auth/signup', {
      form: {
        ...form(fresh('probe'), `${existing.username}@example.test`),
        password: 'another password 123',
        password_confirmation: 'another password 123',
      },
    });
    const login = await call('/api/auth/login', {
      form: { username: `${existing.username}@example.test`, password: PASSWORD },
    });
    expect(login.status).toBe(303);
  });

  it('a taken username is still reported (usernames are public), whatever the address', async () => {
    const existing = await signUp('public');
    const res = await call('/api/auth/signup', {
      form: form(existing.username.toUpperCase(), `${existing.username}@example.test`),
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('That username is taken.');
    expect(html).not.toContain('email already exists');
  });
});
