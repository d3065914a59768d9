import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bugIdOf, image, postMultipart, shotsOf } from './evidence-helpers';
import { call, seedBug, signUp, uniqueHost } from './helpers';

// ARCHITECTURE.md "One round trip per page": a page's reads go to D1 in one batch
// (worker/db/batching.ts). Each case reads the request's own log line.

afterEach(() => vi.restoreAllMocks());

type D1Line = { queries: number; round_trips: number };

/** The `d1` of the one request log line written while `send` runs, and its response. */
async function d1Of(send: () => Promise<Response>): Promise<{ res: Response; body: string; d1: D1Line }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  let res: Response;
  let body: string;
  try {
    res = await send();
    body = await res.text();
  } finally {
    spy.mockRestore();
  }
  const requests = lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'request');
  expect(requests).toHaveLength(1);
  return { res, body, d1: requests[0].d1 };
}

/** A report with comments, a state change and a disclosure date: every part of the bug page. */
async function busyBug(userId: number): Promise<number> {
  const id = await seedBug({ userId, title: 'A bug page with everything on it' });
  for (let i = 0; i < 3; i++) {
    await env.DB.prepare('INSERT INTO comments (bug_id, user_id, body, created_at) VALUES (?, ?, ?, ?)')
      .bind(id, userId, `Comment **${i}**`, new Date(Date.now() + i).toISOString())
      .run();
  }
  return id;
}

describe('the bug page is one D1 round trip', () => {
  it('anonymous: the bug, its comments, screenshots, timeline, duplicates and disclosure in one batch', async () => {
    const reporter = await signUp('busy');
    const id = await busyBug(reporter.id);
    const { res, body, d1 } = await d1Of(() => call(`/bugs/${id}`));
    expect(res.status).toBe(200);
    expect(body).toContain('Comment <strong>2</strong>');
    expect(d1.queries).toBeGreaterThanOrEqual(6);
    expect(d1.round_trips).toBe(1);
  });

  it('signed in (second page of the session): the session check rides in the same batch', async () => {
    const viewer = await signUp('viewer');
    const id = await busyBug(viewer.id);
    await call(`/bugs/${id}`, { cookie: viewer.cookie });
    const { res, d1 } = await d1Of(() => call(`/bugs/${id}`, { cookie: viewer.cookie }));
    expect(res.status).toBe(200);
    expect(d1.round_trips).toBe(1);
  });

  it('a bug nobody may see is still one round trip, and a 404', async () => {
    const { res, d1 } = await d1Of(() => call('/bugs/987654321'));
    expect(res.status).toBe(404);
    expect(d1.round_trips).toBe(1);
  });

  it('JSON with its timeline: one round trip', async () => {
    const id = await seedBug();
    const { res, body, d1 } = await d1Of(() => call(`/api/bugs/${id}`, { json: true }));
    expect(res.status).toBe(200);
    expect(JSON.parse(body).bug.timeline).toEqual(expect.any(Array));
    expect(d1.round_trips).toBe(1);
  });
});

describe('a screenshot file is one D1 round trip before R2', () => {
  it('the report’s visibility and the screenshot’s row in one batch', async () => {
    const host = uniqueHost('shot');
    const res = await postMultipart(
      '/api/bugs',
      {
        url: `https://${host}/page`,
        title: 'A bug with a screenshot',
        description: '',
        label: 'general',
        severity: 'none',
      },
      [{ name: 'x.gif', bytes: image('gif').bytes, type: 'image/gif' }],
    );
    const id = bugIdOf(res);
    const [row] = await shotsOf(id);
    const { res: got, d1 } = await d1Of(() => call(`/bugs/${id}/screenshots/${row?.key}`));
    expect(got.status).toBe(200);
    expect(got.headers.get('Content-Type')).toBe('image/gif');
    expect(d1.round_trips).toBe(1);
  });
});
