import { type DB, prepare } from './index';

/** DESIGN.md: more than 10 failed logins in 15 minutes, per account or per IP, → 429. */
export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;

export type Subject = { kind: 'account' | 'ip'; subject: string };

/**
 * Seconds until the caller may try again, or 0 when not throttled. Reads the per-subject
 * index only; old rows are pruned as failures are recorded.
 */
export async function retryAfterSeconds(db: DB, subjects: Subject[], now = Date.now()): Promise<number> {
  const since = new Date(now - WINDOW_MS).toISOString();
  const waits = await Promise.all(
    subjects.map(async (s) => {
      const rows = await db
        .selectFrom('login_failures')
        .select('created_at')
        .where('kind', '=', s.kind)
        .where('subject', '=', s.subject)
        .where('created_at', '>', since)
        .orderBy('created_at', 'desc')
        .limit(MAX_FAILURES)
        .execute();
      if (rows.length < MAX_FAILURES) return 0;
      // Blocked until the oldest of the last MAX_FAILURES failures leaves the window.
      const oldest = Date.parse(rows[rows.length - 1]!.created_at);
      return Math.ceil((oldest + WINDOW_MS - now) / 1000);
    }),
  );
  return Math.max(0, ...waits);
}

export async function recordFailure(db: DB, d1: D1Database, subjects: Subject[], now = Date.now()): Promise<void> {
  const at = new Date(now).toISOString();
  const cutoff = new Date(now - WINDOW_MS).toISOString();
  const statements = subjects.flatMap((s) => [
    db.insertInto('login_failures').values({ kind: s.kind, subject: s.subject, created_at: at }).compile(),
    db
      .deleteFrom('login_failures')
      .where('kind', '=', s.kind)
      .where('subject', '=', s.subject)
      .where('created_at', '<=', cutoff)
      .compile(),
  ]);
  await d1.batch(statements.map((q) => prepare(d1, q)));
}

export async function clearFailures(db: DB, subject: Subject): Promise<void> {
  await db
    .deleteFrom('login_failures')
    .where('kind', '=', subject.kind)
    .where('subject', '=', subject.subject)
    .execute();
}
