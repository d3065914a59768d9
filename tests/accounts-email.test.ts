import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, count, lastMailTo, mailedToken, mailsTo, PASSWORD, sessionCookie, signUp, withVars } from './helpers';

const fresh = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
const NEW_PASSWORD = 'a brand new passphrase 42';

/** Signs up without confirming: the account, its address and its username. */
async function unconfirmed(prefix = 'unconf') {
  const username = fresh(prefix);
  const email = `${username}@example.test`;
  const res = await call('/api/auth/signup', {
    form: { username, email, password: PASSWORD, password_confirmation: PASSWORD },
  });
  expect(res.status).toBe(303);
  return { username, email };
}

async function isSignedIn(cookie: string): Promise<boolean> {
  return (await call('/api/auth/me', { json: true, cookie })).status === 200;
}

describe('confirm email on sign-up', () => {
  it('sign-up writes the account, its link and its mail together; the mail has text, HTML and a link on PUBLIC_ORIGIN', async () => {
    const { username, email } = await unconfirmed();
    const user = await env.DB.prepare('SELECT id, email_verified_at FROM users WHERE username = ?')
      .bind(username)
      .first<{ id: number; email_verified_at: string | null }>();
    expect(user?.email_verified_at).toBeNull();
    expect(await count('email_tokens', "user_id = ? AND purpose = 'verify' AND used_at IS NULL", user?.id)).toBe(1);
    const mail = await lastMailTo(email);
    expect(mail.subject).toBe('Confirm your email address for BLT');
    expect(mail.text_body).toMatch(/http:\/\/example\.com\/verify-email\?token=[A-Za-z0-9_-]{43}/);
    expect(mail.html_body).toMatch(/^<!DOCTYPE html>/);
    expect(mail.html_body).toContain('<a href="http://example.com/verify-email?token=');
    expect(mail.html_body).not.toMatch(/<img|<script|style=/i); // no tracking, nothing active
    // Only the token's SHA-256 is stored.
    const token = await mailedToken(email, '/verify-email');
    expect(await count('email_tokens', 'token_hash = ?', token)).toBe(0);
  });

  it('GET /verify-email only shows a button and changes nothing; POST confirms and signs in', async () => {
    const { username, email } = await unconfirmed();
    const token = await mailedToken(email, '/verify-email');
    const page = await call(`/verify-email?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('Referrer-Policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<form id="verify-form"');
    expect(html).toContain(`name="token" value="${token}"`);
    expect(page.headers.getSetCookie().filter((c) => c.startsWith('__Host-blt_session'))).toEqual([]);
    expect(await count('users', 'username = ? AND email_verified_at IS NULL', username)).toBe(1);
    expect(
      await count(
        'email_tokens',
        'used_at IS NOT NULL AND user_id = (SELECT id FROM users WHERE username = ?)',
        username,
      ),
    ).toBe(0);

    const res = await call('/verify-email', { form: { token } });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/settings?notice=verified');
    const cookie = sessionCookie(res);
    const me = await call('/api/auth/me', { json: true, cookie });
    expect(await me.json()).toMatchObject({ username, email_verified: true });
  });

  it('a used, an expired and a forged link each say so, and sign nobody in', async () => {
    const { email } = await unconfirmed();
    const token = await mailedToken(email, '/verify-email');
    expect((await call('/verify-email', { form: { token } })).status).toBe(303);
    const reused = await call('/verify-email', { form: { token } });
    expect(reused.status).toBe(410);
    expect(reused.headers.getSetCookie()).toEqual([]);
    expect(await reused.text()).toContain('This link has already been used.');
    expect(await (await call(`/verify-email?token=${token}`)).text()).toContain('already been used');

    const other = await unconfirmed();
    const late = await mailedToken(other.email, '/verify-email');
    await env.DB.prepare(
      "UPDATE email_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(other.email)
      .run();
    const expired = await call('/verify-email', { form: { token: late } });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This link has expired.');
    expect(await count('users', 'email = ? AND email_verified_at IS NULL', other.email)).toBe(1);

    for (const forged of ['A'.repeat(43), 'not-a-token', '']) {
      const res = await call('/verify-email', { form: { token: forged } });
      expect(res.status).toBe(410);
      expect(await res.text()).toContain('This link is not valid.');
    }
  });

  it('a reset link does not confirm an address (a token for another purpose is unknown here)', async () => {
    const u = await signUp('purpose');
    await call('/forgot-password', { form: { email: u.email } });
    const reset = await mailedToken(u.email, '/reset-password');
    const res = await call('/verify-email', { form: { token: reset } });
    expect(res.status).toBe(410);
    // …and the reset link still works afterwards.
    expect(await (await call(`/reset-password?token=${reset}`)).text()).toContain('name="password"');
  });

  it('an address already registered: no account, the same page, and its owner is told', async () => {
    const owner = await signUp('owner');
    const before = await count('users');
    const res = await call('/api/auth/signup', {
      form: {
        username: fresh('probe'),
        email: owner.email.toUpperCase(),
        password: PASSWORD,
        password_confirmation: PASSWORD,
      },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/signup/check-email');
    expect(await count('users')).toBe(before);
    const mail = await lastMailTo(owner.email);
    expect(mail.subject).toBe('Someone tried to sign up to BLT with your address');
    expect(mail.text_body).toContain('http://example.com/forgot-password');
  });

  it('logging in unconfirmed with the right password says so and mails the link again, a few times an hour', async () => {
    const { username, email } = await unconfirmed();
    await withVars({ RATE_ACCOUNT_MAILS_PER_ACCOUNT: '2' }, async () => {
      const wrong = await call('/api/auth/login', { form: { username, password: 'not the password at all' } });
      expect(wrong.status).toBe(401);
      expect(await mailsTo(email)).toHaveLength(1);
      for (let i = 0; i < 3; i++) {
        const res = await call('/api/auth/login', { form: { username, password: PASSWORD } });
        expect(res.status).toBe(403);
        expect(res.headers.getSetCookie()).toEqual([]);
        expect(await res.text()).toContain('Please confirm your email address first.');
      }
      // The sign-up mail, then two more: the third attempt was not mailed.
      expect(await mailsTo(email)).toHaveLength(3);
      const json = await call('/api/auth/login', { json: true, form: { username, password: PASSWORD } });
      expect(json.status).toBe(403);
      expect(await json.json()).toMatchObject({ error: { code: 'forbidden' } });
    });
    // The newest link works.
    const token = await mailedToken(email, '/verify-email');
    expect((await call('/verify-email', { form: { token } })).status).toBe(303);
    expect((await call('/api/auth/login', { form: { username, password: PASSWORD } })).status).toBe(303);
  });

  it('htmx: confirming navigates with HX-Redirect', async () => {
    const { email } = await unconfirmed();
    const token = await mailedToken(email, '/verify-email');
    const res = await call('/verify-email', { hx: true, form: { token } });
    expect(res.status).toBe(204);
    expect(res.headers.get('HX-Redirect')).toBe('/settings?notice=verified');
    expect(await isSignedIn(sessionCookie(res))).toBe(true);
  });
});

describe('forgot and reset password', () => {
  it('known and unknown addresses get the same answer; only a known one gets a mail', async () => {
    const u = await signUp('forgot');
    const nobody = `${fresh('nobody')}@example.test`;
    const a = await call('/forgot-password', { form: { email: u.email } });
    const b = await call('/forgot-password', { form: { email: nobody } });
    expect(a.status).toBe(303);
    expect(b.status).toBe(303);
    expect(a.headers.get('Location')).toBe('/forgot-password/sent');
    expect(b.headers.get('Location')).toBe('/forgot-password/sent');
    expect((await lastMailTo(u.email)).subject).toBe('Reset your BLT password');
    expect(await count('outbox', 'to_address = ?', nobody)).toBe(0);
    expect(await (await call('/forgot-password/sent')).text()).toContain('If an account uses that address');
  });

  it('the reset page keeps the token out of any Referer and in a hidden field', async () => {
    const u = await signUp('refpol');
    await call('/forgot-password', { form: { email: u.email } });
    const token = await mailedToken(u.email, '/reset-password');
    const page = await call(`/reset-password?token=${token}`);
    expect(page.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(page.headers.get('Cache-Control')).toContain('no-store');
    const html = await page.text();
    expect(html).toContain(`<input type="hidden" name="token" value="${token}"/>`);
    expect(html).toContain('action="/reset-password"');
    expect(html).not.toContain(`action="/reset-password?token`);
  });

  it('a reset signs out every session, signs in fresh, and the new password works', async () => {
    const u = await signUp('reset');
    const other = await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } });
    const otherCookie = sessionCookie(other);
    await call('/forgot-password', { form: { email: u.email } });
    const token = await mailedToken(u.email, '/reset-password');
    const res = await call('/reset-password', {
      form: { token, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(await isSignedIn(sessionCookie(res))).toBe(true);
    expect(await isSignedIn(u.cookie)).toBe(false);
    expect(await isSignedIn(otherCookie)).toBe(false);
    expect((await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } })).status).toBe(401);
    expect((await call('/api/auth/login', { form: { username: u.username, password: NEW_PASSWORD } })).status).toBe(
      303,
    );
  });

  it('a used link, an expired link and a forged link each say so and offer a new one; the password stays', async () => {
    const u = await signUp('reuse');
    await call('/forgot-password', { form: { email: u.email } });
    const token = await mailedToken(u.email, '/reset-password');
    const form = { token, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD };
    expect((await call('/reset-password', { form })).status).toBe(303);
    const again = await call('/reset-password', {
      form: { ...form, password: 'yet another passphrase 7', password_confirmation: 'yet another passphrase 7' },
    });
    expect(again.status).toBe(410);
    const html = await again.text();
    expect(html).toContain('This link has already been used.');
    expect(html).toContain('href="/forgot-password"');
    expect((await call('/api/auth/login', { form: { username: u.username, password: NEW_PASSWORD } })).status).toBe(
      303,
    );

    await call('/forgot-password', { form: { email: u.email } });
    const late = await mailedToken(u.email, '/reset-password');
    await env.DB.prepare(
      "UPDATE email_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE purpose = 'reset' AND user_id = ? AND used_at IS NULL",
    )
      .bind(u.id)
      .run();
    expect(await (await call(`/reset-password?token=${late}`)).text()).toContain('This link has expired.');
    const expired = await call('/reset-password', { form: { ...form, token: late } });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This link has expired.');

    const forged = await call('/reset-password', { form: { ...form, token: 'B'.repeat(43) } });
    expect(forged.status).toBe(410);
    expect(await forged.text()).toContain('This link is not valid.');
    expect((await call('/api/auth/login', { form: { username: u.username, password: NEW_PASSWORD } })).status).toBe(
      303,
    );
  });

  it('a link resets only its own account, whoever is signed in when it is used', async () => {
    const victim = await signUp('victim');
    const other = await signUp('bystander');
    await call('/forgot-password', { form: { email: victim.email } });
    const token = await mailedToken(victim.email, '/reset-password');
    const res = await call('/reset-password', {
      cookie: other.cookie,
      json: true,
      form: { token, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { id: victim.id } });
    expect((await call('/api/auth/login', { form: { username: other.username, password: PASSWORD } })).status).toBe(
      303,
    );
    expect(
      (await call('/api/auth/login', { form: { username: victim.username, password: NEW_PASSWORD } })).status,
    ).toBe(303);
  });

  it('two uses of one link at once: exactly one succeeds', async () => {
    const u = await signUp('race');
    await call('/forgot-password', { form: { email: u.email } });
    const token = await mailedToken(u.email, '/reset-password');
    const passwords = ['first racing passphrase 1', 'second racing passphrase 2'];
    const results = await Promise.all(
      passwords.map((p) => call('/reset-password', { form: { token, password: p, password_confirmation: p } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([303, 410]);
    const winner = passwords[results.findIndex((r) => r.status === 303)]!;
    const loser = passwords.find((p) => p !== winner)!;
    expect((await call('/api/auth/login', { form: { username: u.username, password: loser } })).status).toBe(401);
    expect((await call('/api/auth/login', { form: { username: u.username, password: winner } })).status).toBe(303);
  });

  it('past the per-account limit no mail goes out, and the answer does not change', async () => {
    const u = await signUp('limit');
    await withVars({ RATE_RESET_MAILS_PER_ACCOUNT: '2' }, async () => {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await call('/forgot-password', { form: { email: u.email } }));
      expect(answers.map((r) => r.status)).toEqual([303, 303, 303, 303]);
    });
    expect((await mailsTo(u.email)).filter((m) => m.subject === 'Reset your BLT password')).toHaveLength(2);
  });

  it('past the per-IP limit: 429 with Retry-After, the address kept, nothing mailed', async () => {
    const u = await signUp('iplimit');
    const headers = {
      'CF-Connecting-IP': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    };
    await withVars({ RATE_RESET_MAILS_PER_IP: '1' }, async () => {
      expect((await call('/forgot-password', { headers, form: { email: `${fresh('x')}@example.test` } })).status).toBe(
        303,
      );
      const refused = await call('/forgot-password', { headers, form: { email: u.email } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('Retry-After')).toBeTruthy();
      expect(await refused.text()).toContain(`value="${u.email}"`);
    });
    expect(await count('outbox', "to_address = ? AND subject = 'Reset your BLT password'", u.email)).toBe(0);
  });

  it('bad input: 422 with the field messages and what was typed', async () => {
    const res = await call('/forgot-password', { form: { email: 'not an address' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Enter a valid email address.');
    const short = await call('/reset-password', {
      form: { token: 'x', password: 'short', password_confirmation: 'nope' },
    });
    expect(short.status).toBe(422);
    const html = await short.text();
    expect(html).toContain('The password needs at least 12 characters.');
    expect(html).toContain('The two passwords do not match.');
  });
});
