import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { changeState, stateRow } from '../worker/db/states';
import { privateReportWithOwner } from './disclosure-helpers';
import { call, count, db, makeAdmin, signUp } from './helpers';

async function state(id: number) {
  return env.DB.prepare('SELECT is_hidden, disclose_at, disclosure_extended_at FROM bugs WHERE id = ?')
    .bind(id)
    .first<{ is_hidden: number; disclose_at: string; disclosure_extended_at: string | null }>();
}

const plus = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const REASON = 'We need more time to ship the fix.';

describe('disclosure security: extensions', () => {
  it('an owner extends only once: a second extension is refused and changes nothing', async () => {
    const { id, owner } = await privateReportWithOwner();
    const start = (await state(id))!.disclose_at;
    const first = await call(`/bugs/${id}/disclosure`, {
      cookie: owner.cookie,
      form: { disclose_at: plus(start, 10), reason: REASON },
    });
    expect(first.status).toBe(303);
    const after = await state(id);
    const second = await call(`/bugs/${id}/disclosure`, {
      cookie: owner.cookie,
      form: { disclose_at: plus(start, 20), reason: REASON },
    });
    expect(second.status).toBe(422);
    expect(await second.text()).toContain('already extended this report once');
    expect(await state(id)).toEqual(after);
    expect(await count('disclosure_events', 'bug_id = ?', id)).toBe(1);
  });

  it('more than 30 days, or an earlier date, is refused and changes nothing; the form keeps what was typed', async () => {
    const { id, owner } = await privateReportWithOwner();
    const before = await state(id);
    for (const date of [plus(before!.disclose_at, 31), plus(before!.disclose_at, -1), before!.disclose_at]) {
      const res = await call(`/bugs/${id}/disclosure`, {
        cookie: owner.cookie,
        form: { disclose_at: date, reason: REASON },
      });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain(`value="${date}"`);
      expect(html).toContain(REASON);
    }
    expect(await state(id)).toEqual(before);
    expect(await count('disclosure_events', 'bug_id = ?', id)).toBe(0);
    // A bad date or no reason: 422 too.
    for (const form of [
      { disclose_at: '2026-02-30', reason: REASON },
      { disclose_at: 'soon', reason: REASON },
      { disclose_at: plus(before!.disclose_at, 5), reason: '' },
    ]) {
      expect((await call(`/bugs/${id}/disclosure`, { cookie: owner.cookie, form })).status).toBe(422);
    }
    expect(await state(id)).toEqual(before);
  });

  it('a non-owner gets 404 (the report is private to them), the reporter 403, anonymous 404; nothing changes', async () => {
    const { id, reporter } = await privateReportWithOwner();
    const stranger = await signUp('stranger');
    const before = await state(id);
    const form = { disclose_at: plus(before!.disclose_at, 5), reason: REASON };
    expect((await call(`/bugs/${id}/disclosure`, { cookie: stranger.cookie, form })).status).toBe(404);
    expect((await call(`/bugs/${id}/disclosure`, { form })).status).toBe(404);
    expect((await call(`/bugs/${id}/disclosure`, { cookie: reporter.cookie, form })).status).toBe(403);
    // Stranger's publish and "consent" are 404s too.
    expect((await call(`/bugs/${id}/publish`, { cookie: stranger.cookie, form: {} })).status).toBe(404);
    expect(await state(id)).toEqual(before);
    expect(await count('disclosure_events', 'bug_id = ?', id)).toBe(0);
  });

  it('cross-site POSTs are refused by CSRF before anything runs', async () => {
    const { id, owner } = await privateReportWithOwner();
    const before = await state(id);
    const res = await call(`/bugs/${id}/disclosure`, {
      cookie: owner.cookie,
      origin: 'https://evil.example',
      form: { disclose_at: plus(before!.disclose_at, 5), reason: REASON },
    });
    expect(res.status).toBe(403);
    expect(await state(id)).toEqual(before);
  });
});

describe('disclosure security: publication', () => {
  it('spam and duplicates are never published, not even by an admin', async () => {
    for (const to of ['spam', 'duplicate'] as const) {
      const { id } = await privateReportWithOwner();
      const admin = await signUp('admin');
      await makeAdmin(admin.id);
      const row = await stateRow(db(), id);
      await changeState(db(), {
        bug: row!,
        actorId: null,
        move: { to, reopen: false },
        kind: 'state_changed',
        note: '',
      });
      const res = await call(`/bugs/${id}/publish`, { cookie: admin.cookie, form: {} });
      expect(res.status).toBe(409);
      expect((await state(id))?.is_hidden).toBe(1);
      expect(await count('disclosure_events', 'bug_id = ?', id)).toBe(0);
    }
  });

  it('the reporter cannot publish an unfixed report without consent; nothing changes', async () => {
    const { id, reporter } = await privateReportWithOwner();
    const res = await call(`/bugs/${id}/publish`, { cookie: reporter.cookie, form: {} });
    expect(res.status).toBe(403);
    expect((await state(id))?.is_hidden).toBe(1);
    expect(await count('points', "bug_id = ? AND award = 'domain'", id)).toBe(0);
  });

  it('the disclosure panel is never shown to people who cannot see the report', async () => {
    const { id } = await privateReportWithOwner();
    const stranger = await signUp('stranger');
    const res = await call(`/bugs/${id}`, { cookie: stranger.cookie });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('Becomes public on');
  });
});

describe('disclosure security: a domain with only private reports', () => {
  it('is a 404 to everyone but its owners and admins, security.txt status included', async () => {
    const { host, domainId, reporter, owner } = await privateReportWithOwner();
    await env.DB.prepare(
      "INSERT INTO domain_contacts (domain_id, status, contact, requested_at, checked_at, notified_at, notified_through) VALUES (?, 'found', ?, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:01Z', 1)",
    )
      .bind(domainId, `sec@${host}`)
      .run();
    const stranger = await signUp('stranger');
    const admin = await signUp('admin');
    await makeAdmin(admin.id);
    for (const cookie of [undefined, stranger.cookie, reporter.cookie]) {
      for (const json of [false, true]) {
        const res = await call(`/domains/${host}`, { cookie, json });
        expect(res.status).toBe(404);
        const body = await res.text();
        expect(body).not.toContain('security.txt');
        expect(body).not.toContain('2026-11-01');
      }
    }
    for (const cookie of [owner.cookie, admin.cookie]) {
      const res = await call(`/domains/${host}`, { cookie });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('found; owner notified on 2026-11-01');
    }
    // The badge and the feed say nothing either.
    expect(await (await call(`/badge/${host}.svg`)).text()).toContain('no public reports');
    expect((await call(`/domains/${host}/feed.atom`)).status).toBe(404);
  });
});
