import type { CompiledQuery } from 'kysely';
import type { DB } from './index';

/** Write limits count per clock hour (the Workers Rate Limiting binding only has 10 s and 60 s). */
export const LIMIT_WINDOW_SECONDS = 3600;

/** One counter: `key` names who and what ('report:user:12'), `max` is its limit this hour. */
export interface LimitBucket {
  key: string;
  max: number;
}

/**
 * Counts one write in every bucket, or in none: returns 0 when the write may go ahead, else the
 * seconds until the window ends (for Retry-After). One D1 batch of upserts whose CHECK fails
 * past a limit; a failing statement rolls back the batch, so parallel writes can never exceed
 * a limit and a refused write is not counted. Windows before this one are pruned on the way.
 */
export async function takeWriteSlot(db: DB, buckets: LimitBucket[], now = Date.now()): Promise<number> {
  const nowSeconds = Math.floor(now / 1000);
  const windowStart = nowSeconds - (nowSeconds % LIMIT_WINDOW_SECONDS);
  const statements: CompiledQuery[] = [
    db.deleteFrom('write_limits').where('window_start', '<', windowStart).compile(),
    ...buckets.map((b) =>
      db
        .insertInto('write_limits')
        .values({ bucket: b.key, window_start: windowStart, count: 1, max_count: b.max })
        .onConflict((oc) =>
          oc.columns(['bucket', 'window_start']).doUpdateSet({
            count: (eb) => eb('write_limits.count', '+', 1),
            max_count: (eb) => eb.ref('excluded.max_count'),
          }),
        )
        .compile(),
    ),
  ];
  try {
    await db.batch(statements);
    return 0;
  } catch (err) {
    if (!String(err).includes('write_limit_reached')) throw err;
    return Math.max(1, windowStart + LIMIT_WINDOW_SECONDS - nowSeconds);
  }
}
