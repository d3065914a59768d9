import { env, exports } from 'cloudflare:workers';
import type { CompiledQuery } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDb, type DB } from '../worker/db';
import { batchedD1 } from '../worker/db/batching';
import { listBugs } from '../worker/db/bugs';
import { meteredD1, newD1Usage } from '../worker/db/metered';
import { managedDomainId, stateCountQueries, triageConsole, triageList } from '../worker/db/owners';
import { call, planLines, seedBug, signUp, uniqueHost } from './helpers';

/**
 * Issue 16: a D1 round trip costs about as much as the rest of a request, so each of these routes
 * reads what it needs in ONE round trip (db/batching.ts), however many statements that takes.
 * Measured two ways: the data function on a metered, batched D1 (as middleware/database.ts builds
 * it), and the request's own log line (`d1.round_trips`).
 */

/** A DB as a request gets it, and what its queries cost. */
function metered() {
  const usage = newD1Usage();
  return { db: createDb(batchedD1(meteredD1(env.DB, usage))), usage };
}

/** The `d1` part of the request log line of one request through the real Worker. */
async function d1Of(path: string, headers: Record<string, string> = {}) {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  let status = 0;
  try {
    const res = await exports.default.fetch(new Request(`http://example.com${path}`, { headers }));
    status = res.status;
    await res.text();
  } finally {
    log.mockRestore();
  }
  const line = lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type?: string; d1?: { queries: number; round_trips: number; rows_read: number } })
    .find((l) => l.type === 'request');
  return { status, ...line?.d1 };
}

afterEach(() => vi.restoreAllMocks());

describe('title search is one round trip (the bench cases of scripts/bench-routes.mjs)', () => {
  it('no match, every bug, one bug, a rare word, short prefixes, site: and by: + word', async () => {
    const host = uniqueHost('tripsearch');
    const alice = await signUp('tripper');
    const a = await seedBug({ hostname: host, title: 'Tripbench number 77123 checkout', userId: alice.id });
    const b = await seedBug({ hostname: host, title: 'Tripbench number 77124 basket' });
    const cases: [string, number[]][] = [
      ['no-such-tripwords', []],
      ['tripbench', [b, a]],
      ['tripbench 77123', [a]],
      ['number 77123', [a]],
      ['77123', [a]],
      ['77124', [b]],
      ['tr', [b, a]],
      ['tri num 771', [b, a]],
      [`site:${host}`, [b, a]],
      [`site:${host} checkout`, [a]],
      [`by:${alice.username} tripbench`, [a]],
      [`by:${alice.username} tripbenc numb`, [a]],
    ];
    for (const [q, want] of cases) {
      const { db, usage } = metered();
      const { rows } = await listBugs(db, { filters: { q }, limit: 25 });
      // Other tests' bugs may match the short prefixes; ours must be there, newest first.
      const got = rows.map((r) => r.id).filter((id) => id === a || id === b);
      expect(got, q).toEqual(want);
      expect(usage.roundTrips, q).toBe(1);
    }
  });

  it('every word of eight still expands (all in the one statement)', async () => {
    const host = uniqueHost('eightwords');
    const id = await seedBug({
      hostname: host,
      title: 'Alphaword bravoword charlieword deltaword echoword foxtrotword golfword hotelword',
    });
    const { db, usage } = metered();
    const { rows } = await listBugs(db, {
      filters: { q: 'alphaw bravow charliew deltaw echow foxtrotw golfw hotelw' },
      limit: 25,
    });
    expect(rows.map((r) => r.id)).toEqual([id]);
    expect(usage.roundTrips).toBe(1);
  });

  it('the fragment /api/bugs?q=… logs one round trip', async () => {
    await seedBug({ title: 'Fragmenttrip word' });
    for (const q of ['fragmenttrip', 'fragmenttrip nothingelse', 'by:nobody_here fragmenttrip']) {
      const d1 = await d1Of(`/api/bugs?q=${encodeURIComponent(q)}`, { 'HX-Request': 'true' });
      expect(d1.status, q).toBe(200);
      expect(d1.round_trips, q).toBe(1);
    }
  });
});

/** A signed-in request's log line: the session's read and the handler's, at most (see below). */
const SIGNED_IN_TRIPS = 2;

/** A domain with `n` more open reports, made in one statement (as the bench's bulk load does). */
async function bulkReports(host: string, n: number) {
  await seedBug({ hostname: host });
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO bugs (domain_id, url, title) SELECT (SELECT id FROM domains WHERE hostname = ?), 'https://x.example/', 'Bulk report ' || i FROM n`,
  )
    .bind(n, host)
    .run();
}

async function ownerOf(host: string, prefix = 'tripowner') {
  const person = await signUp(prefix);
  await env.DB.prepare(
    "INSERT INTO domain_owners (domain_id, user_id, method) SELECT id, ?, 'added' FROM domains WHERE hostname = ?",
  )
    .bind(person.id, host)
    .run();
  return person;
}

// Signed-in GETs log at most two round trips: the session check's and the handler's one batch
// (the session check joins that batch where middleware/session.ts starts it beside the handler's).
describe('the owner console is one round trip for its reads', () => {
  it('page, htmx fragment and JSON, for an owner and an admin; a stranger gets the same 404', async () => {
    const host = uniqueHost('tripconsole');
    await seedBug({ hostname: host, title: 'Console trip public' });
    await seedBug({ hostname: host, title: 'Console trip private', isHidden: true });
    const owner = await ownerOf(host);
    const admin = await signUp('tripadmin');
    await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(admin.id).run();
    const stranger = await signUp('tripstranger');
    for (const who of [owner, admin]) {
      for (const [path, headers] of [
        [`/domains/${host}/triage`, {}],
        [`/domains/${host}/triage?state=new`, { 'HX-Request': 'true' }],
        [`/domains/${host}/triage?label=general`, { Accept: 'application/json' }],
      ] as const) {
        const d1 = await d1Of(path, { ...headers, Cookie: who.cookie });
        expect(d1.status, path).toBe(200);
        expect(d1.round_trips, `${who.username} ${path}`).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
      }
    }
    const d1 = await d1Of(`/domains/${host}/triage`, { Cookie: stranger.cookie });
    expect(d1.status).toBe(404);
    expect(d1.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
  });
});

describe('triageConsole: the data behind the console', () => {
  it('reads in one round trip; for a stranger it reads no report and says undefined', async () => {
    const host = uniqueHost('tripdata');
    const pub = await seedBug({ hostname: host, title: 'Console data public' });
    const hidden = await seedBug({ hostname: host, title: 'Console data private', isHidden: true });
    const owner = await ownerOf(host);
    const stranger = await signUp('tripnobody');
    const opts = { filters: {}, limit: 25 };
    for (const counts of [true, false]) {
      const { db, usage } = metered();
      const view = await triageConsole(db, host, owner.id, { ...opts, counts });
      expect(usage.roundTrips).toBe(1);
      expect(view?.domain).toMatchObject({ hostname: host, admin: false, owner: true });
      expect(view?.page.rows.map((r) => r.id)).toEqual([hidden, pub]);
      expect(view?.counts).toEqual(counts ? { new: 2 } : {});
    }
    const { db, usage } = metered();
    expect(await triageConsole(db, host, stranger.id, { ...opts, counts: true })).toBeUndefined();
    expect(usage.roundTrips).toBe(1);
    // Only the probes of the domain row, the user's role and ownership (once per statement and
    // count, about two rows each): the page and the counts read no report.
    expect(usage.rowsRead).toBeLessThanOrEqual(24);
    const missing = metered();
    expect(await triageConsole(missing.db, uniqueHost('nowhere'), owner.id, { ...opts, counts: true })).toBeUndefined();
    expect(missing.usage.roundTrips).toBe(1);
  });

  it('named by host, the page and the counts still read their index ranges (plans)', async () => {
    const queries: CompiledQuery[] = [];
    const logged: DB = createDb(env.DB, (e) => {
      if (e.level === 'query') queries.push(e.query);
    });
    const managed = managedDomainId('a.example', 1);
    await triageList(logged, managed, { filters: {}, limit: 25 });
    await triageList(logged, managed, { filters: { state: 'new' }, limit: 25 });
    queries.push(...stateCountQueries(logged, managed));
    const plans = await planLines(queries);
    const all = plans.join('\n');
    for (const p of plans) expect(p, all).not.toMatch(/^SCAN (?!\(subquery-\d+\)|CONSTANT ROW)|TEMP B-TREE/);
    expect(all).toMatch(/SEARCH bugs USING INDEX bugs_by_domain_all \(domain_id=\?\)/);
    expect(all).toMatch(/bugs_by_domain_state_all \(domain_id=\? AND state=\?\)/);
    expect(all).toMatch(/SEARCH md USING (COVERING )?INDEX/);
  });
});

describe('/owned: one round trip, and its open counts cost the same on any domain', () => {
  it('counts up to 1000 open reports per domain and shows "1000+" past that', async () => {
    const big = uniqueHost('tripowned');
    await bulkReports(big, 1500);
    const owner = await ownerOf(big, 'ownedtrip');
    const small = uniqueHost('tripowned');
    await seedBug({ hostname: small });
    await env.DB.prepare(
      "INSERT INTO domain_owners (domain_id, user_id, method) SELECT id, ?, 'added' FROM domains WHERE hostname = ?",
    )
      .bind(owner.id, small)
      .run();
    const d1 = await d1Of('/owned', { Cookie: owner.cookie });
    expect(d1.status).toBe(200);
    expect(d1.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
    // The session's row, the domains, and at most 1001 index entries per domain counted.
    expect(d1.rows_read).toBeLessThanOrEqual(1001 + 1 + 50);
    const html = await (
      await exports.default.fetch(new Request('http://example.com/owned', { headers: { Cookie: owner.cookie } }))
    ).text();
    expect(html).toContain('1000+ open reports');
    expect(html).toContain('1 open report<');
    const json = (await (
      await exports.default.fetch(
        new Request('http://example.com/owned', { headers: { Cookie: owner.cookie, Accept: 'application/json' } }),
      )
    ).json()) as { domains: { hostname: string; open: number }[] };
    expect(json.domains.find((d) => d.hostname === big)?.open).toBe(1001);
  });
});

describe('notifications: one round trip, the unread count read once', () => {
  it('page, fragment and JSON use the count the session read', async () => {
    const reader = await signUp('tripreader');
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
       INSERT INTO notifications (user_id, kind, summary, read_at)
       SELECT ?, 'comment', 'x', CASE WHEN i % 3 = 0 THEN NULL ELSE '2025-01-01T00:00:00.000Z' END FROM n`,
    )
      .bind(reader.id)
      .run();
    for (const headers of [{}, { Accept: 'application/json' }, { 'HX-Request': 'true' }] as Record<string, string>[]) {
      const d1 = await d1Of('/notifications', { ...headers, Cookie: reader.cookie });
      expect(d1.status).toBe(200);
      expect(d1.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
      // The session's read (with the header's unread count) and the list: no second count.
      expect(d1.queries).toBe(2);
    }
    const json = (await (
      await exports.default.fetch(
        new Request('http://example.com/api/notifications', {
          headers: { Cookie: reader.cookie, Accept: 'application/json' },
        }),
      )
    ).json()) as { unread: number; notifications: unknown[] };
    expect(json.unread).toBe(10);
    expect(json.notifications).toHaveLength(25);
    const html = await (
      await exports.default.fetch(
        new Request('http://example.com/notifications', { headers: { Cookie: reader.cookie } }),
      )
    ).text();
    expect(html).toContain('10 unread.');
  });
});

describe('the owners page: one round trip', () => {
  it('an owner sees the list in one batch; a stranger gets the same 404 as for no domain', async () => {
    const host = uniqueHost('tripowners');
    await seedBug({ hostname: host });
    const owner = await ownerOf(host, 'ownerspage');
    const stranger = await signUp('ownersstranger');
    const page = await d1Of(`/domains/${host}/owners`, { Cookie: owner.cookie });
    expect(page.status).toBe(200);
    expect(page.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
    const json = await d1Of(`/domains/${host}/owners`, { Cookie: owner.cookie, Accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
    for (const path of [`/domains/${host}/owners`, `/domains/${uniqueHost('none')}/owners`]) {
      const d1 = await d1Of(path, { Cookie: stranger.cookie });
      expect(d1.status, path).toBe(404);
      expect(d1.round_trips, path).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
    }
  });
});

describe('the claim page: one round trip', () => {
  it('the domain, the caller’s claim and whether they own it are read together', async () => {
    const host = uniqueHost('tripclaim');
    await seedBug({ hostname: host });
    const claimant = await signUp('claimtrip');
    const token = await call(`/domains/${host}/claim/token`, { cookie: claimant.cookie, form: {} });
    expect(token.status).toBe(303);
    for (const headers of [{}, { Accept: 'application/json' }] as Record<string, string>[]) {
      const d1 = await d1Of(`/domains/${host}/claim`, { ...headers, Cookie: claimant.cookie });
      expect(d1.status).toBe(200);
      expect(d1.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
    }
    const json = (await (
      await exports.default.fetch(
        new Request(`http://example.com/domains/${host}/claim`, {
          headers: { Cookie: claimant.cookie, Accept: 'application/json' },
        }),
      )
    ).json()) as { owner: boolean; claim: { token: string } | null };
    expect(json.owner).toBe(false);
    expect(json.claim?.token).toMatch(/^[0-9a-f]{48}$/);
    const none = await d1Of(`/domains/${uniqueHost('unclaimed')}/claim`, { Cookie: claimant.cookie });
    expect(none.status).toBe(200);
    expect(none.round_trips).toBeLessThanOrEqual(SIGNED_IN_TRIPS);
  });
});
