import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../worker/app';
import { fail } from '../worker/lib/errors';
import { call, mailedToken, PASSWORD, seedBug, signUp, uniqueHost } from './helpers';

const ERROR_KEYS = ['code', 'fields', 'message', 'request_id'];

/** Asserts the one JSON error shape, exactly: {"error":{"code","message","fields"?,"request_id"}}. */
async function expectError(res: Response, code: string, status: number, what: string) {
  expect(res.status, what).toBe(status);
  expect(res.headers.get('Content-Type'), what).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body), what).toEqual(['error']);
  const keys = Object.keys(body.error);
  expect(
    keys.every((k) => ERROR_KEYS.includes(k)),
    `${what}: ${keys}`,
  ).toBe(true);
  expect(body.error.code, what).toBe(code);
  expect(typeof body.error.message === 'string' && body.error.message.length > 0, what).toBe(true);
  expect(body.error.request_id, what).toBe(res.headers.get('X-Request-Id'));
  expect(body.error.request_id, what).toMatch(/^[\w-]{8,}$/);
  if ('fields' in body.error) {
    const fields = body.error.fields as Record<string, unknown>;
    expect(Object.keys(fields).length, what).toBeGreaterThan(0);
    for (const v of Object.values(fields)) expect(typeof v, what).toBe('string');
  }
  return body.error;
}

/** The real app with a few extra routes for statuses no public route sends on demand. */
function appWithFailures() {
  const app = createApp();
  app.get('/__test/405', () => fail(405));
  app.get('/__test/429', () => fail(429, 'Slow down.', { 'Retry-After': '60' }));
  app.get('/__test/503', () => fail(503));
  app.get('/__test/500', () => {
    throw new Error('secret internals: SELECT * FROM users');
  });
  return (path: string) => app.request(path, { headers: { Accept: 'application/json' } }, env);
}

describe('one JSON error shape', () => {
  it('every code of the closed set, from validation, auth routes, fail() and onError alike', async () => {
    const u = await signUp('errshape');
    const bug = await seedBug();
    const big = 'x'.repeat(70 * 1024);
    const cases: [string, number, () => Response | Promise<Response>][] = [
      ['bad_request', 400, () => call('/api/bugs?label=nope', { json: true })],
      ['bad_request', 400, () => call('/leaderboard?month=13', { json: true })],
      ['unauthorized', 401, () => call('/api/auth/me', { json: true })],
      [
        'unauthorized',
        401,
        () => call('/api/auth/login', { json: true, form: { username: u.username, password: `${PASSWORD}x` } }),
      ],
      ['unauthorized', 401, () => call(`/api/bugs/${bug}/upvote`, { json: true, form: {} })],
      [
        'forbidden',
        403,
        () =>
          call('/api/bugs', {
            json: true,
            origin: 'https://evil.example',
            form: { url: 'https://a.example/', title: 'Cross-site report' },
          }),
      ],
      [
        'forbidden',
        403,
        () => call(`/api/bugs/${bug}/status`, { json: true, cookie: u.cookie, form: { status: 'spam' } }),
      ],
      ['not_found', 404, () => call('/api/no-such-thing', { json: true })],
      ['not_found', 404, () => call('/api/bugs/999999999999', { json: true })],
      ['not_found', 404, () => call('/users/nobody_has_this_name', { json: true })],
      [
        'payload_too_large',
        413,
        () =>
          call('/api/bugs', { json: true, form: { url: 'https://a.example/', title: 'Too big', description: big } }),
      ],
      [
        'unsupported_media_type',
        415,
        () =>
          call('/api/bugs', {
            method: 'POST',
            json: true,
            headers: { 'Content-Type': 'application/json' },
          }),
      ],
      [
        'validation_failed',
        422,
        () => call('/api/bugs', { json: true, form: { url: 'ftp://x.example/', title: 'x' } }),
      ],
      ['validation_failed', 422, () => call('/api/auth/signup', { json: true, form: { username: 'x' } })],
      ['validation_failed', 422, () => call('/api/auth/login', { json: true, form: {} })],
      ['validation_failed', 422, () => call(`/api/bugs/${bug}/comments`, { json: true, cookie: u.cookie, form: {} })],
      [
        'gone',
        410,
        () =>
          call('/reset-password', {
            json: true,
            form: { token: 'A'.repeat(43), password: PASSWORD, password_confirmation: PASSWORD },
          }),
      ],
      [
        'conflict',
        409,
        async () => {
          // An address change confirmed after another account took the address.
          const email = `taken-${crypto.randomUUID()}@example.test`;
          await call('/settings/email', { cookie: u.cookie, form: { email, password: PASSWORD } });
          const token = await mailedToken(email, '/verify-email');
          await env.DB.prepare("INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'x')")
            .bind(`taker_${crypto.randomUUID().slice(0, 8)}`, email)
            .run();
          return call('/verify-email', { json: true, form: { token } });
        },
      ],
    ];
    const request = appWithFailures();
    cases.push(
      ['method_not_allowed', 405, () => request('/__test/405')],
      ['rate_limited', 429, () => request('/__test/429')],
      ['service_unavailable', 503, () => request('/__test/503')],
      ['internal_error', 500, () => request('/__test/500')],
    );
    const seen = new Set<string>();
    for (const [code, status, send] of cases) {
      const res = await send();
      const what = `${code} case ${cases.findIndex((c) => c[2] === send)}`;
      const err = await expectError(res.clone(), code, status, what);
      seen.add(code);
      if (status === 422) expect(err.fields, what).toBeDefined();
      if (status === 429) expect(res.headers.get('Retry-After')).toBe('60');
      if (status === 500) expect(await res.text()).not.toMatch(/secret internals|SELECT|at \w+ \(/);
    }
    // Every code of the closed set is produced above, and none other exists.
    const { ERROR_STATUS } = await import('../worker/lib/errors');
    expect([...seen].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    expect(ERROR_STATUS).toEqual({
      bad_request: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      method_not_allowed: 405,
      conflict: 409,
      gone: 410,
      payload_too_large: 413,
      unsupported_media_type: 415,
      validation_failed: 422,
      rate_limited: 429,
      internal_error: 500,
      service_unavailable: 503,
    });
  });

  it('pages and fragments of errors stay HTML', async () => {
    const page = await call('/api/no-such-thing');
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<!DOCTYPE html>');
    const fragment = await call('/api/bugs', { hx: true, form: { url: 'ftp://x.example/', title: 'x' } });
    expect(fragment.status).toBe(422);
    expect(fragment.headers.get('Content-Type')).toMatch(/^text\/html/);
  });
});

/** Every key of every object in a JSON value, however deep. */
function keysOf(value: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) keysOf(v, `${path}[${i}]`, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(`${path}.${k}`);
      keysOf(v, `${path}.${k}`, out);
    }
  }
  return out;
}

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

describe('JSON keys are snake_case everywhere', () => {
  it('the main GET routes and the write answers, signed in and not', async () => {
    const u = await signUp('snake');
    const other = await signUp('snake2');
    const host = uniqueHost('snake');
    const created = await call('/api/bugs', {
      json: true,
      cookie: u.cookie,
      form: { url: `https://${host}/a`, title: 'A snake case bug' },
    });
    const { bug } = (await created.clone().json()) as { bug: { id: number } };
    const responses: [string, Response][] = [['POST /api/bugs', created]];
    const post = async (path: string, form: Record<string, string>, cookie = u.cookie) =>
      responses.push([`POST ${path}`, await call(path, { json: true, cookie, form })]);
    await post(`/api/bugs/${bug.id}/comments`, { body: 'A comment' });
    await post(`/api/bugs/${bug.id}/upvote`, {}, other.cookie);
    await post(`/api/bugs/${bug.id}/status`, { status: 'closed' });
    await post('/api/auth/login', { username: u.username, password: PASSWORD }, '');
    const gets = [
      '/bugs',
      '/api/bugs',
      `/api/bugs?domain=${host}`,
      `/bugs/${bug.id}`,
      `/api/bugs/${bug.id}`,
      '/bugs/new',
      `/api/bugs/similar?url=https://${host}/`,
      `/users/${u.username}`,
      `/api/users/${u.username}`,
      '/leaderboard',
      `/api/leaderboard?x=${Math.random()}`,
      '/stats',
      `/api/stats?x=${Math.random()}`,
      `/domains/${host}`,
      '/api/auth/me',
      '/signup',
      '/login',
      '/api/health',
    ];
    for (const path of gets) {
      for (const cookie of [u.cookie, undefined]) {
        responses.push([`GET ${path} ${cookie ? 'signed in' : ''}`, await call(path, { json: true, cookie })]);
      }
    }
    await post('/api/auth/logout', {});
    for (const [what, res] of responses) {
      expect(res.headers.get('Content-Type'), what).toMatch(/^application\/json/);
      const keys = keysOf(await res.json());
      const bad = keys.filter((k) => !SNAKE.test(k.split('.').pop()!));
      expect(bad, what).toEqual([]);
    }
  });
});
