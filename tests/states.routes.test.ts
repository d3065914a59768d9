import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { listBugs } from '../worker/db/bugs';
import { call, count, db, expectScoresMatchLedger, makeAdmin, scoreOf, seedBug, signUp, uniqueHost } from './helpers';

const idFrom = (res: Response) => Number(res.headers.get('Location')!.split('/').pop());
const stateOf = async (id: number) =>
  (await env.DB.prepare('SELECT state, status, duplicate_of FROM bugs WHERE id = ?').bind(id).first()) as {
    state: string;
    status: string;
    duplicate_of: number | null;
  };

/** One admin and one reporter per file run: sign-ups hash passwords, so share them. */
const people = (async () => {
  const admin = await signUp('triage');
  await makeAdmin(admin.id);
  const reporter = await signUp('rep');
  const other = await signUp('other');
  return { admin, reporter, other };
})();

async function reportAs(cookie: string, host: string, extra: Record<string, string> = {}) {
  const res = await call('/api/bugs', {
    cookie,
    form: { url: `https://${host}/p`, title: `A report to triage ${Math.random()}`, severity: 'high', ...extra },
  });
  expect(res.status).toBe(303);
  return idFrom(res);
}

describe('states: POST /bugs/:id/state', () => {
  it('an admin takes a report through triaged, accepted and fixed: 303 without JS, the report swapped with htmx, JSON with state and timeline', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('life'));
    const before = await scoreOf(reporter.id);
    const plain = await call(`/bugs/${id}/state`, {
      cookie: admin.cookie,
      form: { state: 'triaged', note: 'Looks real' },
    });
    expect(plain.status).toBe(303);
    expect(plain.headers.get('Location')).toBe(`/bugs/${id}#state-panel`);
    expect(await stateOf(id)).toMatchObject({ state: 'triaged', status: 'open' });

    const hx = await call(`/bugs/${id}/state`, { cookie: admin.cookie, hx: true, form: { state: 'accepted' } });
    expect(hx.status).toBe(200);
    const html = await hx.text();
    expect(html).toMatch(/^<article class="bug-detail" id="bug">/);
    expect(html).toContain('<dd id="bug-state">Accepted');
    expect(await scoreOf(reporter.id)).toBe(before + 10);

    const json = await call(`/bugs/${id}/state`, { cookie: admin.cookie, json: true, form: { state: 'fixed' } });
    expect(json.status).toBe(200);
    const body = (await json.json()) as {
      bug: {
        status: string;
        state: string;
        timeline: { from_state: string; to_state: string; username: string; note: string }[];
      };
    };
    expect(body.bug.state).toBe('fixed');
    expect(body.bug.status).toBe('closed');
    expect(body.bug.timeline.map((e) => `${e.from_state}>${e.to_state}`)).toEqual([
      'new>triaged',
      'triaged>accepted',
      'accepted>fixed',
    ]);
    expect(body.bug.timeline[0]).toMatchObject({ username: admin.username, note: 'Looks real' });
    expect(await scoreOf(reporter.id)).toBe(before + 12);
    await expectScoresMatchLedger(reporter.id);
    // GET keeps status and adds state and the timeline.
    const got = (await (await call(`/api/bugs/${id}`, { json: true })).json()) as {
      bug: { status: string; state: string; timeline: unknown[] };
    };
    expect(got.bug).toMatchObject({ status: 'closed', state: 'fixed' });
    expect(got.bug.timeline).toHaveLength(3);

    // The reporter asks for a retest: back to accepted, the fix points go back.
    const retest = await call(`/bugs/${id}/state`, {
      cookie: reporter.cookie,
      form: { state: 'accepted', note: 'Still broken on mobile' },
    });
    expect(retest.status).toBe(303);
    expect(await stateOf(id)).toMatchObject({ state: 'accepted', status: 'open' });
    expect(await scoreOf(reporter.id)).toBe(before + 10);
    const kinds = await env.DB.prepare('SELECT kind FROM bug_events WHERE bug_id = ? ORDER BY id').bind(id).all();
    expect(kinds.results.at(-1)).toEqual({ kind: 'retest_requested' });
  });

  it('the bug page shows the timeline among the comments, in order', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('timeline'));
    await call(`/api/bugs/${id}/comments`, { cookie: reporter.cookie, form: { body: 'First comment here' } });
    await call(`/bugs/${id}/state`, { cookie: admin.cookie, form: { state: 'triaged', note: 'Reproduced it' } });
    await call(`/api/bugs/${id}/comments`, { cookie: admin.cookie, form: { body: 'Second comment here' } });
    const html = await (await call(`/bugs/${id}`)).text();
    const first = html.indexOf('First comment here');
    const event = html.indexOf('Reproduced it');
    const second = html.indexOf('Second comment here');
    expect(first).toBeGreaterThan(0);
    expect(event).toBeGreaterThan(first);
    expect(second).toBeGreaterThan(event);
    expect(html).toContain('moved this report: <span class="from-state">New</span> → <strong>Triaged</strong>');
    // The comments fragment htmx loads after a new comment keeps the events too.
    const frag = await (
      await call(`/api/bugs/${id}/comments`, { cookie: reporter.cookie, hx: true, form: { body: 'Third one' } })
    ).text();
    expect(frag).toContain('Reproduced it');
  });

  it('a duplicate links to its original, the original lists it, upvotes stay where they were', async () => {
    const { admin, reporter, other } = await people;
    const host = uniqueHost('dups');
    const original = await reportAs(reporter.cookie, host);
    const dup = await reportAs(other.cookie, host);
    await call(`/api/bugs/${dup}/upvote`, { cookie: reporter.cookie, form: {} });
    const otherScore = await scoreOf(other.id);
    const res = await call(`/bugs/${dup}/state`, {
      cookie: admin.cookie,
      form: { state: 'duplicate', duplicate_of: String(original), note: 'Same as the first' },
    });
    expect(res.status).toBe(303);
    expect(await stateOf(dup)).toEqual({ state: 'duplicate', status: 'closed', duplicate_of: original });
    // What the duplicate earned (+3, no domain bonus) is taken back.
    expect(await scoreOf(other.id)).toBe(otherScore - 3);
    const dupPage = await (await call(`/bugs/${dup}`)).text();
    expect(dupPage).toContain(`Duplicate of <a href="/bugs/${original}">#${original}</a>`);
    const origPage = await (await call(`/bugs/${original}`)).text();
    expect(origPage).toContain('Duplicates of this report (1)');
    expect(origPage).toContain(`<a href="/bugs/${dup}">#${dup}</a>`);
    const upvotes = await env.DB.prepare('SELECT id, upvotes FROM bugs WHERE id IN (?, ?) ORDER BY id')
      .bind(original, dup)
      .all();
    expect(upvotes.results).toEqual([
      { id: original, upvotes: 0 },
      { id: dup, upvotes: 1 },
    ]);
    // Spam and back: still a duplicate of the same original.
    await call(`/bugs/${dup}/state`, { cookie: admin.cookie, form: { state: 'spam' } });
    await call(`/bugs/${dup}/state`, { cookie: admin.cookie, form: { state: 'duplicate' } });
    expect(await stateOf(dup)).toEqual({ state: 'duplicate', status: 'closed', duplicate_of: original });
    expect(await scoreOf(other.id)).toBe(otherScore - 3);
    // Reopening a duplicate returns it to where it was, with its points.
    await call(`/bugs/${dup}/state`, { cookie: admin.cookie, form: { state: 'new' } });
    expect(await stateOf(dup)).toEqual({ state: 'new', status: 'open', duplicate_of: null });
    expect(await scoreOf(other.id)).toBe(otherScore);
  });

  it('a refused form comes back 422 with what was typed and why, and nothing is written', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('refused'));
    const events = await count('bug_events', 'bug_id = ?', id);
    const res = await call(`/bugs/${id}/state`, {
      cookie: admin.cookie,
      form: { state: 'duplicate', duplicate_of: '', note: 'kept note' },
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Give the number of the original report.');
    expect(html).toContain('kept note');
    const hx = await call(`/bugs/${id}/state`, { cookie: admin.cookie, hx: true, form: { state: 'nonsense' } });
    expect(hx.status).toBe(422);
    expect(await hx.text()).toContain('Choose one of the states.');
    const json = await call(`/bugs/${id}/state`, { cookie: admin.cookie, json: true, form: { state: 'fixed' } });
    expect(json.status).toBe(422);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    expect(await count('bug_events', 'bug_id = ?', id)).toBe(events);
    expect(await stateOf(id)).toMatchObject({ state: 'new' });
  });
});

describe('states: spam confirm step and undo (issue 11)', () => {
  it('GET /bugs/:id/spam is a confirm page without JS; htmx gets the same step for the state panel', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('confirm'));
    const page = await call(`/bugs/${id}/spam`, { cookie: admin.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<!DOCTYPE html>');
    expect(html).toMatch(/<form method="post" action="\/bugs\/\d+\/state">/);
    expect(html).toContain('name="state" value="spam"');
    const frag = await (await call(`/bugs/${id}/spam`, { cookie: admin.cookie, hx: true })).text();
    expect(frag).toMatch(/^<section class="state-panel spam-confirm" id="state-panel"/);
    expect(frag).toContain(`data-hx-post="/bugs/${id}/state"`);
    expect(await stateOf(id)).toMatchObject({ state: 'new' }); // showing the step changes nothing
    // The bug page's button is a link to this step, not a POST.
    const bugPage = await (await call(`/bugs/${id}`, { cookie: admin.cookie })).text();
    expect(bugPage).toContain(`href="/bugs/${id}/spam" data-hx-get="/bugs/${id}/spam"`);
  });

  it('an admin undoes spam: the state before it comes back, and the points, booked as the original was', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('undo'));
    await call(`/bugs/${id}/state`, { cookie: admin.cookie, form: { state: 'triaged' } });
    const at = '2026-03-10T08:00:00.000Z';
    // As if reported in March: the +3 and +1 count in 2026-03.
    await env.DB.batch([
      env.DB.prepare('UPDATE points SET period = ? WHERE bug_id = ?').bind('2026-03', id),
      env.DB.prepare('UPDATE bugs SET created_at = ? WHERE id = ?').bind(at, id),
      env.DB.prepare(`UPDATE user_scores SET score = score - 4 WHERE user_id = ? AND period = ?`).bind(
        reporter.id,
        new Date().toISOString().slice(0, 7),
      ),
      env.DB.prepare(
        `INSERT INTO user_scores (user_id, period, score, bugs) VALUES (?, '2026-03', 4, 0)
         ON CONFLICT (user_id, period) DO UPDATE SET score = score + 4`,
      ).bind(reporter.id),
    ]);
    await expectScoresMatchLedger(reporter.id);
    const all = await scoreOf(reporter.id);
    const march = await scoreOf(reporter.id, '2026-03');
    expect((await call(`/bugs/${id}/state`, { cookie: admin.cookie, form: { state: 'spam' } })).status).toBe(303);
    expect(await stateOf(id)).toMatchObject({ state: 'spam', status: 'spam' });
    expect(await scoreOf(reporter.id)).toBe(all - 4);
    expect(await scoreOf(reporter.id, '2026-03')).toBe(march - 4);
    // The bug page offers the undo; it goes back to triaged.
    expect(await (await call(`/bugs/${id}`, { cookie: admin.cookie })).text()).toContain('Undo spam (back to Triaged)');
    expect((await call(`/bugs/${id}/state`, { cookie: admin.cookie, form: { state: 'triaged' } })).status).toBe(303);
    expect(await stateOf(id)).toMatchObject({ state: 'triaged', status: 'open' });
    expect(await scoreOf(reporter.id)).toBe(all);
    expect(await scoreOf(reporter.id, '2026-03')).toBe(march);
    const restored = await env.DB.prepare("SELECT period, score FROM points WHERE bug_id = ? AND reason = 'Reopened'")
      .bind(id)
      .all();
    expect(restored.results).toEqual([{ period: '2026-03', score: 4 }]);
    await expectScoresMatchLedger(reporter.id);
  });

  it('the old POST /api/bugs/:id/status still closes, reopens and marks spam, through the timeline', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('legacy'));
    await call(`/api/bugs/${id}/status`, { cookie: reporter.cookie, form: { status: 'closed' } });
    expect(await stateOf(id)).toMatchObject({ state: 'closed', status: 'closed' });
    await call(`/api/bugs/${id}/status`, { cookie: reporter.cookie, form: { status: 'open' } });
    expect(await stateOf(id)).toMatchObject({ state: 'new', status: 'open' });
    await call(`/api/bugs/${id}/status`, { cookie: admin.cookie, form: { status: 'spam' } });
    expect(await stateOf(id)).toMatchObject({ state: 'spam', status: 'spam' });
    const kinds = await env.DB.prepare('SELECT kind, to_state FROM bug_events WHERE bug_id = ? ORDER BY id')
      .bind(id)
      .all();
    expect(kinds.results).toEqual([
      { kind: 'withdrawn', to_state: 'closed' },
      { kind: 'reopened', to_state: 'new' },
      { kind: 'state_changed', to_state: 'spam' },
    ]);
  });
});

describe('states: lists by state', () => {
  it('?status=open, resolved, ended and any single state; counts agree with the lists', async () => {
    const host = uniqueHost('lists');
    const ids: Record<string, number> = {};
    for (const s of ['new', 'triaged', 'accepted', 'fixed', 'closed', 'wont_fix', 'informative']) {
      ids[s] = await seedBug({ hostname: host, title: `List state ${s}` });
      if (s !== 'new') {
        await env.DB.prepare('UPDATE bugs SET state = ?, status = ? WHERE id = ?')
          .bind(s, ['triaged', 'accepted'].includes(s) ? 'open' : 'closed', ids[s])
          .run();
      }
    }
    const listed = async (status: string) =>
      (
        (await (await call(`/bugs?domain=${host}&status=${status}`, { json: true })).json()) as {
          bugs: { id: number; state: string }[];
        }
      ).bugs
        .map((b) => b.state)
        .sort();
    expect(await listed('open')).toEqual(['accepted', 'new', 'triaged']);
    expect(await listed('resolved')).toEqual(['closed', 'fixed']);
    expect(await listed('ended')).toEqual(['closed', 'fixed', 'informative', 'wont_fix']);
    expect(await listed('triaged')).toEqual(['triaged']);
    expect(await listed('wont_fix')).toEqual(['wont_fix']);
    expect((await call(`/bugs?status=spam`)).status).toBe(400);
    const page = await (await call(`/bugs?domain=${host}&status=resolved`)).text();
    expect(page).toContain('Resolved (fixed or closed) only');
    const domain = (await (await call(`/domains/${host}`, { json: true })).json()) as {
      open: unknown[];
      closed: unknown[];
    };
    expect([domain.open.length, domain.closed.length]).toEqual([3, 4]);
    // Keyset paging over a single state.
    const first = await listBugs(db(), { filters: { domain: host, status: 'resolved' }, limit: 1 });
    const second = await listBugs(db(), {
      filters: { domain: host, status: 'resolved' },
      limit: 1,
      cursor: first.next,
    });
    expect([...first.rows, ...second.rows].map((b) => b.state).sort()).toEqual(['closed', 'fixed']);
  });
});

describe('flags: suspicious reports', () => {
  it('a signed-in user flags a report once; admins see it at /admin/flags and keep it or mark it spam', async () => {
    const { admin, reporter, other } = await people;
    const host = uniqueHost('flags');
    const keep = await reportAs(reporter.cookie, host);
    const spam = await reportAs(reporter.cookie, host, { title: 'Buy cheap things here now' });
    const first = await call(`/bugs/${keep}/flag`, { cookie: other.cookie, json: true, form: { reason: 'fake' } });
    expect(first.status).toBe(201);
    const again = await call(`/bugs/${keep}/flag`, { cookie: other.cookie, json: true, form: { reason: 'spam' } });
    expect(again.status).toBe(200);
    expect(await count('bug_flags', 'bug_id = ?', keep)).toBe(1);
    const hx = await call(`/bugs/${spam}/flag`, { cookie: other.cookie, hx: true, form: { reason: 'spam' } });
    expect(await hx.text()).toContain('You flagged this report as suspicious');
    const bad = await call(`/bugs/${spam}/flag`, { cookie: admin.cookie, form: { reason: 'boring' } });
    expect(bad.status).toBe(422);
    expect(await call(`/bugs/${keep}`, { cookie: other.cookie }).then((r) => r.text())).toContain(
      'You flagged this report as suspicious',
    );

    const queue = await (await call('/admin/flags', { cookie: admin.cookie })).text();
    expect(queue).toContain(`id="flagged-${keep}"`);
    expect(queue).toContain(`id="flagged-${spam}"`);
    const kept = await call(`/admin/flags/${keep}/resolve`, {
      cookie: admin.cookie,
      hx: true,
      form: { resolution: 'kept' },
    });
    expect(await kept.text()).toContain('kept; its flags are resolved');
    expect(await count('bug_flags', "bug_id = ? AND resolution = 'kept' AND resolved_by = ?", keep, admin.id)).toBe(1);
    expect(await stateOf(keep)).toMatchObject({ state: 'new' });
    const before = await scoreOf(reporter.id);
    const marked = await call(`/admin/flags/${spam}/resolve`, { cookie: admin.cookie, form: { resolution: 'spam' } });
    expect(marked.status).toBe(303);
    expect(marked.headers.get('Location')).toBe('/admin/flags');
    expect(await stateOf(spam)).toMatchObject({ state: 'spam', status: 'spam' });
    expect(await scoreOf(reporter.id)).toBe(before - 3);
    expect(await count('bug_flags', "bug_id = ? AND resolution = 'spam'", spam)).toBe(1);
    const after = await (await call('/admin/flags', { cookie: admin.cookie })).text();
    expect(after).not.toContain(`id="flagged-${keep}"`);
    expect(after).not.toContain(`id="flagged-${spam}"`);
  });
});
