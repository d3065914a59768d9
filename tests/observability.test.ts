import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../worker/app';
import { createDb } from '../worker/db';
import { LATEST_MIGRATION } from '../worker/db/migrations';
import { flushMetrics } from '../worker/lib/metrics';
import { call, makeAdmin, signUp } from './helpers';

const SELF = exports.default;

/** Our JSON log lines written while `fn` runs (console.log and console.error). */
async function captureLogs(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await fn();
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  const ours = lines.filter((l) => l.startsWith('{'));
  if (ours.length !== lines.length) console.warn(lines.filter((l) => !l.startsWith('{')));
  return ours.map((l) => JSON.parse(l) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe('one structured log line per request', () => {
  it('names the route pattern, not the URL, with status, representation, duration and D1 rows', async () => {
    const lines = await captureLogs(() =>
      SELF.fetch('https://blt.test/bugs?q=secret-search-words&status=open', {
        headers: { accept: 'application/json' },
      }),
    );
    const requests = lines.filter((l) => l.type === 'request');
    expect(requests).toHaveLength(1);
    const [line] = requests;
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/bugs', representation: 'json', status: 200 });
    expect(line?.request_id).toEqual(expect.any(String));
    expect(line?.duration_ms).toEqual(expect.any(Number));
    expect(line?.d1).toMatchObject({ queries: expect.any(Number), rows_read: expect.any(Number) });
    expect((line?.d1 as { queries: number } | undefined)?.queries).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('secret-search-words');
  });

  it('logs the pattern of a parameterised route and of a 404', async () => {
    const lines = await captureLogs(async () => {
      await SELF.fetch('https://blt.test/bugs/999999999');
      await SELF.fetch('https://blt.test/no-such-page/with-a-token-abc123');
    });
    const routes = lines.filter((l) => l.type === 'request').map((l) => [l.route, l.status]);
    expect(routes).toEqual([
      ['/bugs/:id{[0-9]{1,15}}', 404],
      ['(none)', 404],
    ]);
    expect(JSON.stringify(lines)).not.toContain('abc123');
  });

  it('an unexpected exception is logged once, with the request id the 500 page shows', async () => {
    const app = createApp();
    app.get('/__boom', () => {
      throw new Error('kaboom');
    });
    let res: Response | undefined;
    const lines = await captureLogs(async () => {
      res = await app.request('/__boom', {}, env);
    });
    expect(res?.status).toBe(500);
    const html = (await res?.text()) ?? '';
    expect(html).not.toContain('kaboom');
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 'request', status: 500, error: { name: 'Error', message: 'kaboom' } });
    expect(html).toContain(String(errors[0]?.request_id));
  });
});

describe('metrics kept as hourly totals in D1', () => {
  it('counts requests by route and status, latency buckets, D1 time and fragment cache hits', async () => {
    const db = createDb(env.DB);
    const hour = new Date().toISOString().slice(0, 13);
    const count = async (metric: string, label: string) =>
      (
        await db
          .selectFrom('metrics_hourly')
          .select(['count'])
          .where('hour', '=', hour)
          .where('metric', '=', metric)
          .where('label', '=', label)
          .executeTakeFirst()
      )?.count ?? 0;
    await flushMetrics(env, db, { force: true });
    const before = await count('request', '200 GET /leaderboard');
    const hitsBefore = await count('fragment_cache', 'hit');
    await captureLogs(async () => {
      await SELF.fetch('https://blt.test/leaderboard');
      await SELF.fetch('https://blt.test/leaderboard');
      await SELF.fetch('https://blt.test/api/stats', { headers: { 'HX-Request': 'true' } });
      await SELF.fetch('https://blt.test/api/stats', { headers: { 'HX-Request': 'true' } });
    });
    await flushMetrics(env, db, { force: true });
    expect((await count('request', '200 GET /leaderboard')) - before).toBe(2);
    expect((await count('fragment_cache', 'hit')) - hitsBefore).toBeGreaterThanOrEqual(1);
    expect(await count('d1_ms', 'GET /leaderboard')).toBeGreaterThan(0);
    const buckets = await db
      .selectFrom('metrics_hourly')
      .select(['label'])
      .where('metric', '=', 'latency_le')
      .execute();
    expect(buckets.length).toBeGreaterThan(0);
  });
});

describe('/api/health/deep: what the rollout waits on', () => {
  it('answers 200 with the checks it made when D1 answers and the newest migration is applied', async () => {
    const res = await call('/api/health/deep');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(await res.json()).toMatchObject({
      status: 'ok',
      checks: { d1: { ok: true }, migrations: { ok: true, needs: LATEST_MIGRATION }, outbox: { ok: true } },
    });
  });

  it('answers 503 when mail has waited in the outbox longer than the sweep allows', async () => {
    const old = new Date(Date.now() - 3600_000).toISOString();
    const { meta } = await env.DB.prepare(
      "INSERT INTO outbox (to_address, subject, text_body, html_body, status, created_at) VALUES ('stuck@example.test', 's', 't', 'h', 'pending', ?)",
    )
      .bind(old)
      .run();
    try {
      const res = await call('/api/health/deep');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'fail', checks: { outbox: { ok: false } } });
    } finally {
      await env.DB.prepare('DELETE FROM outbox WHERE id = ?').bind(meta.last_row_id).run();
    }
  });

  it('answers 503 and names the failed check when the newest migration is missing', async () => {
    await env.DB.prepare("UPDATE d1_migrations SET name = name || '.hidden' WHERE name = ?")
      .bind(LATEST_MIGRATION)
      .run();
    try {
      const res = await call('/api/health/deep');
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'fail',
        checks: { d1: { ok: true }, migrations: { ok: false } },
      });
    } finally {
      await env.DB.prepare('UPDATE d1_migrations SET name = ? WHERE name = ?')
        .bind(LATEST_MIGRATION, `${LATEST_MIGRATION}.hidden`)
        .run();
    }
  });

  it('names the newest file in migrations/', () => {
    expect(LATEST_MIGRATION).toBe(env.TEST_MIGRATIONS.at(-1)?.name);
  });
});

describe('/admin/metrics', () => {
  it('is for admins: 401 signed out, 403 for a user, the charts and route table for an admin', async () => {
    expect((await call('/admin/metrics')).status).toBe(401);
    const user = await signUp('metrics');
    expect((await call('/admin/metrics', { cookie: user.cookie })).status).toBe(403);
    await makeAdmin(user.id);
    await call('/leaderboard');
    await flushMetrics(env, createDb(env.DB), { force: true });
    // The role changed behind this isolate's back: its first page for the remembered session is
    // thrown away and asked again (303 to itself, tests/session.security.test.ts), then checked first.
    const first = await call('/admin/metrics', { cookie: user.cookie });
    expect(first.status).toBe(303);
    expect(first.headers.get('Location')).toBe('http://example.com/admin/metrics');
    const res = await call('/admin/metrics', { cookie: user.cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Metrics</h1>');
    expect(html).toContain('Requests per hour');
    expect(html).toContain('<code>GET /leaderboard</code>');
    const json = (await (await call('/admin/metrics', { cookie: user.cookie, json: true })).json()) as {
      hours: unknown[];
      routes: { route: string; requests: number }[];
    };
    expect(json.hours).toHaveLength(24);
    expect(json.routes.find((r) => r.route === 'GET /leaderboard')?.requests).toBeGreaterThan(0);
  });
});
