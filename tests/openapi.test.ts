import { env } from 'cloudflare:workers';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { createApp } from '../worker/app';
import { specOf } from '../worker/lib/openapi';
import { bearer, makeToken } from './api-helpers';
import { call, makeAdmin, seedBug, signUp, uniqueHost } from './helpers';
import { dns, outside, useOutside } from './outside';

// Claiming a domain asks DNS (over HTTPS): the conformance run answers it here.
useOutside();

type Json = Record<string, unknown>;
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Json }>; 'x-token-scope': string }>>;
  components: { schemas: Record<string, Json> };
}

/**
 * Routes that answer only the browser (forms, their pages, account and token management, admin
 * and dev pages): closed to API tokens and left out of the document on purpose. Every other
 * route must carry an operation() spec, so a new JSON route cannot be silently missing.
 */
const BROWSER_ONLY = new Set([
  'GET /bugs/new', // the report form
  'GET /bugs/:id{[0-9]{1,15}}/edit', // the edit form
  'GET /bugs/:id{[0-9]{1,15}}/spam', // the spam confirm step
  'GET /bugs/:id{[0-9]{1,15}}/screenshots/:key{[A-Za-z0-9_-]{32}}', // image bytes, not JSON
  'GET /embed/leaderboard', // iframe document
  'GET /signup',
  'POST /api/auth/signup',
  'GET /signup/check-email',
  'GET /login',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'GET /account',
  'GET /verify-email',
  'POST /verify-email',
  'GET /forgot-password',
  'POST /forgot-password',
  'GET /forgot-password/sent',
  'GET /reset-password',
  'POST /reset-password',
  'GET /settings',
  'POST /settings/password',
  'POST /settings/email',
  'POST /settings/sessions',
  'GET /settings/export.json',
  'POST /settings/delete',
  'GET /account-deleted',
  'GET /settings/tokens',
  'POST /settings/tokens',
  'POST /settings/tokens/:id{[0-9]{1,15}}/revoke',
  'GET /admin/flags',
  'GET /admin/metrics',
  'GET /admin/outbox',
  'GET /dev/outbox',
  'GET /api/health/deep', // the rollout's probe: 503 by design while a check fails
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
        return bearer('/notifications/read', token, { json: { id: String(n?.id) } });
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
    };

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort(), 'each documented operation needs a request in this test').toEqual(
      Object.keys(cases).sort(),
    );

    // Every other case must succeed, so that the success answer is what gets checked.
    const EXPECTED_ERRORS = new Set([`post /bugs/${id}/screenshots/{key}/delete`]);
    const failures: string[] = [];
    for (const [op, run] of Object.entries(cases)) {
      const [method, path] = op.split(' ') as [string, string];
      const spec = doc.paths[path]![method]!;
      const res = await run();
      const status = String(res.status);
      if (res.status >= 400 && !EXPECTED_ERRORS.has(op)) failures.push(`${op}: ${status} ${await res.clone().text()}`);
      const documentedResponse = spec.responses[status] ?? spec.responses.default;
      if (!spec.responses[status] && res.status < 400) failures.push(`${op}: status ${status} is not documented`);
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
