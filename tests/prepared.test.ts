import { env } from 'cloudflare:workers';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findBugById, listBugs } from '../worker/db/bugs';
import { firstOf, prepared, rowsOf } from '../worker/db/prepared';
import { domainFacts } from '../worker/db/scorecards';
import { db, seedBug, signUp, uniqueHost } from './helpers';

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

  it('bug lists of every shape answer what their filters say, whichever shape ran first', async () => {
    const reporter = await signUp('prep_lister');
    const hostname = uniqueHost();
    const seed = (over: Parameters<typeof seedBug>[0]) => seedBug({ hostname, ...over });
    const plain = await seed({ title: 'Prepared list plain' });
    const sec = await seed({ label: 'security', title: 'Prepared list security' });
    const high = await seed({ severity: 'high', title: 'Prepared list high' });
    const both = await seed({ label: 'security', severity: 'high', userId: reporter.id, title: 'Prepared list both' });
    const hidden = await seed({ userId: reporter.id, isHidden: true, title: 'Prepared list hidden' });
    const ids = async (opts: Parameters<typeof listBugs>[1]) => (await listBugs(db(), opts)).rows.map((r) => r.id);
    const cases: [Parameters<typeof listBugs>[1], number[]][] = [
      [{ filters: { domain: hostname }, limit: 10 }, [both, high, sec, plain]],
      [{ filters: { domain: hostname, label: 'security' }, limit: 10 }, [both, sec]],
      [{ filters: { domain: hostname, severity: 'high' }, limit: 10 }, [both, high]],
      [{ filters: { domain: hostname, label: 'security', severity: 'high' }, limit: 10 }, [both]],
      [{ filters: { domain: hostname, status: 'new' }, limit: 10 }, [both, high, sec, plain]],
      [{ filters: { domain: hostname, status: 'resolved' }, limit: 10 }, []],
      [{ reporter: reporter.username, limit: 10 }, [both]],
      [{ reporter: reporter.username, includeHidden: true, limit: 10 }, [hidden, both]],
      [{ userId: reporter.id, includeHidden: true, limit: 1 }, [hidden]],
    ];
    for (const [opts, want] of [...cases, ...cases.slice().reverse()]) expect(await ids(opts)).toEqual(want);
    // A page past a cursor binds the cursor's values, not the first page's.
    const first = await listBugs(db(), { filters: { domain: hostname }, limit: 2 });
    expect(first.rows.map((r) => r.id)).toEqual([both, high]);
    expect(await ids({ filters: { domain: hostname }, cursor: first.next, limit: 2 })).toEqual([sec, plain]);
    expect(
      await ids({ filters: { domain: hostname }, cursor: { createdAt: '1970-01-01T00:00:00Z', id: 0 }, limit: 2 }),
    ).toEqual([]);
  });

  it('a domain page’s facts answer "owner" for the viewer who asks, whoever asked first', async () => {
    const owner = await signUp('prep_domain_owner');
    const stranger = await signUp('prep_domain_stranger');
    const hostname = uniqueHost();
    await seedBug({ hostname, isHidden: true, title: 'Only a private report' });
    await env.DB.prepare(
      "INSERT INTO domain_owners (domain_id, user_id, method) SELECT id, ?, 'added' FROM domains WHERE hostname = ?",
    )
      .bind(owner.id, hostname)
      .run();
    const ownerOf = async (viewer: number | null) => (await domainFacts(db(), hostname, viewer))?.owner;
    for (const [viewer, want] of [
      [owner.id, true],
      [stranger.id, false],
      [null, false],
      [owner.id, true],
    ] as const) {
      expect(await ownerOf(viewer)).toBe(want);
    }
    expect((await domainFacts(db(), hostname, null))?.claimed).toBe(true);
    expect(await domainFacts(db(), uniqueHost(), owner.id)).toBeUndefined();
  });
});
