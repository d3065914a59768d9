import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../worker/db';
import { listBugs, statsOverview } from '../worker/db/bugs';
import { meteredD1, newD1Usage } from '../worker/db/metered';
import { editBug } from '../worker/db/revisions';
import { ftsMatch, MAX_EXPANSION, parseSearch } from '../worker/db/search';
import { call, db, plansOf, seedBug, signUp, uniqueHost } from './helpers';

const ids = async (q: string, extra: { domain?: string } = {}) =>
  (await listBugs(db(), { filters: { q, ...extra }, limit: 50 })).rows.map((r) => r.id);

describe('search: site: and by: are parsed by us, words go to FTS5 quoted', () => {
  it('splits filters from words, folds case and accents, and never passes syntax through', () => {
    expect(parseSearch('site:Shop.Example by:alice Checkout CAFÉ')).toEqual({
      words: ['checkout', 'cafe'],
      site: 'shop.example',
      by: 'alice',
    });
    expect(parseSearch('"site:x" NEAR(a b) -c col:d').words).toEqual(['site', 'x', 'near', 'a', 'b', 'c', 'col', 'd']);
    expect(parseSearch('^e f* {g}').words).toEqual(['e', 'f', 'g']);
    expect(parseSearch('a b c d e f g h i j').words).toHaveLength(8);
  });

  it('site: limits the search to a domain, by: to a reporter; both with words or alone', async () => {
    const host = uniqueHost('sitefilter');
    const other = uniqueHost('sitefilter');
    const alice = await signUp('byalice');
    const mine = await seedBug({ hostname: host, title: 'Sitefilter checkout broken', userId: alice.id });
    const anon = await seedBug({ hostname: host, title: 'Sitefilter checkout slow' });
    const elsewhere = await seedBug({ hostname: other, title: 'Sitefilter checkout broken', userId: alice.id });
    expect(await ids(`site:${host} sitefilter`)).toEqual([anon, mine]);
    expect(await ids(`site:${host}`)).toEqual([anon, mine]);
    expect(await ids(`by:${alice.username} sitefilter`)).toEqual([elsewhere, mine]);
    expect(await ids(`by:${alice.username.toUpperCase()}`)).toEqual([elsewhere, mine]);
    expect(await ids(`site:${host} by:${alice.username} broken`)).toEqual([mine]);
    expect(await ids(`site:${host} nothing-like-it`)).toEqual([]);
    expect(await ids('by:nobody_at_all sitefilter')).toEqual([]);
    // The domain filter and a different site: word cannot both hold.
    expect(await ids(`site:${other} sitefilter`, { domain: host })).toEqual([]);
    // Hostile values are values: no FTS5 or SQL error, just no match.
    for (const q of [`site:"${host}" OR`, "by:' OR 1=1 --", 'site:*', 'by:"a" NEAR(b c)', 'site:x:y sitefilter']) {
      expect(await ids(q), q).toEqual([]);
    }
  });

  it('the search box takes site: and by: on the list page and the fragment', async () => {
    const host = uniqueHost('sitebox');
    const id = await seedBug({ hostname: host, title: 'Searchbox sitebox word' });
    await seedBug({ title: 'Searchbox sitebox word' });
    const res = await call(`/api/bugs?q=${encodeURIComponent(`site:${host} searchbox`)}`, { hx: true });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`/bugs/${id}`);
    expect(html.match(/\/bugs\/\d+"/g)?.length).toBe(1);
    const page = await call(`/bugs?q=${encodeURIComponent(`site:${host}`)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/bugs/${id}`);
  });
});

describe('search: worst cases read a page, not every match', () => {
  it('a long word is expanded to exact terms; short words use the prefix index; 1 letter is a whole word', async () => {
    const host = uniqueHost('expand');
    await seedBug({ hostname: host, title: 'Expandable expanding expanse' });
    const match = await ftsMatch(db(), ['expand', 'ex', 'x']);
    expect(match).toBe('("expand" OR "expandable" OR "expanding") AND "ex"* AND "x"');
    // No term starts with it: the word alone, as a whole word (cheap, and it matches nothing).
    expect(await ftsMatch(db(), ['zzzqqqnothing'])).toBe('"zzzqqqnothing"');
  });

  it('prefixes of long words find their titles, also after an edit changes the title', async () => {
    const host = uniqueHost('prefix');
    const a = await seedBug({ hostname: host, title: 'Prefixtesting checkout überweisung' });
    expect(await ids('prefixtes', { domain: host })).toEqual([a]);
    expect(await ids('prefixtes')).toEqual([a]);
    expect(await ids('uberweis')).toEqual([a]);
    expect(await ids('CHECKOUT prefixtesting')).toContain(a);
    const before = await env.DB.prepare(
      'SELECT url, title, description, label, severity, domain_id, created_at FROM bugs WHERE id = ?',
    )
      .bind(a)
      .first<{
        url: string;
        title: string;
        description: string;
        label: 'general';
        severity: 'none';
        domain_id: number;
        created_at: string;
      }>();
    const user = await signUp('editor');
    await editBug(
      db(),
      { id: a, ...before! },
      { ...before!, hostname: host, title: 'Renamedprefixword only' },
      user.id,
    );
    expect(await ids('renamedpref')).toEqual([a]);
    expect(await ids('prefixtes')).toEqual([]);
  });

  it(`past ${MAX_EXPANSION} terms a word falls back to the FTS5 prefix query, with the same answer`, async () => {
    const host = uniqueHost('many');
    const made: number[] = [];
    for (let i = 0; i <= MAX_EXPANSION; i += 1)
      made.push(await seedBug({ hostname: host, title: `Manyterms${i}x report` }));
    const match = await ftsMatch(db(), ['manyterms']);
    expect(match).toBe('"manyterms"*');
    const found = (await listBugs(db(), { filters: { q: 'manyterms report' }, limit: 100 })).rows.map((r) => r.id);
    expect(found).toEqual([...made].reverse());
  });

  it('query plans: FTS5 drives newest first with no sort; site:/by: walk their index with a point check', async () => {
    await seedBug({ title: 'Planned search words' });
    const plain = (await plansOf((d) => listBugs(d, { limit: 25, filters: { q: 'planned search' } }))).join('\n');
    expect(plain).toMatch(/SCAN bugs_fts VIRTUAL TABLE/);
    expect(plain).not.toMatch(/TEMP B-TREE/);
    expect(plain).toMatch(/SEARCH bugs USING INTEGER PRIMARY KEY/);
    const site = (await plansOf((d) => listBugs(d, { limit: 25, filters: { q: 'site:a.example planned' } }))).join(
      '\n',
    );
    expect(site).toMatch(/SEARCH bugs USING INDEX bugs_by_domain/);
    expect(site).not.toMatch(/TEMP B-TREE/);
    const by = (await plansOf((d) => listBugs(d, { limit: 25, filters: { q: 'by:someone planned' } }))).join('\n');
    expect(by).toMatch(/SEARCH bugs USING INDEX bugs_by_user/);
    expect(by).not.toMatch(/TEMP B-TREE/);
  });
});

describe('stats read a bounded number of rows, however old the site is', () => {
  it('counts and both charts read the same rows with 1 or 2,000 days of counters (past and future-dated)', async () => {
    const rowsRead = async () => {
      const usage = newD1Usage();
      await statsOverview(createDb(meteredD1(env.DB, usage)));
      return usage.rowsRead;
    };
    await seedBug({ label: 'typo' });
    const before = await rowsRead();
    // A thousand old days of counters, as a site three years old has (n = 0: the totals stay).
    await env.DB.prepare(
      `WITH RECURSIVE d(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM d WHERE i < 1000)
       INSERT OR IGNORE INTO bug_counts (day, label, status, n)
       SELECT date('2001-01-01', '+' || i || ' days'), 'typo', 'open', 0 FROM d
       UNION ALL SELECT date('2101-01-01', '+' || i || ' days'), 'typo', 'open', 0 FROM d`,
    ).run();
    // At most the one row past the chart's last day, where its range read stops.
    expect(await rowsRead()).toBeLessThanOrEqual(before + 1);
    expect(before).toBeLessThan(30 * 18 + 40);
  });

  it('the totals rows follow every change to the counters and to domains', async () => {
    const truth = async () =>
      env.DB.prepare(
        `SELECT (SELECT json_group_array(json_array(label, status, n)) FROM (SELECT label, status, sum(n) AS n FROM bug_counts GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2)) AS counts,
                (SELECT json_group_array(json_array(label, status, n)) FROM (SELECT label, status, n FROM bug_totals WHERE n > 0 ORDER BY 1, 2)) AS totals,
                (SELECT count(*) FROM domains WHERE has_public_bugs = 1) AS domains,
                (SELECT n FROM site_totals WHERE name = 'public_domains') AS kept`,
      ).first<{ counts: string; totals: string; domains: number; kept: number }>();
    const host = uniqueHost('totals');
    const a = await seedBug({ hostname: host, label: 'security' });
    await seedBug({ hostname: host, label: 'design', isHidden: true });
    await env.DB.prepare("UPDATE bugs SET status = 'spam', state = 'spam' WHERE id = ?").bind(a).run();
    await env.DB.prepare('UPDATE domains SET has_public_bugs = 0 WHERE hostname = ?').bind(host).run();
    await env.DB.prepare("DELETE FROM bug_counts WHERE day = '2001-01-02'").run();
    const t = await truth();
    expect(t?.totals).toBe(t?.counts);
    expect(t?.kept).toBe(t?.domains);
  });
});
