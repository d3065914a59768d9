import { env } from 'cloudflare:workers';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { createApp } from '../worker/app';
import { specOf } from '../worker/lib/openapi';
import { bearer, makeToken } from './api-helpers';
import { call, mailedToken, makeAdmin, PASSWORD, seedBug, signUp, uniqueHost } from './helpers';
import { dns, outside, useOutside } from './outside';

// Claiming a domain asks DNS (over HTTPS): the conformance run answers it here.
useOutside();

type Json = Record<string, unknown>;
interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Json }>; 'x-token-scope'?: string; 'x-tokens'?: false }>
  >;
  components: { schemas: Record<string, Json> };
}

/**
 * Routes that never answer JSON. Every other route must carry an operation() spec (the browser's
 * own flows with `tokens: false`), so a new JSON route cannot be silently missing.
 */
const BROWSER_ONLY = new Set([
  'GET /bugs/:id{[0-9]{1,15}}/screenshots/:key{[A-Za-z0-9_-]{32}}', // image bytes, not JSON
  'GET /embed/leaderboard', // a tiny HTML document for iframes
  'GET /account', // only ever a 303 (to your profile or to the log-in page)
  'GET /bugs.atom', // Atom XML, for feed readers
  'GET /domains/:hostname/feed.atom', // Atom XML
  'GET /users/:username/feed.atom', // Atom XML
  'GET /embed/leaderboard/domains', // iframe document
  'GET /badge/:file', // SVG image
]);

describe('OpenAPI: every route is documented or browser-only', () => {
  it('each route of the app carries an operation() spec, or is listed as browser-only', () => {
    const routes = new Map<string, boolean>();
    for (const r of createApp().routes) {
      if (r.method === 'ALL') continue; // middleware
      const key = `${r.method} ${r.path}`;
      routes.set(key, (routes.get(key) ?? false) || specOf(r.handler) !== undefined);
    }
    const missing = [...routes].filter(([k, documented]) => !documented && !BROWSER_ONLY.has(k)).map(([k]) => k);
    expect(missing, 'add operation({…}) next to the route, or list it in BROWSER_ONLY with why').toEqual([]);
    const stale = [...BROWSER_ONLY].filter((k) => !routes.has(k));
    expect(stale, 'BROWSER_ONLY names routes that no longer exist').toEqual([]);
    const both = [...BROWSER_ONLY].filter((k) => routes.get(k) === true);
    expect(both, 'documented routes cannot be browser-only').toEqual([]);
  });
});

/** A real request for one documented operation, and the status it should get. */
type Case = () => Promise<Response>;

describe('OpenAPI: real answers conform to /api/openapi.json', () => {
  it('validates the status and JSON body of every documented operation against the document', async () => {
    const doc = await (await call('/api/openapi.json', { json: true })).json<Doc>();
    expect(doc.openapi).toBe('3.1.0');

    const admin = await signUp('oapi');
    await makeAdmin(admin.id);
    const other = await signUp('oapiother');
    const token = await makeToken(admin.cookie, ['read', 'report', 'comment', 'triage']);
    const host = uniqueHost('oapi');
    const theirs = await seedBug({ userId: other.id, hostname: host, title: 'A report by someone else' });
    const mine = await seedBug({ userId: admin.id, hostname: host, title: 'A report of my own to move' });
    const toTriage = await seedBug({ userId: other.id, hostname: host, title: 'A report for the console' });
    // Private reports: one read (with its disclosure date), one moved and published.
    const secret = await seedBug({ userId: other.id, hostname: host, title: 'A private report', isHidden: true });
    const toPublish = await seedBug({ userId: other.id, hostname: host, title: 'Private until now', isHidden: true });
    // Someone who becomes an owner of the test host, and leaves again.
    const owner = await signUp('oapiowner');
    const claimHost = uniqueHost('oapiclaim');
    // A notification for the token's owner: someone comments on their report.
    const told = await call(`/api/bugs/${mine}/comments`, { cookie: other.cookie, form: { body: 'Seen this too.' } });
    expect(told.status).toBe(303);
    const inAYear = new Date(Date.now() + 365 * 86400_000).toISOString().slice(0, 10);
    const filed = await bearer('/api/bugs', token, {
      json: { url: `https://${host}/x`, title: 'Filed through the API', private: false },
    });
    expect(filed.status).toBe(201);
    const comment = await bearer(`/api/bugs/${theirs}/comments`, token, { json: { body: 'A first comment' } });
    const cid = (await comment.json<{ comment: { id: number } }>()).comment.id;
    const get = (path: string) => () => bearer(path, token);
    const post = (path: string, json?: unknown) => () => bearer(path, token, { method: 'POST', json });
    const id = '{id}';
    const domain = '/domains/{host}';

    const cases: Record<string, Case> = {
      'get /bugs': get('/bugs?limit=2'),
      'get /api/bugs': get(`/api/bugs?domain=${host}`),
      'get /api/bugs/similar': get(`/api/bugs/similar?url=https://${host}/&title=report`),
      [`get /bugs/${id}`]: get(`/bugs/${theirs}`),
      [`get /api/bugs/${id}`]: get(`/api/bugs/${secret}`),
      [`get /api/bugs/${id}/comments`]: get(`/api/bugs/${theirs}/comments`),
      [`post /api/bugs/${id}/upvote`]: post(`/api/bugs/${theirs}/upvote`),
      [`post /api/bugs/${id}/comments`]: post(`/api/bugs/${theirs}/comments`, { body: 'Another comment' }),
      [`post /api/bugs/${id}/status`]: post(`/api/bugs/${mine}/status`, { status: 'closed' }),
      'post /api/bugs': post('/api/bugs', { url: `https://${host}/y`, title: 'Another one via JSON', severity: 'low' }),
      [`get /bugs/${id}/history`]: get(`/bugs/${theirs}/history`),
      [`get /api/bugs/${id}/history`]: get(`/api/bugs/${theirs}/history`),
      [`post /bugs/${id}/edit`]: post(`/bugs/${theirs}/edit`, {
        url: `https://${host}/edited`,
        title: 'A report by someone else, edited',
        description: 'More detail.',
        label: 'functional',
        severity: 'medium',
      }),
      [`post /bugs/${id}/comments/{cid}/delete`]: post(`/bugs/${theirs}/comments/${cid}/delete`),
      // No screenshot on it: the documented error answer, in the one error shape.
      [`post /bugs/${id}/screenshots/{key}/delete`]: post(`/bugs/${theirs}/screenshots/${'a'.repeat(32)}/delete`),
      [`post /bugs/${id}/state`]: post(`/bugs/${theirs}/state`, { state: 'triaged', note: 'Seen.' }),
      [`post /bugs/${id}/flag`]: post(`/bugs/${theirs}/flag`, { reason: 'fake' }),
      [`post /admin/flags/${id}/resolve`]: post(`/admin/flags/${theirs}/resolve`, { resolution: 'kept' }),
      'get /leaderboard': get('/leaderboard?limit=3'),
      'get /api/leaderboard': get('/api/leaderboard?limit=3'),
      'get /stats': get('/stats'),
      'get /api/stats': get('/api/stats'),
      'get /domains/{hostname}': get(`/domains/${host}`),
      'get /api/health': get('/api/health'),
      'get /users/{username}': get(`/users/${other.username}`),
      'get /api/users/{username}': get(`/api/users/${admin.username}`),
      'get /api/auth/me': get('/api/auth/me'),
      'get /api/openapi.json': get('/api/openapi.json'),
      // Domain owners (issue 13): the token's owner is an admin, who may manage any domain.
      [`post ${domain}/claim/token`]: post(`/domains/${claimHost}/claim/token`),
      [`get ${domain}/claim`]: get(`/domains/${claimHost}/claim`),
      [`post ${domain}/claim`]: async () => {
        const claim = await env.DB.prepare(
          'SELECT token FROM domain_claims WHERE domain_id = (SELECT id FROM domains WHERE hostname = ?)',
        )
          .bind(claimHost)
          .first<{ token: string }>();
        outside.use(dns({ [`_blt-verify.${claimHost}`]: { TXT: [`blt-verify=${claim?.token}`] } }));
        return bearer(`/domains/${claimHost}/claim`, token, { json: { method: 'dns' } });
      },
      'get /owned': get('/owned'),
      [`post ${domain}/owners`]: post(`/domains/${host}/owners`, { username: owner.username }),
      [`get ${domain}/owners`]: get(`/domains/${host}/owners`),
      [`post ${domain}/owners/remove`]: post(`/domains/${host}/owners/remove`, { username: owner.username }),
      [`get ${domain}/triage`]: get(`/domains/${host}/triage`),
      [`post ${domain}/triage/${id}/state`]: post(`/domains/${host}/triage/${toTriage}/state`, {
        state: 'accepted',
        note: 'Reproduced.',
      }),
      // Notifications (issue 13).
      'get /notifications': get('/notifications'),
      'get /api/notifications': get('/api/notifications'),
      'post /notifications/read': async () => {
        const n = await env.DB.prepare('SELECT id FROM notifications WHERE user_id = ? ORDER BY id DESC')
          .bind(admin.id)
          .first<{ id: number }>();
        return bearer('/notifications/read', token, { json: { id: n?.id } });
      },
      'post /settings/notifications': post('/settings/notifications', { notify_email: 'off' }),
      // Disclosure and scorecards (issue 14).
      [`post /bugs/${id}/disclosure`]: post(`/bugs/${toPublish}/disclosure`, {
        disclose_at: inAYear,
        reason: 'The fix ships next year.',
      }),
      [`post /bugs/${id}/publish`]: post(`/bugs/${toPublish}/publish`),
      'get /leaderboard/domains': get('/leaderboard/domains?limit=5'),
      'get /api/leaderboard/domains': get('/api/leaderboard/domains'),
      // The browser's own flows: the session cookie and Accept: application/json, never a token.
      ...(await browserCases(admin.cookie, theirs)),
    };

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort(), 'each documented operation needs a request in this test').toEqual(
      Object.keys(cases).sort(),
    );

    // Every other case must succeed, so that the success answer is what gets checked.
    const EXPECTED_ERRORS = new Set([`post /bugs/${id}/screenshots/{key}/delete`]);
    const failures: string[] = [];
    const tokenless = documented.filter((op) => {
      const [m, p] = op.split(' ') as [string, string];
      return doc.paths[p]![m]!['x-tokens'] === false;
    });
    expect(tokenless.length).toBeGreaterThan(20);
    for (const [op, run] of Object.entries(cases)) {
      const [method, path] = op.split(' ') as [string, string];
      const spec = doc.paths[path]![method]!;
      const res = await run();
      const status = String(res.status);
      if (res.status >= 400 && !EXPECTED_ERRORS.has(op)) failures.push(`${op}: ${status} ${await res.clone().text()}`);
      const documentedResponse = spec.responses[status] ?? spec.responses.default;
      // Each request is meant to succeed, so the answer is one of the documented ones; the one
      // deliberate error is checked against the error shape.
      const expectError = op === `post /bugs/${id}/screenshots/{key}/delete` ? '404' : undefined;
      if (expectError ? status !== expectError : !spec.responses[status]) failures.push(`${op}: status ${status}`);
      expect(res.headers.get('Content-Type'), op).toMatch(/^application\/json/);
      const content = documentedResponse?.content?.['application/json'] as { schema: Json } | undefined;
      let schema = content?.schema ?? {};
      if (schema.$ref === '#/components/schemas/Error') schema = doc.components.schemas.Error!;
      const body = await res.json();
      const result = new Validator(schema, '2020-12', false).validate(body);
      if (!result.valid) {
        failures.push(`${op} (${status}): ${JSON.stringify(result.errors.slice(-3))}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

const NEW_PASSWORD = 'another quite long passphrase 4471';

/** Requests for the operations closed to tokens, each with a fresh account where it changes one. */
async function browserCases(adminCookie: string, bugId: number): Promise<Record<string, Case>> {
  const json = true;
  const [pw, mail, gone, login] = await Promise.all([
    signUp('oapw'),
    signUp('oamail'),
    signUp('oagone'),
    signUp('oalog'),
  ]);
  const newcomer = `oanew_${Math.random().toString(36).slice(2, 10)}`;
  const newEmail = `${newcomer}@example.test`;
  const page =
    (path: string, cookie = adminCookie) =>
    () =>
      call(path, { cookie, json });
  const form = (path: string, fields: Record<string, string>, cookie?: string) => () =>
    call(path, { cookie, json, form: fields });
  return {
    'get /bugs/new': page('/bugs/new'),
    'get /bugs/{id}/edit': page(`/bugs/${bugId}/edit`),
    'get /bugs/{id}/spam': page(`/bugs/${bugId}/spam`),
    'get /admin/flags': page('/admin/flags'),
    'get /admin/metrics': page('/admin/metrics'),
    'get /admin/outbox': page('/admin/outbox'),
    'get /dev/outbox': page('/dev/outbox'),
    'get /api/health/deep': page('/api/health/deep'),
    'get /settings/tokens': page('/settings/tokens'),
    'post /settings/tokens': form('/settings/tokens', { name: 'oapi-second', scopes: 'read' }, adminCookie),
    'post /settings/tokens/{id}/revoke': async () => {
      const tokens = await (await call('/settings/tokens', { cookie: adminCookie, json })).json<{
        tokens: { id: number; name: string }[];
      }>();
      const id = tokens.tokens.find((t) => t.name === 'oapi-second')!.id;
      return call(`/settings/tokens/${id}/revoke`, { cookie: adminCookie, json, form: {} });
    },
    'get /signup': page('/signup', ''),
    'post /api/auth/signup': form('/api/auth/signup', {
      username: newcomer,
      email: newEmail,
      password: PASSWORD,
      password_confirmation: PASSWORD,
    }),
    'get /signup/check-email': page('/signup/check-email', ''),
    'get /verify-email': async () =>
      call(`/verify-email?token=${await mailedToken(newEmail, '/verify-email')}`, { json }),
    'post /verify-email': async () => form('/verify-email', { token: await mailedToken(newEmail, '/verify-email') })(),
    'get /login': page('/login', ''),
    'post /api/auth/login': form('/api/auth/login', { username: login.username, password: PASSWORD }),
    'post /api/auth/logout': form('/api/auth/logout', {}, login.cookie),
    'get /forgot-password': page('/forgot-password', ''),
    'post /forgot-password': form('/forgot-password', { email: pw.email }),
    'get /forgot-password/sent': page('/forgot-password/sent', ''),
    'get /reset-password': async () =>
      call(`/reset-password?token=${await mailedToken(pw.email, '/reset-password')}`, { json }),
    'post /reset-password': async () =>
      form('/reset-password', {
        token: await mailedToken(pw.email, '/reset-password'),
        password: NEW_PASSWORD,
        password_confirmation: NEW_PASSWORD,
      })(),
    'get /settings': page('/settings', mail.cookie),
    'post /settings/password': form(
      '/settings/password',
      { current_password: PASSWORD, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
      gone.cookie,
    ),
    'post /settings/email': form('/settings/email', { email: `new_${mail.email}`, password: PASSWORD }, mail.cookie),
    'post /settings/sessions': form('/settings/sessions', {}, mail.cookie),
    'get /settings/export.json': page('/settings/export.json'),
    'post /settings/delete': async () => {
      const again = await call('/api/auth/login', { json, form: { username: gone.username, password: NEW_PASSWORD } });
      const cookie = again.headers
        .getSetCookie()
        .find((c) => c.startsWith('__Host-blt_session='))!
        .split(';')[0]!;
      return call('/settings/delete', { cookie, json, form: { password: NEW_PASSWORD } });
    },
    'get /account-deleted': page('/account-deleted', ''),
  };
}
