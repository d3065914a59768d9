import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, count, PASSWORD, seedBug, signUp, uniqueHost } from './helpers';

type Vars = Record<string, string | undefined>;

/**
 * Runs `fn` with some Worker vars changed (the limits are vars, so a test can make them small),
 * then puts them back. Test files run in isolates of their own, so no other file sees them.
 */
async function withVars<T>(vars: Vars, fn: () => Promise<T>): Promise<T> {
  const e = env as unknown as Vars;
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, e[k]]));
  Object.assign(e, vars);
  try {
    return await fn();
  } finally {
    Object.assign(e, saved);
  }
}

let ipCounter = 0;
/** A client address no other test uses, so per-IP buckets start empty. */
function freshIp(): string {
  ipCounter += 1;
  return `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${ipCounter}`;
}

const report = (host: string, n: number | string, extra: Record<string, string> = {}) => ({
  url: `https://${host}/page/${n}`,
  title: `Report number ${n} on this site`,
  description: `Steps for report ${n}`,
  ...extra,
});

describe('write limits: reports (issue 7 item 8)', () => {
  it('past the per-user limit: 429, Retry-After, the form again with everything typed, nothing written', async () => {
    const user = await signUp('ratelimited');
    const host = uniqueHost('rl');
    await withVars({ RATE_REPORTS_PER_USER: '3' }, async () => {
      for (let i = 0; i < 3; i++) {
        const ok = await call('/api/bugs', { cookie: user.cookie, form: report(host, i) });
        expect(ok.status).toBe(303);
      }
      const page = await call('/api/bugs', {
        cookie: user.cookie,
        form: report(host, 'four', { label: 'security', severity: 'high' }),
      });
      expect(page.status).toBe(429);
      const retry = Number(page.headers.get('Retry-After'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(3600);
      const html = await page.text();
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html).toContain('reports in this hour');
      expect(html).toContain(`value="https://${host}/page/four"`);
      expect(html).toContain('value="Report number four on this site"');
      expect(html).toContain('Steps for report four</textarea>');
      expect(html).toMatch(/<option value="security" selected/);

      const frag = await call('/api/bugs', { hx: true, cookie: user.cookie, form: report(host, 'five') });
      expect(frag.status).toBe(429);
      expect(frag.headers.get('Retry-After')).toBeTruthy();
      const fragHtml = await frag.text();
      expect(fragHtml.startsWith('<form')).toBe(true);
      expect(fragHtml).toContain('value="Report number five on this site"');

      const json = await call('/api/bugs', { json: true, cookie: user.cookie, form: report(host, 'six') });
      expect(json.status).toBe(429);
      expect(json.headers.get('Retry-After')).toBeTruthy();
      expect(JSON.stringify(await json.json())).toContain('reports in this hour');
    });
    expect(await count('bugs', 'user_id = ?', user.id)).toBe(3);
  });

  it('anonymous reports are limited per IP; another IP is not affected', async () => {
    const host = uniqueHost('rlip');
    const ip = freshIp();
    await withVars({ RATE_REPORTS_PER_IP: '2' }, async () => {
      const headers = { 'CF-Connecting-IP': ip };
      expect((await call('/api/bugs', { headers, form: report(host, 1) })).status).toBe(303);
      expect((await call('/api/bugs', { headers, form: report(host, 2) })).status).toBe(303);
      const third = await call('/api/bugs', { headers, form: report(host, 3) });
      expect(third.status).toBe(429);
      const other = await call('/api/bugs', { headers: { 'CF-Connecting-IP': freshIp() }, form: report(host, 4) });
      expect(other.status).toBe(303);
    });
    expect(await count('bugs', "url LIKE ? AND url NOT LIKE '%/3'", `https://${host}/%`)).toBe(3);
    expect(await count('bugs', 'url = ?', `https://${host}/page/3`)).toBe(0);
  });

  it('concurrent reports cannot exceed the limit: 12 at once with a limit of 5 → exactly 5 stored', async () => {
    const user = await signUp('ratelimitrace');
    const host = uniqueHost('race');
    const statuses = await withVars({ RATE_REPORTS_PER_USER: '5' }, () =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call('/api/bugs', { cookie: user.cookie, form: report(host, i) }).then((r) => r.status),
        ),
      ),
    );
    expect(statuses.filter((s) => s === 303)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(await count('bugs', 'user_id = ?', user.id)).toBe(5);
  });
});

describe('write limits: comments, upvotes, sign-ups', () => {
  it('comments past the limit: 429 with the comment kept, no row', async () => {
    const user = await signUp('chatty');
    const id = await seedBug();
    await withVars({ RATE_COMMENTS_PER_USER: '2' }, async () => {
      for (const body of ['first', 'second']) {
        expect((await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body } })).status).toBe(303);
      }
      const third = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'third, kept' } });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('Retry-After'))).toBeGreaterThan(0);
      const html = await third.text();
      expect(html).toContain('comments in this hour');
      expect(html).toContain('third, kept</textarea>');
      const frag = await call(`/api/bugs/${id}/comments`, { hx: true, cookie: user.cookie, form: { body: 'fourth' } });
      expect(frag.status).toBe(429);
      expect((await frag.text()).startsWith('<section class="comments"')).toBe(true);
    });
    expect(await count('comments', 'bug_id = ?', id)).toBe(2);
  });

  it('upvotes past the limit: 429 with Retry-After in every representation', async () => {
    const user = await signUp('clicky');
    const id = await seedBug();
    await withVars({ RATE_UPVOTES_PER_USER: '2' }, async () => {
      expect((await call(`/api/bugs/${id}/upvote`, { cookie: user.cookie, form: {} })).status).toBe(303);
      expect((await call(`/api/bugs/${id}/upvote`, { cookie: user.cookie, form: {} })).status).toBe(303);
      const page = await call(`/api/bugs/${id}/upvote`, { cookie: user.cookie, form: {} });
      expect(page.status).toBe(429);
      expect(page.headers.get('Retry-After')).toBeTruthy();
      expect(await page.text()).toContain('upvotes in this hour');
      const json = await call(`/api/bugs/${id}/upvote`, { json: true, cookie: user.cookie, form: {} });
      expect(json.status).toBe(429);
    });
    expect(await count('upvotes', 'bug_id = ?', id)).toBe(0); // on, off, then refused
  });

  it('sign-ups past the per-IP limit: 429 with username and email kept, no account', async () => {
    const ip = freshIp();
    const names = ['lim_a', 'lim_b', 'lim_c'].map((n) => `${n}_${Math.random().toString(36).slice(2, 8)}`);
    const form = (username: string) => ({
      username,
      email: `${username}@example.test`,
      password: PASSWORD,
      password_confirmation: PASSWORD,
    });
    await withVars({ RATE_SIGNUPS_PER_IP: '2' }, async () => {
      const headers = { 'CF-Connecting-IP': ip };
      expect((await call('/api/auth/signup', { headers, form: form(names[0]!) })).status).toBe(303);
      expect((await call('/api/auth/signup', { headers, form: form(names[1]!) })).status).toBe(303);
      const third = await call('/api/auth/signup', { headers, form: form(names[2]!) });
      expect(third.status).toBe(429);
      expect(third.headers.get('Retry-After')).toBeTruthy();
      expect(third.headers.getSetCookie()).toEqual([]);
      const html = await third.text();
      expect(html).toContain('sign-ups from your network in this hour');
      expect(html).toContain(`value="${names[2]}"`);
      expect(html).toContain(`value="${names[2]}@example.test"`);
    });
    expect(await count('users', 'username = ?', names[2])).toBe(0);
  });
});

describe('no double posts (issue 8)', () => {
  it('the same report twice from the same user: both answered with the first bug, one row', async () => {
    const user = await signUp('doubleclick');
    const host = uniqueHost('dup');
    const a = await call('/api/bugs', { cookie: user.cookie, form: report(host, 1) });
    const b = await call('/api/bugs', { cookie: user.cookie, form: report(host, 1) });
    expect(a.status).toBe(303);
    expect(b.status).toBe(303);
    expect(b.headers.get('Location')).toBe(a.headers.get('Location'));
    expect(await count('bugs', 'user_id = ?', user.id)).toBe(1);
    const c = await call('/api/bugs', { cookie: user.cookie, form: report(host, 2) });
    expect(c.headers.get('Location')).not.toBe(a.headers.get('Location'));
    expect(await count('bugs', 'user_id = ?', user.id)).toBe(2);
  });

  it('identical reports arriving at once (signed in and anonymous): one row, every answer points at it', async () => {
    const user = await signUp('parallel');
    const host = uniqueHost('dupall');
    const page = await Promise.all(
      Array.from({ length: 6 }, () => call('/api/bugs', { cookie: user.cookie, form: report(host, 'same') })),
    );
    expect(page.map((r) => r.status)).toEqual(Array(6).fill(303));
    expect(new Set(page.map((r) => r.headers.get('Location'))).size).toBe(1);
    expect(await count('bugs', 'user_id = ?', user.id)).toBe(1);

    const ip = freshIp();
    const anon = await Promise.all(
      Array.from({ length: 4 }, () =>
        call('/api/bugs', { json: true, headers: { 'CF-Connecting-IP': ip }, form: report(host, 'anon') }),
      ),
    );
    const ids = await Promise.all(anon.map(async (r) => ((await r.json()) as { bug: { id: number } }).bug.id));
    expect(anon.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(ids).size).toBe(1);
    expect(await count('bugs', 'url = ?', `https://${host}/page/anon`)).toBe(1);
    expect(await count('points', 'user_id = ?', user.id)).toBe(2); // +3 report, +1 domain: once
  });

  it('the same report from another IP, or after 60 s, is a new report', async () => {
    const host = uniqueHost('dupwin');
    const ip = freshIp();
    const first = await call('/api/bugs', { headers: { 'CF-Connecting-IP': ip }, form: report(host, 'w') });
    const other = await call('/api/bugs', { headers: { 'CF-Connecting-IP': freshIp() }, form: report(host, 'w') });
    expect(other.headers.get('Location')).not.toBe(first.headers.get('Location'));
    await env.DB.prepare('UPDATE recent_posts SET created_at = created_at - 61000').run();
    const later = await call('/api/bugs', { headers: { 'CF-Connecting-IP': ip }, form: report(host, 'w') });
    expect(later.status).toBe(303);
    expect(later.headers.get('Location')).not.toBe(first.headers.get('Location'));
    expect(await count('bugs', 'url = ?', `https://${host}/page/w`)).toBe(3);
  });

  it('identical comments arriving at once: one row, every answer points at it (page, htmx, JSON)', async () => {
    const user = await signUp('dupcomment');
    const id = await seedBug();
    const res = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'Same!' } }),
      ),
    );
    expect(res.map((r) => r.status)).toEqual(Array(5).fill(303));
    expect(new Set(res.map((r) => r.headers.get('Location'))).size).toBe(1);
    expect(res[0]!.headers.get('Location')).toMatch(new RegExp(`^/bugs/${id}#comment-\\d+$`));
    const hx = await call(`/api/bugs/${id}/comments`, { hx: true, cookie: user.cookie, form: { body: 'Same!' } });
    expect(hx.status).toBe(200);
    const json = await call(`/api/bugs/${id}/comments`, { json: true, cookie: user.cookie, form: { body: 'Same!' } });
    expect(json.status).toBe(200);
    const first = Number(res[0]!.headers.get('Location')!.split('comment-')[1]);
    expect(((await json.json()) as { comment: { id: number } }).comment.id).toBe(first);
    expect(await count('comments', 'bug_id = ?', id)).toBe(1);
    const other = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'Different' } });
    expect(other.status).toBe(303);
    expect(await count('comments', 'bug_id = ?', id)).toBe(2);
  });
});

describe('comments are paginated, newest page first (issue 7 item 8)', () => {
  it('the 501st comment is on the bug page after posting; older pages are plain links and htmx swaps', async () => {
    const user = await signUp('pages');
    const id = await seedBug();
    await env.DB.prepare(
      `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 500)
       INSERT INTO comments (bug_id, user_id, body, created_at)
       SELECT ?, ?, 'Old comment ' || n, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day', '+' || n || ' seconds') FROM seq`,
    )
      .bind(id, user.id)
      .run();
    const posted = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'The reply of note' } });
    expect(posted.status).toBe(303);
    const location = posted.headers.get('Location')!;
    const commentId = location.split('#comment-')[1];
    const page = await (await call(location.split('#')[0]!)).text();
    expect(page).toContain(`id="comment-${commentId}"`);
    expect(page).toContain('The reply of note');
    expect(page).toContain('Comments (501)');
    expect(page).toContain('<ol class="comment-list" start="452">');
    expect(page).toContain('Old comment 452');
    expect(page).not.toContain('Old comment 451<');
    const older = /<a href="([^"]+)"[^>]*data-hx-get="([^"]+)"[^>]*>Older comments/.exec(page);
    expect(older).not.toBeNull();
    const olderPage = await (await call(older![1]!.replaceAll('&amp;', '&'))).text();
    expect(olderPage).toContain('Old comment 451<');
    expect(olderPage).toContain('Old comment 402<');
    expect(olderPage).not.toContain('Old comment 401<');
    expect(olderPage).not.toContain('The reply of note');
    expect(olderPage).toContain('Newer comments');
    expect(olderPage).toContain('<ol class="comment-list" start="402">');
    const newer = /<a href="([^"]+)"[^>]*>Newer comments/.exec(olderPage);
    const newestAgain = await (await call(newer![1]!.replaceAll('&amp;', '&'))).text();
    expect(newestAgain).toContain('The reply of note');
    expect(newestAgain).toContain('Old comment 452<');
    expect(newestAgain).not.toContain('Newer comments');
    const frag = await call(older![2]!.replaceAll('&amp;', '&'), { hx: true });
    const fragHtml = await frag.text();
    expect(fragHtml.startsWith('<section class="comments"')).toBe(true);
    expect(fragHtml).toContain('Old comment 451<');
    const json = (await (await call(`/api/bugs/${id}`, { json: true })).json()) as { comments: { body: string }[] };
    expect(json.comments).toHaveLength(50);
    expect(json.comments.at(-1)?.body).toBe('The reply of note');
  });
});
