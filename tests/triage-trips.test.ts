import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDb } from '../worker/db';
import { batchedD1 } from '../worker/db/batching';
import { listBugs } from '../worker/db/bugs';
import { meteredD1, newD1Usage } from '../worker/db/metered';
import { seedBug, signUp, uniqueHost } from './helpers';

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
