import { env } from 'cloudflare:workers';
import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../worker/db';
import { SIMILAR_CANDIDATES, similarByTitle } from '../worker/db/bugs';
import { planLines, seedBug, uniqueHost } from './helpers';

// The report form's "is it one of these?" hint by title (worker/db/bugs.ts similarByTitle) costs
// the same at any size: each word's newest matches, scored by shared words.

describe('similar titles: bounded at any size', () => {
  it('the query plan starts from the FTS5 candidates and looks reports up by key, never walking open reports', async () => {
    const queries: CompiledQuery[] = [];
    const logged = createDb(env.DB, (e) => {
      if (e.level === 'query') queries.push(e.query);
    });
    await similarByTitle(logged, 'Checkout button broken on the cart page', null);
    expect(queries).toHaveLength(1);
    const plan = await planLines(queries);
    expect(plan.filter((d) => /VIRTUAL TABLE INDEX/.test(d))).toHaveLength(4); // checkout, button, broken, cart
    expect(plan).toContain('SEARCH bugs USING INTEGER PRIMARY KEY (rowid=?)');
    expect(plan.some((d) => /^(SCAN|SEARCH) bugs USING (COVERING )?INDEX/.test(d))).toBe(false);
    expect(plan.some((d) => /^SCAN bugs\b/.test(d))).toBe(false);
  });

  it(`a rare word's one old title is found beside ${SIMILAR_CANDIDATES} newer titles of a common word, and ranks first`, async () => {
    const common = `zc${Math.random().toString(36).slice(2, 8)}`;
    const rare = `zr${Math.random().toString(36).slice(2, 8)}`;
    const host = uniqueHost('similar');
    const old = await seedBug({ hostname: host, title: `${common} ${rare} checkout` });
    const stmt = env.DB.prepare(
      `INSERT INTO bugs (url, domain_id, title, description, label, severity, created_at)
       SELECT url, domain_id, ?, '', 'general', 'none', ? FROM bugs WHERE id = ?`,
    );
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: SIMILAR_CANDIDATES + 10 }, (_, i) =>
        stmt.bind(`${common} newer number ${i}`, new Date(now + i).toISOString(), old),
      ),
    );
    const rows = await similarByTitle(createDb(env.DB), `${common} ${rare}`, null, 5);
    expect(rows.map((r) => r.id)[0]).toBe(old);
    expect(rows).toHaveLength(5);
    expect(rows.slice(1).every((r) => r.title.startsWith(`${common} newer`))).toBe(true);
  });

  it('folds case and accents like the search index does', async () => {
    const word = `zf${Math.random().toString(36).slice(2, 8)}`;
    const id = await seedBug({ title: `Cafe ${word} menu broken` });
    const rows = await similarByTitle(createDb(env.DB), `CAFÉ ${word.toUpperCase()}`, null);
    expect(rows.map((r) => r.id)).toEqual([id]);
  });
});
