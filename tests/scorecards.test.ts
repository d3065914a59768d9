import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import migration from '../migrations/0010_disclosure.sql?raw';
import rebuildSql from '../scripts/sql/rebuild-scorecards.sql?raw';
import { findDomain } from '../worker/db/bugs';
import type { State } from '../worker/db/schema';
import { scorecard } from '../worker/db/scorecards';
import { changeState, stateRow } from '../worker/db/states';
import { BUCKET_HOURS, bucketOf, medianOfBuckets, medianText } from '../worker/lib/scorecard';
import { call, db, seedBug, uniqueHost } from './helpers';

/** Moves a report as the triage routes do (one changeState batch). */
async function move(id: number, to: State, opts: { reopen?: boolean; kind?: 'state_changed' | 'withdrawn' } = {}) {
  const bug = await stateRow(db(), id);
  if (!bug) throw new Error(`no bug ${id}`);
  const done = await changeState(db(), {
    bug,
    actorId: null,
    move: { to, reopen: opts.reopen ?? false },
    kind: opts.reopen ? 'reopened' : (opts.kind ?? 'state_changed'),
    note: '',
  });
  expect(done, `move of ${id} to ${to}`).not.toBeNull();
}

/** Pretends a report was filed `hours` ago, so its answer times land in later buckets. */
async function filedHoursAgo(id: number, hours: number) {
  const at = new Date(Date.now() - hours * 3_600_000).toISOString();
  await env.DB.prepare('UPDATE bugs SET created_at = ? WHERE id = ?').bind(at, id).run();
}

/**
 * The scorecard recounted from the raw tables: public non-spam reports, and for each its first
 * answer and first fix as the timeline (bug_events) records them — not the stamped columns.
 */
async function recount(domainId: number) {
  const { results } = await env.DB.prepare(
    `SELECT b.created_at,
       (SELECT min(e.created_at) FROM bug_events e WHERE e.bug_id = b.id AND e.kind = 'state_changed'
          AND e.from_state = 'new' AND e.to_state != 'spam') AS triaged_at,
       (SELECT min(e.created_at) FROM bug_events e WHERE e.bug_id = b.id AND e.to_state = 'fixed') AS fixed_at
     FROM bugs b WHERE b.domain_id = ? AND b.is_hidden = 0 AND b.state != 'spam'`,
  )
    .bind(domainId)
    .all<{ created_at: string; triaged_at: string | null; fixed_at: string | null }>();
  const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;
  const triage: Record<number, number> = {};
  const fix: Record<number, number> = {};
  let triagedWeek = 0;
  for (const r of results) {
    if (r.triaged_at) {
      const h = hours(r.created_at, r.triaged_at);
      triage[bucketOf(h)] = (triage[bucketOf(h)] ?? 0) + 1;
      if (h <= 168) triagedWeek += 1;
    }
    if (r.fixed_at) {
      const h = hours(r.created_at, r.fixed_at);
      fix[bucketOf(h)] = (fix[bucketOf(h)] ?? 0) + 1;
    }
  }
  return {
    counters: {
      reports: results.length,
      triaged: results.filter((r) => r.triaged_at).length,
      triaged_week: triagedWeek,
      fixed: results.filter((r) => r.fixed_at).length,
    },
    triage,
    fix,
  };
}

async function stored(domainId: number) {
  const counters = await env.DB.prepare(
    'SELECT reports, triaged, triaged_week, fixed FROM domain_scores WHERE domain_id = ?',
  )
    .bind(domainId)
    .first();
  const { results } = await env.DB.prepare(
    'SELECT kind, bucket, n FROM domain_score_buckets WHERE domain_id = ? AND n != 0',
  )
    .bind(domainId)
    .all<{ kind: string; bucket: number; n: number }>();
  const cells = (kind: string) =>
    Object.fromEntries(results.filter((r) => r.kind === kind).map((r) => [r.bucket, r.n]));
  return { counters, triage: cells('triage'), fix: cells('fix') };
}

describe('scorecards: counters kept in the state-change batch', () => {
  it('agree with a recount from the raw tables after a series of moves', async () => {
    const host = uniqueHost('score');
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await seedBug({ hostname: host }));
    const [a, b, c, d, e, f] = ids as [number, number, number, number, number, number];
    const priv = await seedBug({ hostname: host, isHidden: true, userId: null });
    await filedHoursAgo(a, 30); // answered in 24–48 h
    await filedHoursAgo(b, 200); // answered after a week
    await filedHoursAgo(c, 3);
    const domainId = (await findDomain(db(), host))!.id;

    await move(a, 'triaged');
    await move(a, 'accepted');
    await move(a, 'fixed');
    await move(a, 'accepted'); // a retest: first fix stays the first
    await move(a, 'fixed');
    await move(b, 'accepted');
    await move(b, 'fixed');
    await move(c, 'spam'); // never answered, off the card …
    await move(c, 'spam', { reopen: true }); // … and back on
    await move(c, 'triaged');
    await move(d, 'triaged');
    await move(d, 'spam'); // answered, then off the card with its answer time
    await move(e, 'closed', { kind: 'withdrawn' }); // the reporter withdrawing is no answer
    await move(f, 'duplicate');
    await move(priv, 'triaged'); // private: stamped, but on no card
    await move(priv, 'fixed');

    const want = await recount(domainId);
    const got = await stored(domainId);
    expect(got.counters).toEqual(want.counters);
    expect(got.triage).toEqual(want.triage);
    expect(got.fix).toEqual(want.fix);
    // The numbers the page shows, and that they are what this series should give.
    expect(want.counters).toEqual({ reports: 5, triaged: 4, triaged_week: 3, fixed: 2 });
    const card = await scorecard(db(), domainId);
    expect(card).toMatchObject({ reports: 5, triaged: 4, fixed: 2 });
    expect(medianText(card.fix)).toBe('1–2 d'); // a: 30 h, b: 200 h → the lower middle is a's bucket
    // scripts/sql/rebuild-scorecards.sql (seed, bulk loads) computes the same from the reports.
    await env.DB.batch(
      rebuildSql
        .split(/;\s*\n/)
        .map((q) => q.replace(/^\s*--.*$/gm, '').trim())
        .filter(Boolean)
        .map((q) => env.DB.prepare(q)),
    );
    expect(await stored(domainId)).toEqual(got);
    // The domain page shows the same numbers, and says how medians are made.
    const page = await (await call(`/domains/${host}`)).text();
    expect(page).toContain('How ' + host + ' responds');
    expect(page).toMatch(/Reached “fixed”<\/dt><dd>40% \(2\)<\/dd>/);
    expect(page).toContain('Medians are estimated from buckets');
    expect(page).toContain('security.txt</dt><dd>not checked yet</dd>');
    const json = (await (await call(`/domains/${host}`, { json: true })).json()) as { scorecard: unknown };
    expect(json.scorecard).toMatchObject({ public_reports: 5, fixed: 2, triaged: 4, claimed: false });
  });

  it('a public report filed on a domain counts at once; a private one never does', async () => {
    const host = uniqueHost('score');
    await seedBug({ hostname: host, isHidden: true });
    const domainId = (await findDomain(db(), host))!.id;
    expect((await stored(domainId)).counters).toBeNull();
    await seedBug({ hostname: host });
    expect((await stored(domainId)).counters).toMatchObject({ reports: 1, triaged: 0, fixed: 0 });
  });
});

describe('scorecards: buckets and medians', () => {
  it('bucketOf and the SQL of the migration use the same bounds', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.01)).toBe(1);
    expect(bucketOf(168)).toBe(6);
    expect(bucketOf(10_000)).toBe(BUCKET_HOURS.length);
    const bounds = [...migration.matchAll(/WHEN h <= (\d+) THEN (\d+)/g)].map((m) => Number(m[1]));
    expect(bounds).toEqual([...BUCKET_HOURS]);
  });

  it('medians come from the bucket holding the middle value', () => {
    expect(medianOfBuckets([])).toBeNull();
    expect(medianText(medianOfBuckets([1]))).toBe('under 1 h');
    expect(medianText(medianOfBuckets([0, 0, 0, 0, 0, 0, 1, 2]))).toBe('7–14 d');
    expect(medianText(medianOfBuckets([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]))).toBe('over 90 d');
    expect(medianText(medianOfBuckets([2, 0, 0, 2]))).toBe('under 1 h');
  });
});
