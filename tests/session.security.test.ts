import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, count, makeAdmin, seedBug, signUp, uniqueHost } from './helpers';

// The session check rides in the same D1 batch as a safe request's first reads
// (worker/middleware/session.ts, ARCHITECTURE.md "One round trip per page"). These tests show
// the page still never reaches anyone whose session no longer holds.

afterEach(() => vi.restoreAllMocks());

/** The `d1` part of the request log lines written while `fn` runs. */
async function d1Of(fn: () => Promise<unknown>): Promise<{ queries: number; round_trips: number }[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'request')
    .map((l) => l.d1);
}

async function bumpSessionVersion(id: number) {
  await env.DB.prepare('UPDATE users SET session_version = session_version + 1 WHERE id = ?').bind(id).run();
}

describe('a signed-in page checks its session in the same round trip as its own reads', () => {
  it('the second /bugs of a session is one D1 round trip, and the header shows points earned since', async () => {
    const user = await signUp('onetrip');
    expect((await call('/bugs', { cookie: user.cookie })).status).toBe(200); // the isolate learns the session
    await env.DB.prepare("INSERT INTO user_scores (user_id, period, score) VALUES (?, 'all', 37)").bind(user.id).run();
    let html = '';
    const [d1] = await d1Of(async () => {
      const res = await call('/bugs', { cookie: user.cookie });
      expect(res.status).toBe(200);
      html = await res.text();
    });
    expect(d1?.queries).toBeGreaterThanOrEqual(2); // the check and the list
    expect(d1?.round_trips).toBe(1);
    expect(html).toContain('(37 pts)');
  });

  it('/notifications on a remembered session counts what arrived since, in the page and the header', async () => {
    const user = await signUp('unread');
    const bug = await seedBug();
    expect((await call('/notifications', { cookie: user.cookie })).status).toBe(200);
    await env.DB.prepare(
      "INSERT INTO notifications (user_id, kind, bug_id, summary, created_at) VALUES (?, 'comment', ?, 'x', ?)",
    )
      .bind(user.id, bug, new Date().toISOString())
      .run();
    const json = (await (await call('/notifications', { cookie: user.cookie, json: true })).json()) as {
      unread: number;
    };
    expect(json.unread).toBe(1);
  });

  it('logged out everywhere since: the page is not sent; 303 to the same URL, cookie cleared', async () => {
    const user = await signUp('revoked');
    const title = `Private ${uniqueHost('secret')}`;
    const id = await seedBug({ userId: user.id, isHidden: true, title });
    const before = await call(`/bugs/${id}`, { cookie: user.cookie });
    expect(await before.text()).toContain(title);

    await bumpSessionVersion(user.id);
    const res = await call(`/bugs/${id}?page=1`, { cookie: user.cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`http://example.com/bugs/${id}?page=1`);
    expect(res.headers.get('Cache-Control')).toMatch(/no-store/);
    expect(res.headers.getSetCookie().join('\n')).toMatch(/__Host-blt_session=;[^\n]*Max-Age=0/i);
    const body = await res.text();
    expect(body).not.toContain(title);
    expect(body).toBe('');

    // Asked again (the browser follows with the cleared cookie, or even still sends the old one):
    const again = await call(`/bugs/${id}?page=1`, { cookie: user.cookie });
    expect(again.status).toBe(404);
    expect(await again.text()).not.toContain(title);
  });

  it('an admin demoted since: another user’s private report is not sent, and asking again is 404', async () => {
    const reporter = await signUp('owner');
    const title = `Hidden ${uniqueHost('demote')}`;
    const id = await seedBug({ userId: reporter.id, isHidden: true, title });
    const admin = await signUp('demoted');
    await makeAdmin(admin.id);
    const seen = await call(`/bugs/${id}`, { cookie: admin.cookie });
    expect(seen.status).toBe(200);
    expect(await seen.text()).toContain(title);

    await env.DB.prepare("UPDATE users SET role = 'user' WHERE id = ?").bind(admin.id).run();
    const res = await call(`/bugs/${id}`, { cookie: admin.cookie, hx: true });
    expect(res.status).toBe(303);
    expect(await res.text()).toBe('');
    expect(res.headers.getSetCookie().join('\n')).not.toMatch(/__Host-blt_session=/); // still signed in
    expect((await call(`/bugs/${id}`, { cookie: admin.cookie })).status).toBe(404);
  });

  it('an unsafe request never runs on a remembered session: a revoked session cannot comment', async () => {
    const user = await signUp('nopost');
    const id = await seedBug();
    expect((await call(`/bugs/${id}`, { cookie: user.cookie })).status).toBe(200);
    await bumpSessionVersion(user.id);
    const res = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'after logout' } });
    expect(res.status).toBe(401);
    expect(await count('comments', 'bug_id = ?', id)).toBe(0);
  });
});
