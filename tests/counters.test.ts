import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import rebuildSql from '../scripts/sql/rebuild-counters.sql?raw';
import { bugStats, bugsByLabel, bugsPerDay, listBugs } from '../worker/db/bugs';
import { db, seedBug, setStatus, uniqueHost } from './helpers';

async function snapshot() {
  const cells = await env.DB.prepare(
    'SELECT day, label, status, n FROM bug_counts WHERE n > 0 ORDER BY day, label, status',
  ).all();
  const domains = await env.DB.prepare('SELECT id FROM domains WHERE has_public_bugs = 1 ORDER BY id').all();
  return { cells: cells.results, domains: domains.results };
}

async function rebuild() {
  const statements = rebuildSql
    .split(/;\s*\n/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
}

/** The same numbers counted straight from the bugs table. */
async function truth() {
  const row = await env.DB.prepare(
    `SELECT
       (SELECT count(*) FROM bugs WHERE is_hidden = 0 AND status = 'open') AS open,
       (SELECT count(*) FROM bugs WHERE is_hidden = 0 AND status = 'closed') AS closed,
       (SELECT count(DISTINCT domain_id) FROM bugs WHERE is_hidden = 0 AND status != 'spam') AS domains`,
  ).first<{ open: number; closed: number; domains: number }>();
  return { total: row!.open + row!.closed, ...row! };
}

describe('counters: stats read precomputed rows that always match the bugs', () => {
  it('after reports, private reports, closing, reopening and spam, the counters equal a recount', async () => {
    const hosts = [uniqueHost('ca'), uniqueHost('cb'), uniqueHost('cc')];
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(
        await seedBug({
          hostname: hosts[i % 3]!,
          label: (['typo', 'security', 'design'] as const)[i % 3]!,
          isHidden: i % 5 === 4,
        }),
      );
    }
    await setStatus(ids[0]!, 'closed');
    await setStatus(ids[1]!, 'closed');
    await setStatus(ids[1]!, 'open');
    await setStatus(ids[2]!, 'spam');
    await setStatus(ids[3]!, 'closed');
    await setStatus(ids[3]!, 'spam'); // closed, then spam
    // Every public bug on host cc (ids 2, 5, 8, 11; 4 is hidden) marked spam: cc stops counting.
    for (const i of [5, 8, 11]) await setStatus(ids[i]!, 'spam');

    expect(await bugStats(db())).toEqual(await truth());
    const kept = await snapshot();
    await rebuild();
    expect(await snapshot()).toEqual(kept);
    const byLabel = await bugsByLabel(db());
    expect(byLabel.find((l) => l.label === 'typo')?.count).toBe(
      (await listBugs(db(), { filters: { label: 'typo' }, limit: 100 })).rows.length,
    );
    const today = (await bugsPerDay(db())).at(-1)!;
    const listed = (await listBugs(db(), { limit: 100 })).rows.filter((b) => b.created_at.startsWith(today.day));
    expect(today.count).toBe(listed.length);
  });

  it('50 concurrent reports leave the counters exact', async () => {
    const before = await bugStats(db());
    const host = uniqueHost('concurrent');
    await Promise.all(Array.from({ length: 50 }, (_, i) => seedBug({ hostname: host, isHidden: i % 10 === 0 })));
    const after = await bugStats(db());
    expect(after.open).toBe(before.open + 45);
    expect(after).toEqual(await truth());
  });
});

describe('title search (FTS5)', () => {
  it('finds words and prefixes in any order, ignores case and accents, and treats syntax as text', async () => {
    const host = uniqueHost('search');
    const a = await seedBug({ hostname: host, title: 'Checkout button crashes on Safari' });
    const b = await seedBug({ hostname: host, title: 'Café menu shows wrong prices' });
    await seedBug({ hostname: host, title: 'Unrelated typo in footer' });
    const ids = async (q: string) =>
      (await listBugs(db(), { filters: { domain: host, q }, limit: 10 })).rows.map((r) => r.id);
    expect(await ids('checkout')).toEqual([a]);
    expect(await ids('SAFARI check')).toEqual([a]);
    expect(await ids('crash')).toEqual([a]);
    expect(await ids('cafe')).toEqual([b]);
    expect(await ids('prices menu')).toEqual([b]);
    expect(await ids('checkout prices')).toEqual([]);
    const many: number[] = [];
    for (let i = 0; i < 5; i++) many.push(await seedBug({ hostname: host, title: `Paging search widget ${i}` }));
    const seen: number[] = [];
    let cursor = null;
    for (let page = 0; page < 5; page++) {
      const r = await listBugs(db(), { filters: { domain: host, q: 'widget' }, limit: 2, cursor });
      seen.push(...r.rows.map((b) => b.id));
      cursor = r.next;
      if (!cursor) break;
    }
    expect(seen).toEqual([...many].reverse()); // newest first, no duplicates or gaps
    // FTS5 syntax typed into the box is searched as words: no error, and the words must match.
    const odd = await seedBug({ hostname: host, title: 'NEAR alpha beta title OR xylophone x' });
    const expected: [string, number[]][] = [
      ['"', []], // no words at all: nothing matches
      [')(', []],
      ['NEAR(al be)', [odd]], // the words NEAR, al*, be*
      ['title:xy', [odd]], // title*, xy* (xylophone): not a column filter
      ['al" OR "be', [odd]],
      ['* OR 1', []], // OR is a word here, and no title has the word 1
      ['NEAR(al z)', []], // z matches nothing: every word is required
      ['-alpha', [odd]], // not FTS5's NOT: the word alpha
      ['^alpha + beta', [odd]],
      ['{title}: alpha', [odd]],
      ['x', [odd]], // a 1-character word is a whole word, not "every word starting with x"
      ['a', []],
    ];
    for (const [hostile, want] of expected) expect(await ids(hostile), hostile).toEqual(want);
  });
});
