import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../worker/lib/tokens';
import { bearer, makeToken } from './api-helpers';
import { privateReportWithOwner } from './disclosure-helpers';
import { call, count, ORIGIN, PASSWORD, seedBug, signUp, uniqueHost } from './helpers';

function report(title: string, extra: Record<string, unknown> = {}) {
  return { url: `https://${uniqueHost('api')}/page`, title, description: 'Steps: open it.', ...extra };
}

const bugsTitled = (title: string) => count('bugs', 'title = ?', title);

describe('API tokens: security', () => {
  it('a revoked token is 401 JSON and nothing is written', async () => {
    const { cookie } = await signUp('tok');
    const token = await makeToken(cookie, ['read', 'report']);
    const row = await env.DB.prepare('SELECT id FROM api_tokens WHERE token_hash = ?')
      .bind(await hashToken(token))
      .first<{ id: number }>();
    const revoked = await call(`/settings/tokens/${row!.id}/revoke`, { form: {}, cookie });
    expect(revoked.status).toBe(303);
    const title = `Revoked token report ${Math.random()}`;
    const res = await bearer('/api/bugs', token, { json: report(title) });
    expect(res.status).toBe(401);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer /);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unauthorized');
    expect(await bugsTitled(title)).toBe(0);
  });

  it('a bad token with a valid session cookie is 401, never the cookie identity', async () => {
    const { cookie } = await signUp('tok');
    for (const auth of ['Bearer blt_' + 'x'.repeat(43), 'Bearer nonsense', 'Basic dXNlcjpwYXNz']) {
      const res = await call('/api/auth/me', { cookie, headers: { Authorization: auth } });
      expect(res.status).toBe(401);
      expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
      expect(await res.text()).not.toContain('"username"');
    }
    // A write with a bad token and a good cookie writes nothing either.
    const title = `Bad token with cookie ${Math.random()}`;
    const res = await bearer('/api/bugs', 'blt_' + 'y'.repeat(43), { json: report(title), cookie });
    expect(res.status).toBe(401);
    expect(await bugsTitled(title)).toBe(0);
  });

  it('a valid token ignores the cookie: the token owner is who acts', async () => {
    const owner = await signUp('tokown');
    const other = await signUp('tokother');
    const token = await makeToken(owner.cookie, ['read']);
    const res = await bearer('/api/auth/me', token, { cookie: other.cookie });
    expect(res.status).toBe(200);
    expect((await res.json<{ username: string }>()).username).toBe(owner.username);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('a missing scope is 403 and nothing is written', async () => {
    const { cookie } = await signUp('tok');
    const token = await makeToken(cookie, ['read']);
    const title = `No report scope ${Math.random()}`;
    const res = await bearer('/api/bugs', token, { json: report(title) });
    expect(res.status).toBe(403);
    expect((await res.json<{ error: { message: string } }>()).error.message).toContain('"report"');
    expect(await bugsTitled(title)).toBe(0);
    // And a token without `read` cannot read.
    const writer = await makeToken(cookie, ['report']);
    expect((await bearer('/api/auth/me', writer)).status).toBe(403);
  });

  it('a token cannot reach browser-only routes (settings, tokens, password)', async () => {
    const { cookie } = await signUp('tok');
    const token = await makeToken(cookie, ['read', 'report', 'comment', 'triage']);
    expect((await bearer('/settings', token)).status).toBe(403);
    const made = await bearer('/settings/tokens', token, { json: { name: 'x', scopes: ['read'] } });
    expect(made.status).toBe(403);
    expect(await count('api_tokens', "name = 'x'")).toBe(0);
    const pw = await bearer('/settings/password', token, {
      json: { current_password: PASSWORD, password: 'another long passphrase 42', password_confirmation: 'x' },
    });
    expect(pw.status).toBe(403);
  });

  it('CSRF checks do not apply to a token, but still apply to the cookie', async () => {
    const { cookie, id } = await signUp('tok');
    const token = await makeToken(cookie, ['read', 'report']);
    const title = `Token without Origin ${Math.random()}`;
    // No Origin, no Sec-Fetch-Site, no form token: a script.
    const res = await bearer('/api/bugs', token, { json: report(title) });
    expect(res.status).toBe(201);
    expect(await count('bugs', 'title = ? AND user_id = ?', title, id)).toBe(1);
    // The same request with the cookie instead: refused without the same-origin proof.
    const cookieTitle = `Cookie without Origin ${Math.random()}`;
    const refused = await call('/api/bugs', {
      form: report(cookieTitle) as Record<string, string>,
      cookie,
      origin: null,
      json: true,
    });
    expect(refused.status).toBe(403);
    const foreign = await call('/api/bugs', {
      form: report(cookieTitle) as Record<string, string>,
      cookie,
      origin: 'https://evil.example',
      json: true,
    });
    expect(foreign.status).toBe(403);
    expect(await bugsTitled(cookieTitle)).toBe(0);
  });

  it('a token is never stored in plain text: only its SHA-256', async () => {
    const { cookie, id } = await signUp('tok');
    const token = await makeToken(cookie, ['read']);
    const rows = await env.DB.prepare('SELECT * FROM api_tokens WHERE user_id = ?').bind(id).all();
    expect(rows.results).toHaveLength(1);
    const stored = JSON.stringify(rows.results);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.slice(4));
    expect(rows.results[0]!.token_hash).toBe(await hashToken(token));
    // The settings page lists it without the secret.
    const page = await (await call('/settings/tokens', { cookie })).text();
    expect(page).toContain('test');
    expect(page).not.toContain(token);
  });

  it('a JSON body without a token stays 415, and nothing is written', async () => {
    const { cookie } = await signUp('tok');
    const title = `JSON without token ${Math.random()}`;
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/bugs`, {
        method: 'POST',
        headers: { Cookie: cookie, Origin: ORIGIN, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(report(title)),
      }),
    );
    expect(res.status).toBe(415);
    expect(await bugsTitled(title)).toBe(0);
  });

  it('with a token, JSON types are accepted: "private": true files a private report', async () => {
    const { cookie, id } = await signUp('tok');
    const token = await makeToken(cookie, ['read', 'report']);
    const secret = `Private by JSON ${Math.random()}`;
    const res = await bearer('/api/bugs', token, { json: report(secret, { private: true, label: 'security' }) });
    expect(res.status).toBe(201);
    const body = await res.json<{ bug: { id: number; is_hidden: number } }>();
    expect(body.bug.is_hidden).toBe(1);
    expect(await count('bugs', 'title = ? AND is_hidden = 1 AND user_id = ?', secret, id)).toBe(1);
    const open = `Public by JSON ${Math.random()}`;
    const pub = await bearer('/api/bugs', token, { json: report(open, { private: false }) });
    expect(pub.status).toBe(201);
    expect(await count('bugs', 'title = ? AND is_hidden = 0', open)).toBe(1);
    // A wrong JSON type is a 422 naming the field, not a crash.
    const bad = await bearer('/api/bugs', token, {
      json: report(`Bad type ${Math.random()}`, { private: 'yes please' }),
    });
    expect(bad.status).toBe(422);
    expect((await bad.json<{ error: { fields: Record<string, string> } }>()).error.fields.private).toBeTruthy();
  });

  it('every answer to a token carries the RateLimit fields; past the budget it is 429 with Retry-After', async () => {
    const vars = env as unknown as Record<string, string | undefined>;
    const before = vars.RATE_API_PER_TOKEN;
    const { cookie } = await signUp('tok');
    const token = await makeToken(cookie, ['read']);
    vars.RATE_API_PER_TOKEN = '2';
    try {
      const first = await bearer('/api/auth/me', token);
      expect(first.status).toBe(200);
      expect(first.headers.get('RateLimit-Policy')).toBe('"token";q=2;w=3600');
      expect(first.headers.get('RateLimit')).toMatch(/^"token";r=1;t=\d+$/);
      const second = await bearer('/api/bugs?limit=1', token);
      expect(second.status).toBe(200);
      expect(second.headers.get('RateLimit')).toMatch(/^"token";r=0;t=\d+$/);
      const third = await bearer('/api/auth/me', token);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(third.headers.get('RateLimit')).toMatch(/^"token";r=0;t=\d+$/);
      expect((await third.json<{ error: { code: string } }>()).error.code).toBe('rate_limited');
      // Another token of the same account has its own budget.
      const other = await makeToken(cookie, ['read'], 'second');
      expect((await bearer('/api/auth/me', other)).status).toBe(200);
    } finally {
      vars.RATE_API_PER_TOKEN = before;
    }
  });

  it('last_used_at is set on use, and not rewritten within the minute', async () => {
    const { cookie, id } = await signUp('tok');
    const token = await makeToken(cookie, ['read']);
    const used = () =>
      env.DB.prepare('SELECT last_used_at FROM api_tokens WHERE user_id = ?')
        .bind(id)
        .first<{ last_used_at: string | null }>();
    expect((await used())?.last_used_at).toBeNull();
    await bearer('/api/auth/me', token);
    await new Promise((r) => setTimeout(r, 50));
    const first = (await used())?.last_used_at;
    expect(first).toBeTruthy();
    await bearer('/api/auth/me', token);
    await new Promise((r) => setTimeout(r, 50));
    expect((await used())?.last_used_at).toBe(first);
  });

  it('changing the password revokes every token; deleting the account removes them', async () => {
    const { cookie, id } = await signUp('tok');
    const token = await makeToken(cookie, ['read']);
    const changed = await call('/settings/password', {
      cookie,
      form: {
        current_password: PASSWORD,
        password: 'a different passphrase 9981',
        password_confirmation: 'a different passphrase 9981',
      },
    });
    expect([200, 303]).toContain(changed.status);
    expect((await bearer('/api/auth/me', token)).status).toBe(401);
    expect(await count('api_tokens', 'user_id = ? AND revoked_at IS NULL', id)).toBe(0);

    const other = await signUp('tokdel');
    await makeToken(other.cookie, ['read']);
    const deleted = await call('/settings/delete', { cookie: other.cookie, form: { password: PASSWORD } });
    expect(deleted.status).toBe(303);
    expect(await count('api_tokens', 'user_id = ?', other.id)).toBe(0);
  });

  it("an owner's token moves a report in the triage console with the triage scope only", async () => {
    const { host, owner, id } = await privateReportWithOwner();
    const stateOf = async () =>
      (await env.DB.prepare('SELECT state FROM bugs WHERE id = ?').bind(id).first<{ state: string }>())?.state;
    const move = { state: 'accepted', note: 'Reproduced.' };
    const reader = await makeToken(owner.cookie, ['read']);
    const refused = await bearer(`/domains/${host}/triage/${id}/state`, reader, { json: move });
    expect(refused.status).toBe(403);
    expect((await refused.json<{ error: { message: string } }>()).error.message).toContain('"triage"');
    expect(await stateOf()).toBe('new');
    // The same token reads the console (GET: read scope), private reports included.
    const console_ = await bearer(`/domains/${host}/triage`, reader);
    expect(console_.status).toBe(200);
    expect((await console_.json<{ reports: { id: number }[] }>()).reports.map((r) => r.id)).toEqual([id]);

    const triager = await makeToken(owner.cookie, ['triage']);
    const moved = await bearer(`/domains/${host}/triage/${id}/state`, triager, { json: move });
    expect(moved.status).toBe(200);
    expect((await moved.json<{ report: { id: number; state: string } }>()).report).toMatchObject({
      id,
      state: 'accepted',
    });
    expect(await stateOf()).toBe('accepted');
  });

  it("a token's /api/auth/me counts its owner's unread notifications, as the cookie's does", async () => {
    const reporter = await signUp('tokread');
    const commenter = await signUp('tokcomm');
    const id = await seedBug({ userId: reporter.id, hostname: uniqueHost('unread'), title: 'Somebody comments' });
    const commented = await call(`/api/bugs/${id}/comments`, { cookie: commenter.cookie, form: { body: 'Me too.' } });
    expect(commented.status).toBe(303);
    const token = await makeToken(reporter.cookie, ['read']);
    const unread = async (r: Promise<Response>) =>
      (await (await r).json<{ unread_notifications: number }>()).unread_notifications;
    expect(await unread(call('/api/auth/me', { cookie: reporter.cookie, json: true }))).toBe(1);
    expect(await unread(bearer('/api/auth/me', token))).toBe(1);
  });
});
