import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { defaultDiscloseAt } from '../worker/db/bugs';
import { changeState, stateRow } from '../worker/db/states';
import { DAILY_CRON } from '../worker/disclosure';
import worker from '../worker/index';
import { privateReportWithOwner } from './disclosure-helpers';
import { call, count, db, expectScoresMatchLedger, makeAdmin, seedBug, signUp } from './helpers';

const today = () => new Date().toISOString().slice(0, 10);
const daysFromToday = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

async function bugRow(id: number) {
  return env.DB.prepare('SELECT is_hidden, disclose_at, disclosure_extended_at, state FROM bugs WHERE id = ?')
    .bind(id)
    .first<{ is_hidden: number; disclose_at: string | null; disclosure_extended_at: string | null; state: string }>();
}

async function events(id: number) {
  const { results } = await env.DB.prepare(
    'SELECT kind, disclose_at, reason, user_id FROM disclosure_events WHERE bug_id = ? ORDER BY id',
  )
    .bind(id)
    .all<{ kind: string; disclose_at: string | null; reason: string; user_id: number | null }>();
  return results;
}

async function runCron(cron: string, at = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function move(id: number, to: 'fixed' | 'spam' | 'duplicate' | 'accepted') {
  const bug = await stateRow(db(), id);
  await changeState(db(), { bug: bug!, actorId: null, move: { to, reopen: false }, kind: 'state_changed', note: '' });
}

describe('disclosure dates', () => {
  it('a private report is disclosed 90 days after filing by default; a public one has no date', async () => {
    const { id } = await privateReportWithOwner();
    const created = (await env.DB.prepare('SELECT created_at FROM bugs WHERE id = ?')
      .bind(id)
      .first<{ created_at: string }>())!.created_at;
    expect((await bugRow(id))?.disclose_at).toBe(defaultDiscloseAt(created));
    expect(defaultDiscloseAt('2026-01-31T23:59:59.000Z')).toBe('2026-05-01');
    const pub = await seedBug();
    expect((await bugRow(pub))?.disclose_at).toBeNull();
  });
});

describe('the daily cron (scheduled)', () => {
  it('publishes due reports, adds the timeline event, tells reporter and owners, sends daily digests', async () => {
    const { id, host, reporter, owner, domainId } = await privateReportWithOwner();
    // The owner reads mail once a day (chosen in /settings): no instant mail, a digest instead.
    expect(await (await call('/settings', { cookie: owner.cookie })).text()).toContain('value="daily"');
    const chose = await call('/settings/notifications', { cookie: owner.cookie, form: { notify_email: 'daily' } });
    expect(chose.status).toBe(303);
    await env.DB.prepare('UPDATE bugs SET disclose_at = ? WHERE id = ?').bind(daysFromToday(-1), id).run();
    const notDue = await seedBug({ hostname: host, userId: reporter.id, isHidden: true });
    const spam = await seedBug({ hostname: host, userId: reporter.id, isHidden: true });
    const duplicate = await seedBug({ hostname: host, userId: reporter.id, isHidden: true });
    await move(spam, 'spam');
    await move(duplicate, 'duplicate');
    await env.DB.prepare('UPDATE bugs SET disclose_at = ? WHERE id IN (?, ?)').bind(today(), spam, duplicate).run();
    expect((await call(`/bugs/${id}`)).status).toBe(404);
    expect((await call(`/domains/${host}`)).status).toBe(404);

    // The quarter-hourly run only sweeps the outbox.
    await runCron('*/15 * * * *');
    expect((await bugRow(id))?.is_hidden).toBe(1);

    await runCron(DAILY_CRON);
    expect(await bugRow(id)).toMatchObject({ is_hidden: 0, disclose_at: null });
    expect(await events(id)).toEqual([expect.objectContaining({ kind: 'published', user_id: null })]);
    for (const other of [notDue, spam, duplicate]) expect((await bugRow(other))?.is_hidden).toBe(1);
    // Public now: its page, its domain (with the report counted on the scorecard) and the feeds.
    expect((await call(`/bugs/${id}`)).status).toBe(200);
    const domainPage = await call(`/domains/${host}`);
    expect(domainPage.status).toBe(200);
    expect(await (await call(`/domains/${host}/feed.atom`)).text()).toContain(`Private finding on ${host}`);
    expect(
      await env.DB.prepare('SELECT reports FROM domain_scores WHERE domain_id = ?').bind(domainId).first('reports'),
    ).toBe(1);
    // Reporter and owner notified in the app; the reporter (instant) by mail too.
    expect(await count('notifications', "bug_id = ? AND kind = 'published' AND user_id = ?", id, reporter.id)).toBe(1);
    expect(await count('notifications', "bug_id = ? AND kind = 'published' AND user_id = ?", id, owner.id)).toBe(1);
    expect(await count('outbox', 'to_address = ? AND subject LIKE ?', reporter.email, 'Report published:%')).toBe(1);
    expect(await count('outbox', 'to_address = ? AND subject LIKE ?', owner.email, 'Report published:%')).toBe(0);
    // The owner's digest lists it.
    const digest = await env.DB.prepare(
      "SELECT text_body FROM outbox WHERE to_address = ? AND subject LIKE 'BLT: % new notification%'",
    )
      .bind(owner.email)
      .first<{ text_body: string }>();
    expect(digest?.text_body).toContain(`published: Private finding on ${host}`);
    // Its first public report on the domain: the "Domain added" point, counted as a public report.
    expect(await count('points', "bug_id = ? AND award = 'domain'", id)).toBe(1);
    await expectScoresMatchLedger(reporter.id);
    // Running again publishes nothing twice.
    await runCron(DAILY_CRON);
    expect(await events(id)).toHaveLength(1);
    expect(await count('points', "bug_id = ? AND award = 'domain'", id)).toBe(1);
  });
});

describe('POST /bugs/:id/disclosure', () => {
  it('an owner extends once by up to 30 days, with a reason on the timeline; the reporter is told', async () => {
    const { id, owner, reporter } = await privateReportWithOwner();
    const before = (await bugRow(id))!.disclose_at!;
    const to = new Date(Date.parse(`${before}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
    const res = await call(`/bugs/${id}/disclosure`, {
      cookie: owner.cookie,
      form: { disclose_at: to, reason: 'The fix ships with the next release.' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`/bugs/${id}#disclosure`);
    expect(await bugRow(id)).toMatchObject({ disclose_at: to, is_hidden: 1 });
    expect((await bugRow(id))?.disclosure_extended_at).toBeTruthy();
    expect(await events(id)).toEqual([
      { kind: 'extended', disclose_at: to, reason: 'The fix ships with the next release.', user_id: owner.id },
    ]);
    expect(
      await count('notifications', "bug_id = ? AND kind = 'disclosure_date' AND user_id = ?", id, reporter.id),
    ).toBe(1);
    // The bug page shows the timeline and the countdown to the reporter.
    const page = await (await call(`/bugs/${id}`, { cookie: reporter.cookie })).text();
    expect(page).toContain('id="disclosure"');
    expect(page).toContain(`Becomes public on <strong>${to}</strong>`);
    expect(page).toContain('The fix ships with the next release.');
  });

  it('an admin sets any date', async () => {
    const { id } = await privateReportWithOwner();
    const admin = await signUp('admin');
    await makeAdmin(admin.id);
    const res = await call(`/bugs/${id}/disclosure`, {
      cookie: admin.cookie,
      form: { disclose_at: '2031-05-06', reason: 'Coordinated with the vendor and CERT.' },
    });
    expect(res.status).toBe(303);
    expect((await bugRow(id))?.disclose_at).toBe('2031-05-06');
    expect((await bugRow(id))?.disclosure_extended_at).toBeNull();
    expect((await events(id))[0]).toMatchObject({ kind: 'date_set', user_id: admin.id });
  });
});

describe('POST /bugs/:id/publish', () => {
  it('the reporter publishes once the report is fixed', async () => {
    const { id, reporter } = await privateReportWithOwner();
    const early = await call(`/bugs/${id}/publish`, { cookie: reporter.cookie, form: {} });
    expect(early.status).toBe(403);
    expect((await bugRow(id))?.is_hidden).toBe(1);
    await move(id, 'accepted');
    await move(id, 'fixed');
    const res = await call(`/bugs/${id}/publish`, { cookie: reporter.cookie, form: {} });
    expect(res.status).toBe(303);
    expect((await bugRow(id))?.is_hidden).toBe(0);
    expect((await events(id)).map((e) => e.kind)).toEqual(['published']);
    await expectScoresMatchLedger(reporter.id);
  });

  it('or earlier with the owner’s consent, which the owner gives by posting the same form', async () => {
    const { id, reporter, owner } = await privateReportWithOwner();
    const consent = await call(`/bugs/${id}/publish`, { cookie: owner.cookie, form: {} });
    expect(consent.status).toBe(303);
    expect((await bugRow(id))?.is_hidden).toBe(1); // consent does not publish
    expect((await events(id)).map((e) => e.kind)).toEqual(['consented']);
    const res = await call(`/bugs/${id}/publish`, { cookie: reporter.cookie, form: {} });
    expect(res.status).toBe(303);
    expect((await bugRow(id))?.is_hidden).toBe(0);
    expect((await events(id)).map((e) => e.kind)).toEqual(['consented', 'published']);
  });
});
