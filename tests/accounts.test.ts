import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, count, ledgerSum, makeAdmin, scoreOf, seedBug, signUp, uniqueHost } from './helpers';

const report = (host: string, extra: Record<string, string> = {}) => ({
  url: `https://${host}/page`,
  title: 'A bug reported while signed in',
  ...extra,
});
const idFrom = (res: Response) => Number(res.headers.get('Location')!.split('/').pop());
const month = () => new Date().toISOString().slice(0, 7);

describe('points', () => {
  it('+3 per signed-in report and +1 when it creates the domain, in all and this month', async () => {
    const alice = await signUp('pts');
    const host = uniqueHost('points');
    const first = await call('/api/bugs', { cookie: alice.cookie, form: report(host) });
    expect(first.status).toBe(303);
    // A different second report: an identical one within a minute would be the same report.
    await call('/api/bugs', { cookie: alice.cookie, form: report(host, { title: 'A second bug on that site' }) });
    expect(await scoreOf(alice.id)).toBe(3 + 1 + 3);
    expect(await scoreOf(alice.id, month())).toBe(7);
    expect(await ledgerSum(alice.id)).toBe(7);
    const reasons = await env.DB.prepare('SELECT reason, score FROM points WHERE user_id = ? ORDER BY id')
      .bind(alice.id)
      .all<{ reason: string; score: number }>();
    expect(reasons.results).toEqual([
      { reason: 'Bug reported', score: 3 },
      { reason: 'Domain added', score: 1 },
      { reason: 'Bug reported', score: 3 },
    ]);
    const bug = (await (await call(first.headers.get('Location')!, { json: true })).json()) as {
      bug: { user_id: number };
    };
    expect(bug.bug.user_id).toBe(alice.id);
  });

  it('no points for anonymous reports, and no domain point for a domain an anonymous report created', async () => {
    const host = uniqueHost('anon');
    const before = await count('points');
    expect((await call('/api/bugs', { form: report(host) })).status).toBe(303);
    expect(await count('points')).toBe(before);
    const bob = await signUp('late');
    await call('/api/bugs', { cookie: bob.cookie, form: report(host) });
    expect(await scoreOf(bob.id)).toBe(3);
  });

  it('50 reports at once by 5 users: 50 bugs, and every user_scores equals the ledger', async () => {
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => signUp('conc')));
    const hosts = [uniqueHost('c1'), uniqueHost('c2'), uniqueHost('c3')];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('/api/bugs', {
          cookie: users[i % 5]!.cookie,
          form: report(hosts[i % 3]!, { title: `Concurrent bug ${i}` }),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(303));
    const ids = users.map((u) => u.id);
    const bugs = await env.DB.prepare(`SELECT count(*) AS n FROM bugs WHERE user_id IN (${ids.join(',')})`).first<{
      n: number;
    }>();
    expect(bugs?.n).toBe(50);
    for (const u of users) {
      const reports = await env.DB.prepare("SELECT bugs FROM user_scores WHERE user_id = ? AND period = 'all'")
        .bind(u.id)
        .first<{ bugs: number }>();
      expect(reports?.bugs).toBe(10);
      expect(await scoreOf(u.id)).toBe(await ledgerSum(u.id));
      expect(await scoreOf(u.id, month())).toBe(await ledgerSum(u.id));
    }
    // Exactly one "Domain added" per new domain, however the race went.
    const added = await env.DB.prepare(
      `SELECT count(*) AS n FROM points WHERE reason = 'Domain added' AND user_id IN (${ids.join(',')})`,
    ).first<{ n: number }>();
    expect(added?.n).toBe(3);
    const total = (await Promise.all(users.map((u) => ledgerSum(u.id)))).reduce((a, b) => a + b, 0);
    expect(total).toBe(50 * 3 + 3);
  });
});

describe('private reports', () => {
  it('a private report is visible to its reporter and admins only', async () => {
    const owner = await signUp('priv');
    const other = await signUp('other');
    const admin = await signUp('admin');
    await makeAdmin(admin.id);
    const host = uniqueHost('private');
    const res = await call('/api/bugs', { cookie: owner.cookie, form: report(host, { private: 'on' }) });
    const path = res.headers.get('Location')!;
    const mine = await call(path, { cookie: owner.cookie });
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain('Private report');
    expect((await call(path, { cookie: admin.cookie })).status).toBe(200);
    expect((await call(path, { cookie: other.cookie })).status).toBe(404);
    expect((await call(path)).status).toBe(404);
    expect(await (await call(`/bugs?domain=${host}`)).text()).not.toContain(`href="${path}"`);
  });

  it('a private report without a session is refused, not published (issue 7 item 1)', async () => {
    const host = uniqueHost('anonpriv');
    const res = await call('/api/bugs', { form: report(host, { private: 'on' }) });
    expect(res.status).toBe(422);
    expect(await count('bugs', 'url = ?', `https://${host}/page`)).toBe(0);
  });
});

describe('upvotes', () => {
  it('toggles once per user, in place with htmx and by plain POST', async () => {
    const author = await signUp('author');
    const voter = await signUp('voter');
    const res = await call('/api/bugs', { cookie: author.cookie, form: report(uniqueHost('vote')) });
    const id = idFrom(res);
    const first = await call(`/api/bugs/${id}/upvote`, { hx: true, cookie: voter.cookie, form: {} });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain('1 upvote<');
    expect(html).toContain('aria-pressed="true"');
    const second = await call(`/api/bugs/${id}/upvote`, { cookie: voter.cookie, form: {} });
    expect(second.status).toBe(303);
    expect(second.headers.get('Location')).toBe(`/bugs/${id}`);
    expect(await count('upvotes', 'bug_id = ?', id)).toBe(0);
    const json = await call(`/api/bugs/${id}/upvote`, { json: true, cookie: voter.cookie, form: {} });
    expect(await json.json()).toEqual({ upvoted: true, upvotes: 1 });
    const row = await env.DB.prepare('SELECT upvotes FROM bugs WHERE id = ?').bind(id).first<{ upvotes: number }>();
    expect(row?.upvotes).toBe(1);
  });

  it('refuses your own bug (403) and signed-out users (401), changing nothing', async () => {
    const author = await signUp('self');
    const id = idFrom(await call('/api/bugs', { cookie: author.cookie, form: report(uniqueHost('selfvote')) }));
    expect((await call(`/api/bugs/${id}/upvote`, { cookie: author.cookie, form: {} })).status).toBe(403);
    expect((await call(`/api/bugs/${id}/upvote`, { form: {} })).status).toBe(401);
    expect(await count('upvotes', 'bug_id = ?', id)).toBe(0);
  });
});

describe('comments', () => {
  it('signed-in users comment (escaped, newest last); others are told to log in', async () => {
    const user = await signUp('commenter');
    const id = await seedBug();
    const first = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'First <b>bold</b>' } });
    expect(first.status).toBe(303);
    expect(first.headers.get('Location')).toMatch(new RegExp(`^/bugs/${id}#comment-\\d+$`));
    const frag = await call(`/api/bugs/${id}/comments`, { hx: true, cookie: user.cookie, form: { body: 'Second' } });
    const html = await frag.text();
    expect(html.startsWith('<section class="comments"')).toBe(true);
    expect(html).toContain('First &lt;b&gt;bold&lt;/b&gt;');
    expect(html.indexOf('First')).toBeLessThan(html.indexOf('Second'));
    expect(html).toContain('Comments (2)');
    expect((await call(`/api/bugs/${id}/comments`, { form: { body: 'anon' } })).status).toBe(401);
    expect(await (await call(`/bugs/${id}`)).text()).toContain('to comment.');
  });

  it('empty and over-long comments get 422 with the text kept', async () => {
    const user = await signUp('longc');
    const id = await seedBug();
    const empty = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: '   ' } });
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('Write a comment first.');
    const long = await call(`/api/bugs/${id}/comments`, {
      hx: true,
      cookie: user.cookie,
      form: { body: 'y'.repeat(5001) },
    });
    expect(long.status).toBe(422);
    const html = await long.text();
    expect(html).toContain('at most 5,000 characters');
    expect(html).toContain('y'.repeat(5001));
    expect(await count('comments', 'bug_id = ?', id)).toBe(0);
  });
});

describe('closing, reopening, spam', () => {
  it('the reporter closes and reopens; someone else may not', async () => {
    const author = await signUp('closer');
    const other = await signUp('notcloser');
    const id = idFrom(await call('/api/bugs', { cookie: author.cookie, form: report(uniqueHost('close')) }));
    expect((await call(`/api/bugs/${id}/status`, { cookie: other.cookie, form: { status: 'closed' } })).status).toBe(
      403,
    );
    const closed = await call(`/api/bugs/${id}/status`, { cookie: author.cookie, form: { status: 'closed' } });
    expect(closed.status).toBe(303);
    let row = await env.DB.prepare('SELECT status, closed_by FROM bugs WHERE id = ?').bind(id).first();
    expect(row).toEqual({ status: 'closed', closed_by: author.id });
    await call(`/api/bugs/${id}/status`, { cookie: author.cookie, form: { status: 'open' } });
    row = await env.DB.prepare('SELECT status, closed_by FROM bugs WHERE id = ?').bind(id).first();
    expect(row).toEqual({ status: 'open', closed_by: null });
  });

  it('an admin marks spam: hidden from lists and its points taken back with a ledger row', async () => {
    const author = await signUp('spammer');
    const admin = await signUp('mod');
    await makeAdmin(admin.id);
    const host = uniqueHost('spam');
    const id = idFrom(await call('/api/bugs', { cookie: author.cookie, form: report(host) }));
    expect(await scoreOf(author.id)).toBe(4);
    expect((await call(`/api/bugs/${id}/status`, { cookie: author.cookie, form: { status: 'spam' } })).status).toBe(
      403,
    );
    expect((await call(`/api/bugs/${id}/status`, { cookie: admin.cookie, form: { status: 'spam' } })).status).toBe(303);
    await call(`/api/bugs/${id}/status`, { cookie: admin.cookie, form: { status: 'spam' } }); // twice: no double reversal
    expect(await scoreOf(author.id)).toBe(0);
    expect(await scoreOf(author.id, month())).toBe(0);
    expect(await ledgerSum(author.id)).toBe(0);
    expect(await count('points', "user_id = ? AND reason = 'Marked as spam' AND score = -4", author.id)).toBe(1);
    expect(await (await call(`/bugs?domain=${host}`)).text()).not.toContain(`href="/bugs/${id}"`);
    expect((await call(`/bugs/${id}`)).status).toBe(404);
    expect((await call(`/bugs/${id}`, { cookie: admin.cookie })).status).toBe(200);
  });
});
