import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, count, makeAdmin, signUp, uniqueHost } from './helpers';

const idFrom = (res: Response) => Number(res.headers.get('Location')!.split('/').pop());

const people = (async () => {
  const admin = await signUp('sec_admin');
  await makeAdmin(admin.id);
  const reporter = await signUp('sec_rep');
  const stranger = await signUp('sec_str');
  return { admin, reporter, stranger };
})();

async function reportAs(cookie: string, host: string, extra: Record<string, string> = {}) {
  const res = await call('/api/bugs', {
    cookie,
    form: { url: `https://${host}/p`, title: `Security state report ${Math.random()}`, severity: 'critical', ...extra },
  });
  expect(res.status).toBe(303);
  return idFrom(res);
}

/** Everything a refused move could have written: the bug, its events, its ledger, the scores. */
async function snapshot(bugId: number, userId: number) {
  const [bug, events, points, scores, flags] = await Promise.all([
    env.DB.prepare('SELECT state, status, duplicate_of, closed_at, updated_at FROM bugs WHERE id = ?')
      .bind(bugId)
      .first(),
    count('bug_events', 'bug_id = ?', bugId),
    count('points', 'bug_id = ?', bugId),
    env.DB.prepare('SELECT period, score, bugs FROM user_scores WHERE user_id = ? ORDER BY period').bind(userId).all(),
    count('bug_flags', 'bug_id = ?', bugId),
  ]);
  return { bug, events, points, scores: scores.results, flags };
}

describe('states security: who may move a report', () => {
  it('a signed-in non-admin cannot move someone else’s report to any state (403), and nothing is written', async () => {
    const { reporter, stranger } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('sec-move'));
    const before = await snapshot(id, reporter.id);
    for (const state of ['triaged', 'accepted', 'fixed', 'closed', 'duplicate', 'wont_fix', 'informative', 'spam']) {
      for (const how of [{}, { hx: true }, { json: true }]) {
        const res = await call(`/bugs/${id}/state`, { cookie: stranger.cookie, ...how, form: { state } });
        expect(res.status, `${state} ${JSON.stringify(how)}`).toBe(403);
      }
    }
    expect(await snapshot(id, reporter.id)).toEqual(before);
  });

  it('signed out: 401, nothing written', async () => {
    const { reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('sec-anon'));
    const before = await snapshot(id, reporter.id);
    expect((await call(`/bugs/${id}/state`, { form: { state: 'triaged' } })).status).toBe(401);
    expect((await call(`/bugs/${id}/flag`, { form: { reason: 'spam' } })).status).toBe(401);
    expect((await call(`/bugs/${id}/spam`)).status).toBe(401);
    expect(await snapshot(id, reporter.id)).toEqual(before);
  });

  it('the reporter may only withdraw and ask for a retest: every other move is 403 and writes nothing', async () => {
    const { admin, reporter } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('sec-rep'));
    let before = await snapshot(id, reporter.id);
    for (const state of ['triaged', 'accepted', 'fixed', 'duplicate', 'wont_fix', 'informative', 'spam']) {
      const res = await call(`/bugs/${id}/state`, { cookie: reporter.cookie, form: { state, duplicate_of: '' } });
      expect(res.status, state).toBe(403);
    }
    expect(await snapshot(id, reporter.id)).toEqual(before);
    // Accepted and fixed by an admin: the reporter may ask for a retest, not close or re-fix it.
    await call(`/bugs/${id}/state`, { cookie: admin.cookie, form: { state: 'accepted' } });
    await call(`/bugs/${id}/state`, { cookie: admin.cookie, form: { state: 'fixed' } });
    before = await snapshot(id, reporter.id);
    for (const state of ['closed', 'spam', 'triaged']) {
      expect((await call(`/bugs/${id}/state`, { cookie: reporter.cookie, form: { state } })).status, state).toBe(403);
    }
    expect(await snapshot(id, reporter.id)).toEqual(before);
    expect((await call(`/bugs/${id}/state`, { cookie: reporter.cookie, form: { state: 'accepted' } })).status).toBe(
      303,
    );
    // Withdrawing is allowed from an open state.
    expect((await call(`/bugs/${id}/state`, { cookie: reporter.cookie, form: { state: 'closed' } })).status).toBe(303);
    const row = await env.DB.prepare('SELECT state, closed_by FROM bugs WHERE id = ?').bind(id).first();
    expect(row).toEqual({ state: 'closed', closed_by: reporter.id });
    // The old status route cannot reopen a report an admin closed, for the reporter.
    const other = await reportAs(reporter.cookie, uniqueHost('sec-reopen'));
    await call(`/bugs/${other}/state`, { cookie: admin.cookie, form: { state: 'closed' } });
    before = await snapshot(other, reporter.id);
    expect(
      (await call(`/api/bugs/${other}/status`, { cookie: reporter.cookie, form: { status: 'open' } })).status,
    ).toBe(403);
    expect((await call(`/bugs/${other}/state`, { cookie: reporter.cookie, form: { state: 'new' } })).status).toBe(403);
    expect(await snapshot(other, reporter.id)).toEqual(before);
  });

  it('duplicate_of on another domain, itself, a missing or a private report is refused (422), nothing written', async () => {
    const { admin, reporter } = await people;
    const host = uniqueHost('sec-dup');
    const id = await reportAs(reporter.cookie, host);
    const elsewhere = await reportAs(reporter.cookie, uniqueHost('sec-dup-other'));
    const hidden = await reportAs(reporter.cookie, host, { private: 'on', title: 'A private original here' });
    const before = await snapshot(id, reporter.id);
    const cases: [string, RegExp][] = [
      [String(elsewhere), /same site/],
      [String(id), /itself/],
      ['999999999', /no report/],
      [String(hidden), /private/],
      ['abc', /number of the original/],
    ];
    for (const [dup, why] of cases) {
      const res = await call(`/bugs/${id}/state`, {
        cookie: admin.cookie,
        json: true,
        form: { state: 'duplicate', duplicate_of: dup },
      });
      expect(res.status, dup).toBe(422);
      const body = (await res.json()) as { error: { fields: { duplicate_of: string } } };
      expect(body.error.fields.duplicate_of).toMatch(why);
    }
    expect(await snapshot(id, reporter.id)).toEqual(before);
  });

  it('a private report’s state route is a 404 for anyone who may not see it', async () => {
    const { reporter, stranger } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('sec-priv'), { private: 'on' });
    const before = await snapshot(id, reporter.id);
    expect((await call(`/bugs/${id}/state`, { cookie: stranger.cookie, form: { state: 'closed' } })).status).toBe(404);
    expect((await call(`/bugs/${id}/flag`, { cookie: stranger.cookie, form: { reason: 'spam' } })).status).toBe(404);
    expect(await snapshot(id, reporter.id)).toEqual(before);
  });
});

describe('states security: spam step and flag queue are for admins', () => {
  it('non-admins cannot see /admin/flags, the spam confirm step, or resolve flags', async () => {
    const { reporter, stranger } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('sec-flags'));
    await call(`/bugs/${id}/flag`, { cookie: stranger.cookie, form: { reason: 'fake' } });
    const before = await snapshot(id, reporter.id);
    for (const how of [{}, { hx: true }, { json: true }]) {
      expect((await call('/admin/flags', { cookie: stranger.cookie, ...how })).status).toBe(403);
      expect((await call(`/bugs/${id}/spam`, { cookie: stranger.cookie, ...how })).status).toBe(403);
    }
    expect((await call('/admin/flags')).status).toBe(401);
    const page = await (await call('/admin/flags', { cookie: stranger.cookie })).text();
    expect(page).not.toContain(`flagged-${id}`);
    for (const resolution of ['kept', 'spam']) {
      const res = await call(`/admin/flags/${id}/resolve`, { cookie: stranger.cookie, form: { resolution } });
      expect(res.status).toBe(403);
    }
    expect(await snapshot(id, reporter.id)).toEqual(before);
    expect(await count('bug_flags', 'bug_id = ? AND resolved_at IS NULL', id)).toBe(1);
  });

  it('a reporter cannot flag their own report; a flag from a cross-site form is refused', async () => {
    const { reporter, stranger } = await people;
    const id = await reportAs(reporter.cookie, uniqueHost('sec-ownflag'));
    expect((await call(`/bugs/${id}/flag`, { cookie: reporter.cookie, form: { reason: 'spam' } })).status).toBe(403);
    const cross = await call(`/bugs/${id}/flag`, {
      cookie: stranger.cookie,
      origin: 'https://evil.example',
      form: { reason: 'spam' },
    });
    expect(cross.status).toBe(403);
    const crossState = await call(`/bugs/${id}/state`, {
      cookie: stranger.cookie,
      origin: 'https://evil.example',
      form: { state: 'closed' },
    });
    expect(crossState.status).toBe(403);
    expect(await count('bug_flags', 'bug_id = ?', id)).toBe(0);
  });

  it('flags are rate-limited through writeSlot: past the limit 429 with Retry-After, nothing stored', async () => {
    const { reporter } = await people;
    const flagger = await signUp('sec_flagger');
    const host = uniqueHost('sec-rate');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await reportAs(reporter.cookie, host, { title: `Rate limited flag ${i} here` }));
    const e = env as unknown as Record<string, string | undefined>;
    const saved = e.RATE_FLAGS_PER_USER;
    e.RATE_FLAGS_PER_USER = '2';
    const statuses: number[] = [];
    let last: Response | undefined;
    try {
      for (const id of ids) {
        last = await call(`/bugs/${id}/flag`, { cookie: flagger.cookie, form: { reason: 'spam' } });
        statuses.push(last.status);
      }
    } finally {
      e.RATE_FLAGS_PER_USER = saved;
    }
    expect(statuses).toEqual([303, 303, 429]);
    expect(Number(last?.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await count('bug_flags', 'bug_id = ?', ids[2]!)).toBe(0);
  });
});
