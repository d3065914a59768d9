import { env } from 'cloudflare:workers';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../worker/db';
import { batchedD1, isRead } from '../worker/db/batching';
import { meteredD1, newD1Usage } from '../worker/db/metered';

// worker/db/batching.ts: reads started together are one D1 round trip (ARCHITECTURE.md
// "One round trip per page").

function metered() {
  const usage = newD1Usage();
  return { usage, db: createDb(batchedD1(meteredD1(env.DB, usage))) };
}

describe('reads started together go to D1 as one batch', () => {
  it('three reads through Promise.all: three queries, one round trip, each its own rows', async () => {
    const { usage, db } = metered();
    const [a, b, c] = await Promise.all([
      sql<{ n: number }>`SELECT 1 AS n`.execute(db),
      db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .execute(),
      sql<{ n: number }>`WITH x(n) AS (SELECT 3) SELECT n FROM x`.execute(db),
    ]);
    expect(a.rows).toEqual([{ n: 1 }]);
    expect(b[0]?.n).toEqual(expect.any(Number));
    expect(c.rows).toEqual([{ n: 3 }]);
    expect(usage).toMatchObject({ queries: 3, roundTrips: 1 });
  });

  it('reads one after another are a round trip each', async () => {
    const { usage, db } = metered();
    await sql`SELECT 1`.execute(db);
    await sql`SELECT 2`.execute(db);
    expect(usage).toMatchObject({ queries: 2, roundTrips: 2 });
  });

  it('a write is never held back or batched with reads', async () => {
    const { usage, db } = metered();
    const name = `batch-${crypto.randomUUID()}.example`;
    const [, write] = await Promise.all([
      sql`SELECT 1`.execute(db),
      sql`INSERT INTO domains (hostname) VALUES (${name})`.execute(db),
      sql`SELECT 2`.execute(db),
    ]);
    expect(write.numAffectedRows).toBe(1n);
    expect(usage).toMatchObject({ queries: 3, roundTrips: 2 }); // the two reads together, the write alone
  });

  it('one failing read rejects only its own caller', async () => {
    const { db } = metered();
    const [good, bad, other] = await Promise.allSettled([
      sql<{ n: number }>`SELECT 1 AS n`.execute(db),
      sql`SELECT rowid FROM bugs_fts WHERE bugs_fts MATCH ${'"unterminated'}`.execute(db),
      sql<{ n: number }>`SELECT 2 AS n`.execute(db),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 1 }] } });
    expect(bad.status).toBe('rejected');
    expect(other).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 2 }] } });
  });

  it('tells reads from writes by their SQL', () => {
    expect(isRead('select * from bugs')).toBe(true);
    expect(isRead('  WITH x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(isRead('insert into bugs default values')).toBe(false);
    expect(isRead('WITH x AS (SELECT 1) DELETE FROM bugs WHERE id IN x')).toBe(false);
    expect(isRead('update bugs set title = 1')).toBe(false);
  });
});
