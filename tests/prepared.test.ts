import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findBugById } from '../worker/db/bugs';
import { firstOf, prepared, rowsOf } from '../worker/db/prepared';
import { db, seedBug, signUp } from './helpers';

// worker/db/prepared.ts: reads built and compiled once per isolate, their arguments put in at
// each call. A prepared read must answer exactly what the built one would, for any arguments.

describe('prepared reads', () => {
  it('each call binds its own arguments, not the first call’s', async () => {
    const byTitle = prepared((d, id: number, title: string) =>
      d.selectFrom('bugs').select(['id', 'title']).where('id', '=', id).where('title', '=', title),
    );
    const a = await seedBug({ title: 'Prepared read one' });
    const b = await seedBug({ title: 'Prepared read two' });
    expect(await firstOf(db(), byTitle(db(), a, 'Prepared read one'))).toEqual({ id: a, title: 'Prepared read one' });
    expect(await firstOf(db(), byTitle(db(), b, 'Prepared read two'))).toEqual({ id: b, title: 'Prepared read two' });
    expect(await firstOf(db(), byTitle(db(), b, 'Prepared read one'))).toBeUndefined();
    // Constants the query holds stay where Kysely put them, beside the arguments.
    const capped = prepared((d, id: number) =>
      d.selectFrom('bugs').select('id').where('id', '>=', id).where('status', '!=', 'spam').orderBy('id').limit(2),
    );
    expect((await rowsOf(db(), capped(db(), a))).map((r) => r.id)).toEqual([a, b]);
  });

  it('refuses a builder that puts an argument into the SQL text, or leaves one out', async () => {
    const inlined = prepared((d, n: number) => d.selectFrom('bugs').select(sql.lit(n).as('n')));
    expect(() => inlined(db(), 1)).toThrow(/only as one/);
    const unused = prepared((d, _n: number) => d.selectFrom('bugs').select('id'));
    expect(() => unused(db(), 1)).toThrow(/only as one/);
  });

  it('a bug page read per kind of viewer: anonymous, its reporter, an admin, someone else', async () => {
    const reporter = await signUp('prep_rep');
    const other = await signUp('prep_other');
    const hidden = await seedBug({ userId: reporter.id, isHidden: true, title: 'Prepared private report' });
    const open = await seedBug({ title: 'Prepared public report' });
    const viewer = (u: { id: number }) => ({ id: u.id, role: 'user' as const });
    expect((await findBugById(db(), open, null))?.id).toBe(open);
    expect(await findBugById(db(), hidden, null)).toBeUndefined();
    expect((await findBugById(db(), hidden, viewer(reporter)))?.id).toBe(hidden);
    expect(await findBugById(db(), hidden, viewer(other))).toBeUndefined();
    expect((await findBugById(db(), hidden, { id: other.id, role: 'admin' }))?.id).toBe(hidden);
    expect(await findBugById(db(), hidden, viewer(other))).toBeUndefined(); // after the admin's read too
  });
});
