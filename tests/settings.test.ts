import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bugIdOf, image, postMultipart, shotsOf, storedBytes } from './evidence-helpers';
import {
  call,
  count,
  lastMailTo,
  mailedToken,
  mailsTo,
  makeAdmin,
  PASSWORD,
  sessionCookie,
  signUp,
  uniqueHost,
} from './helpers';

const NEW_PASSWORD = 'a brand new passphrase 42';
const fresh = (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
const idFrom = (res: Response) => Number(res.headers.get('Location')?.split('/').pop());

async function isSignedIn(cookie: string): Promise<boolean> {
  return (await call('/api/auth/me', { json: true, cookie })).status === 200;
}

async function report(cookie: string, extra: Record<string, string> = {}): Promise<number> {
  const host = uniqueHost('settings');
  const res = await call('/api/bugs', {
    cookie,
    form: {
      url: `https://${host}/p`,
      title: `A report on ${host}`,
      description: 'Steps',
      label: 'general',
      severity: 'low',
      ...extra,
    },
  });
  expect(res.status).toBe(303);
  return idFrom(res);
}

describe('settings page', () => {
  it('signed out: 401; signed in: one form per action, each posting to its own path', async () => {
    expect((await call('/settings')).status).toBe(401);
    const u = await signUp('settings');
    const res = await call('/settings', { cookie: u.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toContain('no-store');
    const html = await res.text();
    for (const action of ['/settings/password', '/settings/email', '/settings/sessions', '/settings/delete']) {
      expect(html).toContain(`action="${action}"`);
    }
    expect(html).toContain('href="/settings/export.json"');
    expect(html).toContain(u.email);
  });
});

describe('change password', () => {
  it('a wrong current password or a weak new one: 422 with the message, nothing changed', async () => {
    const u = await signUp('pwbad');
    const wrong = await call('/settings/password', {
      cookie: u.cookie,
      form: { current_password: 'not my password at all', password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
    });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('That is not your password.');
    const weak = await call('/settings/password', {
      cookie: u.cookie,
      hx: true,
      form: { current_password: PASSWORD, password: 'short', password_confirmation: 'short' },
    });
    expect(weak.status).toBe(422);
    const fragment = await weak.text();
    expect(fragment).toMatch(/^<form id="password-form"/);
    expect(fragment).toContain('The password needs at least 12 characters.');
    expect((await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } })).status).toBe(303);
  });

  it('changes it, signs out the other sessions and keeps this one', async () => {
    const u = await signUp('pwok');
    const other = sessionCookie(await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } }));
    const res = await call('/settings/password', {
      cookie: u.cookie,
      form: { current_password: PASSWORD, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/settings?notice=password');
    expect(await isSignedIn(sessionCookie(res))).toBe(true);
    expect(await isSignedIn(other)).toBe(false);
    expect(await isSignedIn(u.cookie)).toBe(false);
    expect((await call('/api/auth/login', { form: { username: u.username, password: NEW_PASSWORD } })).status).toBe(
      303,
    );
  });
});

describe('change email', () => {
  it('mails a link to the new address and tells the old one; the address changes only when the link is used', async () => {
    const u = await signUp('email');
    const newEmail = `${fresh('moved')}@example.test`;
    const res = await call('/settings/email', { cookie: u.cookie, form: { email: newEmail, password: PASSWORD } });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/settings?notice=email');
    expect((await lastMailTo(u.email)).subject).toBe('Your BLT email address is being changed');
    expect((await lastMailTo(u.email)).text_body).toContain(newEmail);
    expect(await count('users', 'id = ? AND email = ?', u.id, u.email)).toBe(1);

    const token = await mailedToken(newEmail, '/verify-email');
    expect(await (await call(`/verify-email?token=${token}`)).text()).toContain('Confirm my address');
    const confirmed = await call('/verify-email', { form: { token } });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your account now uses the new address.');
    expect(await count('users', 'id = ? AND email = ?', u.id, newEmail)).toBe(1);
    expect((await call('/api/auth/login', { form: { username: newEmail, password: PASSWORD } })).status).toBe(303);
    expect((await call('/api/auth/login', { form: { username: u.email, password: PASSWORD } })).status).toBe(401);
    expect((await call('/verify-email', { form: { token } })).status).toBe(410);
  });

  it('needs the password, and a different address', async () => {
    const u = await signUp('emailbad');
    const wrong = await call('/settings/email', {
      cookie: u.cookie,
      form: { email: `${fresh('x')}@example.test`, password: 'not my password at all' },
    });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('That is not your password.');
    const same = await call('/settings/email', {
      cookie: u.cookie,
      form: { email: u.email.toUpperCase(), password: PASSWORD },
    });
    expect(same.status).toBe(422);
    expect(await same.text()).toContain('That is already your address.');
    const invalid = await call('/settings/email', { cookie: u.cookie, form: { email: 'nope', password: PASSWORD } });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toContain('value="nope"');
    expect(await mailsTo(u.email)).toHaveLength(1); // only the sign-up mail
  });

  it('an address taken by someone else meanwhile: the link says so and nothing changes', async () => {
    const u = await signUp('emailrace');
    const target = `${fresh('contested')}@example.test`;
    await call('/settings/email', { cookie: u.cookie, form: { email: target, password: PASSWORD } });
    const token = await mailedToken(target, '/verify-email');
    await env.DB.prepare(
      "INSERT INTO users (username, email, password_hash, email_verified_at) VALUES (?, ?, 'x', '2026-01-01T00:00:00.000Z')",
    )
      .bind(fresh('squatter'), target)
      .run();
    const res = await call('/verify-email', { form: { token } });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('belongs to another account');
    expect(await count('users', 'id = ? AND email = ?', u.id, u.email)).toBe(1);
  });
});

describe('sign out everywhere', () => {
  it('ends every session, this one too', async () => {
    const u = await signUp('everywhere');
    const other = sessionCookie(await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } }));
    const res = await call('/settings/sessions', { cookie: u.cookie, form: {} });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/login');
    expect(res.headers.getSetCookie().join()).toMatch(/__Host-blt_session=;/);
    expect(await isSignedIn(u.cookie)).toBe(false);
    expect(await isSignedIn(other)).toBe(false);
    expect((await call('/settings/sessions', { form: {} })).status).toBe(401);
  });
});

describe('download my data', () => {
  it('the account, its reports (private ones too), comments and points, as a JSON download', async () => {
    expect((await call('/settings/export.json')).status).toBe(401);
    const u = await signUp('export');
    const pub = await report(u.cookie);
    const priv = await report(u.cookie, { private: 'on' });
    await call(`/api/bugs/${pub}/comments`, { cookie: u.cookie, form: { body: 'My own comment' } });
    const res = await call('/settings/export.json', { cookie: u.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Disposition')).toContain('attachment');
    const data = await res.json<{
      account: { username: string; email: string };
      reports: { id: number; is_hidden: number }[];
      comments: { body: string }[];
      points: { score: number }[];
    }>();
    expect(data.account).toMatchObject({ username: u.username, email: u.email });
    expect(data.reports.map((r) => r.id).sort()).toEqual([pub, priv].sort());
    expect(data.comments.map((c) => c.body)).toEqual(['My own comment']);
    expect(data.points.length).toBeGreaterThan(0);
    expect(JSON.stringify(data)).not.toContain('pbkdf2');
  });
});

describe('delete my account', () => {
  it('a wrong password: 422 and nothing happens', async () => {
    const u = await signUp('keepme');
    const res = await call('/settings/delete', { cookie: u.cookie, form: { password: 'not my password at all' } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('That is not your password.');
    // The summary links to this form's field, not to the password form's (three forms, one page).
    expect(html).toContain('<a href="#delete-password">That is not your password.</a>');
    expect(await isSignedIn(u.cookie)).toBe(true);
  });

  it('sessions die, public work stays as "deleted user", private reports, upvotes and points go, and the address is free', async () => {
    const u = await signUp('leaving');
    const other = await signUp('staying');
    const pub = await report(u.cookie);
    const priv = await report(u.cookie, { private: 'on' });
    await call(`/api/bugs/${priv}/comments`, { cookie: u.cookie, form: { body: 'Note on my private report' } });
    const theirs = await report(other.cookie);
    await call(`/api/bugs/${theirs}/comments`, { cookie: u.cookie, form: { body: 'A comment that stays' } });
    await call(`/api/bugs/${theirs}/upvote`, { cookie: u.cookie, form: {} });
    const third = await signUp('voter');
    await call(`/api/bugs/${theirs}/upvote`, { cookie: third.cookie, form: {} });
    const anon = await report('');
    expect(await count('bugs', 'id = ? AND upvotes = 2', theirs)).toBe(1);

    const res = await call('/settings/delete', { cookie: u.cookie, form: { password: PASSWORD } });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/account-deleted');
    expect(await isSignedIn(u.cookie)).toBe(false);

    // The row stays as a tombstone: nothing had to cascade, and the id is never reused.
    const row = await env.DB.prepare('SELECT username, email, deleted_at, username_skeleton FROM users WHERE id = ?')
      .bind(u.id)
      .first<{ username: string; email: string; deleted_at: string | null; username_skeleton: string | null }>();
    expect(row?.username).toMatch(/^deleted-[0-9a-f]{16}$/);
    expect(row?.email).not.toContain(u.username);
    expect(row?.deleted_at).toBeTruthy();
    // Public work stays, by the tombstone (not NULL); anonymous reports stay anonymous.
    expect(await count('bugs', 'id = ? AND user_id = ?', pub, u.id)).toBe(1);
    expect(await count('bugs', 'id = ? AND user_id IS NULL', anon)).toBe(1);
    expect(await count('comments', 'bug_id = ? AND user_id = ?', theirs, u.id)).toBe(1);
    const detail = await (await call(`/bugs/${pub}`)).text();
    expect(detail).toContain('deleted user');
    expect(detail).not.toContain(u.username);
    const thread = await (await call(`/bugs/${theirs}`)).text();
    expect(thread).toContain('<span class="deleted-user">deleted user</span>');
    expect(thread).toContain('A comment that stays');
    expect(await (await call(`/bugs/${anon}`)).text()).toContain('anonymous');
    // Private reports and what hung off them are gone.
    expect(await count('bugs', 'id = ?', priv)).toBe(0);
    expect(await count('comments', 'bug_id = ?', priv)).toBe(0);
    expect(await count('points', 'bug_id = ?', priv)).toBe(0);
    // Upvotes go, the count stays true.
    expect(await count('upvotes', 'user_id = ?', u.id)).toBe(0);
    expect(await count('bugs', 'id = ? AND upvotes = 1', theirs)).toBe(1);
    // Points and scores leave the leaderboards.
    expect(await count('points', 'user_id = ?', u.id)).toBe(0);
    expect(await count('user_scores', 'user_id = ?', u.id)).toBe(0);
    expect(await (await call('/leaderboard')).text()).not.toContain(row?.username ?? 'x');
    // The profile is gone, the name and address can be had again.
    expect((await call(`/users/${u.username}`)).status).toBe(404);
    expect((await call(`/users/${row?.username}`)).status).toBe(404);
    expect((await call('/api/auth/login', { form: { username: u.username, password: PASSWORD } })).status).toBe(401);
    expect((await call('/api/auth/login', { form: { username: u.email, password: PASSWORD } })).status).toBe(401);
    const again = await call('/api/auth/signup', {
      form: { username: u.username, email: u.email, password: PASSWORD, password_confirmation: PASSWORD },
    });
    expect(again.status).toBe(303);
    const token = await mailedToken(u.email, '/verify-email');
    const reborn = await call('/verify-email', { form: { token } });
    expect(reborn.status).toBe(303);
    const me = await call('/api/auth/me', { json: true, cookie: sessionCookie(reborn) });
    expect(await me.json()).toMatchObject({ username: u.username, points: 0 });
    // The old cookie still does not work for the new account.
    expect(await isSignedIn(u.cookie)).toBe(false);
  });

  it('htmx: a wrong password swaps the delete form with its message', async () => {
    const u = await signUp('hxdel');
    const res = await call('/settings/delete', {
      cookie: u.cookie,
      hx: true,
      form: { password: 'not my password at all' },
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/^<form id="delete-form"/);
  });
});

describe('deleting an account: what hangs off its private reports goes too, R2 included', () => {
  it('screenshots (rows and R2 objects), edit revisions, timeline events and flags of a private report', async () => {
    const u = await signUp('leaving_r2');
    const admin = await signUp('admin_r2');
    await makeAdmin(admin.id);
    const host = uniqueHost('r2');
    const res = await postMultipart(
      '/api/bugs',
      { url: `https://${host}/p`, title: `A private report on ${host}`, private: 'on' },
      [{ name: 'shot.png', bytes: image('png').bytes }],
      { cookie: u.cookie },
    );
    expect(res.status).toBe(303);
    const priv = bugIdOf(res);
    const [shot] = await shotsOf(priv);
    expect(shot && (await storedBytes(shot.key))).toBeTruthy();
    // An edit (a revision) and a state change (a timeline event) on it.
    await call(`/bugs/${priv}/edit`, {
      cookie: u.cookie,
      form: {
        url: `https://${host}/p`,
        title: `An edited private report on ${host}`,
        label: 'general',
        severity: 'low',
      },
    });
    await call(`/bugs/${priv}/state`, { cookie: admin.cookie, form: { state: 'triaged', note: '' } });
    expect(await count('bug_revisions', 'bug_id = ?', priv)).toBe(1);
    expect(await count('bug_events', 'bug_id = ?', priv)).toBeGreaterThan(0);

    const del = await call('/settings/delete', { cookie: u.cookie, form: { password: PASSWORD } });
    expect(del.status).toBe(303);
    expect(await count('bugs', 'id = ?', priv)).toBe(0);
    for (const table of ['screenshots', 'bug_revisions', 'bug_events', 'bug_flags']) {
      expect(await count(table, 'bug_id = ?', priv), table).toBe(0);
    }
    expect(await storedBytes(shot?.key ?? '')).toBeNull();
  });
});
