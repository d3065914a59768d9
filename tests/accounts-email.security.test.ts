import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import wranglerToml from '../wrangler.toml?raw';
import { call, count, mailedToken, PASSWORD, signUp, withVars } from './helpers';

const fresh = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;

/** What a client can observe of an answer, minus the per-request id and the form token. */
async function observable(res: Response) {
  const headers = [...res.headers]
    .filter(([k]) => !['x-request-id', 'content-length', 'set-cookie'].includes(k.toLowerCase()))
    .sort();
  const body = (await res.text()).replace(/name="_form" value="[^"]*"/g, '').replace(/"request_id":"[^"]*"/g, '');
  return { status: res.status, headers, body };
}

describe('no answer reveals whether an address is registered', () => {
  it.each([
    ['no JS', {}],
    ['htmx', { hx: true }],
    ['JSON', { json: true }],
  ])(
    'forgot-password, %s: the same answer for a registered and an unknown address, each doing one mail-or-not write',
    async (_, rep) => {
      const u = await signUp('fp');
      const known = await call('/forgot-password', { ...rep, form: { email: u.email } });
      const unknown = await call('/forgot-password', { ...rep, form: { email: `${fresh('ghost')}@example.test` } });
      expect(await observable(unknown)).toEqual(await observable(known));
    },
  );

  it('forgot-password past the silent per-account limit answers exactly as before it', async () => {
    const u = await signUp('fplimit');
    await withVars({ RATE_RESET_MAILS_PER_ACCOUNT: '1' }, async () => {
      const first = await observable(await call('/forgot-password', { form: { email: u.email } }));
      const second = await observable(await call('/forgot-password', { form: { email: u.email } }));
      expect(second).toEqual(first);
    });
  });

  it('sign-up: a new and a registered address cost the same writes (one mail each) and get the same answer', async () => {
    const owner = await signUp('sameowner');
    const before = await count('outbox');
    const a = await call('/api/auth/signup', {
      form: {
        username: fresh('newone'),
        email: `${fresh('n')}@example.test`,
        password: PASSWORD,
        password_confirmation: PASSWORD,
      },
    });
    expect(await count('outbox')).toBe(before + 1);
    const b = await call('/api/auth/signup', {
      form: { username: fresh('probe'), email: owner.email, password: PASSWORD, password_confirmation: PASSWORD },
    });
    expect(await count('outbox')).toBe(before + 2);
    expect(await observable(b)).toEqual(await observable(a));
  });
});

describe('the same work for a registered and an unknown address', () => {
  afterEach(() => vi.restoreAllMocks());

  /**
   * How many D1 statements and batches one request runs (the Worker shares this binding; each
   * request runs in a D1 session of it, middleware/database.ts, so the session class is watched).
   */
  async function work(send: () => Promise<Response>) {
    const session = Object.getPrototypeOf(env.DB.withSession('first-unconstrained')) as D1DatabaseSession;
    const prepare = vi.spyOn(session, 'prepare');
    const batch = vi.spyOn(session, 'batch');
    const res = await send();
    const counts = { status: res.status, statements: prepare.mock.calls.length, batches: batch.mock.calls.length };
    vi.restoreAllMocks();
    return counts;
  }

  /**
   * The fewer of two runs: the spy also sees D1 work running in the background at that moment
   * (the mail queue consumer sending an earlier test's mail), which adds a batch to one run now
   * and then; a request's own work is in both.
   */
  async function fewest(send: () => Promise<Response>) {
    const a = await work(send);
    const b = await work(send);
    return a.batches <= b.batches ? a : b;
  }

  it('forgot-password: known, unknown and past-the-limit addresses run the same D1 work', async () => {
    const u = await signUp('samework');
    const known = await fewest(() => call('/forgot-password', { form: { email: u.email } }));
    const unknown = await fewest(() =>
      call('/forgot-password', { form: { email: `${fresh('nobody')}@example.test` } }),
    );
    expect(unknown.batches).toBe(known.batches);
    expect(unknown.status).toBe(known.status);
    await withVars({ RATE_RESET_MAILS_PER_ACCOUNT: '0' }, async () => {
      const limited = await fewest(() => call('/forgot-password', { form: { email: u.email } }));
      expect(limited.batches).toBe(known.batches);
    });
    expect(known.batches).toBeGreaterThanOrEqual(3); // IP counter, address counter, the mail (or its stand-in)
  });

  it('sign-up: a new and a registered address run the same number of D1 batches', async () => {
    const owner = await signUp('sameworkowner');
    // Each run signs up a new name (fewest() sends twice), so both runs are a first sign-up.
    const created = await fewest(() => {
      const fresh1 = fresh('brandnew');
      return call('/api/auth/signup', {
        form: {
          username: fresh1,
          email: `${fresh1}@example.test`,
          password: PASSWORD,
          password_confirmation: PASSWORD,
        },
      });
    });
    const probe = await fewest(() =>
      call('/api/auth/signup', {
        form: { username: fresh('probe'), email: owner.email, password: PASSWORD, password_confirmation: PASSWORD },
      }),
    );
    expect(probe.batches).toBe(created.batches);
    expect(probe.status).toBe(created.status);
  });
});

describe('link tokens stay out of logs and Referers', () => {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it('no log line of ours holds a token, through sign-up, confirm, reset and their failures', async () => {
    const u = await signUp('logs');
    const verifyToken = await (async () => {
      const username = fresh('logs2');
      const email = `${username}@example.test`;
      await call('/api/auth/signup', {
        form: { username, email, password: PASSWORD, password_confirmation: PASSWORD },
      });
      return mailedToken(email, '/verify-email');
    })();
    await call(`/verify-email?token=${verifyToken}`);
    await call('/verify-email', { form: { token: verifyToken } });
    await call('/verify-email', { form: { token: verifyToken } }); // used: 410
    await call('/forgot-password', { form: { email: u.email } });
    const resetToken = await mailedToken(u.email, '/reset-password');
    await call(`/reset-password?token=${resetToken}`);
    await call('/reset-password', { form: { token: resetToken, password: 'short', password_confirmation: 'x' } });
    await call('/reset-password', {
      form: {
        token: resetToken,
        password: 'a brand new passphrase 42',
        password_confirmation: 'a brand new passphrase 42',
      },
    });
    await call('/reset-password', {
      form: {
        token: resetToken,
        password: 'a brand new passphrase 42',
        password_confirmation: 'a brand new passphrase 42',
      },
    });
    // A request that fails inside the Worker is logged with its path: never with the query.
    await withVars({ JWT_SECRET: 'short' }, () => call(`/reset-password?token=${resetToken}`));
    expect(lines.some((l) => l.includes('/reset-password'))).toBe(true); // the 500 above was logged…
    for (const token of [verifyToken, resetToken]) {
      expect(lines.filter((l) => l.includes(token))).toEqual([]); // …without its token
    }
  });

  it('pages reached by a token link send Referrer-Policy: no-referrer and load nothing from elsewhere', async () => {
    const u = await signUp('referer');
    await call('/forgot-password', { form: { email: u.email } });
    const token = await mailedToken(u.email, '/reset-password');
    for (const path of [`/reset-password?token=${token}`, `/verify-email?token=${token}`]) {
      const res = await call(path);
      expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
      const html = await res.text();
      // Nothing is fetched from elsewhere; a link out (the footer's OWASP link) sends no Referer.
      expect(html).not.toMatch(/src="https?:/);
    }
    const post = await call('/reset-password', { form: { token, password: 'short', password_confirmation: 'short' } });
    expect(post.headers.get('Referrer-Policy')).toBe('no-referrer');
  });
});

describe('/dev/outbox exists only in development', () => {
  it('is 404 without ENVIRONMENT=development (absent, or anything else), in every representation', async () => {
    for (const value of [undefined, 'production', 'Development']) {
      await withVars({ ENVIRONMENT: value }, async () => {
        expect((await call('/dev/outbox')).status).toBe(404);
        const json = await call('/dev/outbox', { json: true });
        expect(json.status).toBe(404);
        expect(JSON.stringify(await json.json())).not.toContain('messages');
      });
    }
    expect((await call('/dev/outbox', { json: true })).status).toBe(200);
  });

  it('the deployed config never sets ENVIRONMENT, and keeps invocation logs (full URLs) off', () => {
    expect(wranglerToml).not.toMatch(/^\s*ENVIRONMENT\s*=/m);
    expect(wranglerToml).toMatch(/\[observability\.logs\]\s*\ninvocation_logs = false/);
    expect(env.ENVIRONMENT).toBe('development'); // the tests set it (vitest.config.ts)
  });
});

describe('forms on no-referrer pages (browsers send Origin: null there)', () => {
  /** A confirm link of a fresh sign-up, and the form cookie and token its page gave out. */
  async function confirmForm() {
    const username = fresh('nullorigin');
    const email = `${username}@example.test`;
    await call('/api/auth/signup', { form: { username, email, password: PASSWORD, password_confirmation: PASSWORD } });
    const token = await mailedToken(email, '/verify-email');
    const page = await call(`/verify-email?token=${token}`);
    const formToken = /name="_form" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const cookie =
      page.headers
        .getSetCookie()
        .find((c) => c.startsWith('__Host-blt_form='))
        ?.split(';')[0] ?? '';
    return { email, token, formToken, cookie };
  }

  it('Origin: null with Sec-Fetch-Site: same-origin (Chrome under no-referrer) is this site', async () => {
    const f = await confirmForm();
    const res = await call('/verify-email', {
      origin: 'null',
      headers: { 'Sec-Fetch-Site': 'same-origin' },
      form: { token: f.token },
    });
    expect(res.status).toBe(303);
    expect(await count('users', 'email = ? AND email_verified_at IS NOT NULL', f.email)).toBe(1);
  });

  it('Origin: null without Sec-Fetch-Site needs the form token, like a text browser', async () => {
    const f = await confirmForm();
    expect((await call('/verify-email', { origin: 'null', form: { token: f.token } })).status).toBe(403);
    expect(await count('users', 'email = ? AND email_verified_at IS NOT NULL', f.email)).toBe(0);
    const res = await call('/verify-email', {
      origin: 'null',
      cookie: f.cookie,
      form: { token: f.token, _form: f.formToken },
    });
    expect(res.status).toBe(303);
  });

  it('Origin: null from another site (Sec-Fetch-Site: cross-site) is refused, token or not', async () => {
    const f = await confirmForm();
    const res = await call('/verify-email', {
      origin: 'null',
      cookie: f.cookie,
      headers: { 'Sec-Fetch-Site': 'cross-site' },
      form: { token: f.token, _form: f.formToken },
    });
    expect(res.status).toBe(403);
    expect(await count('users', 'email = ? AND email_verified_at IS NOT NULL', f.email)).toBe(0);
  });
});
