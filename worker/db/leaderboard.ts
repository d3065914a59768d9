import { type SqlBool, sql } from 'kysely';
import type { DB } from './index';
import { type DomainRef, domainIdOf, type UserRef, userIdOf } from './refs';

export interface LeaderRow {
  rank: number;
  user_id: number;
  username: string;
  score: number;
  bugs: number;
}

/**
 * Where the previous page ended. `position` (1-based, of the last row shown) and `rank` ride
 * along so later pages need no count of everyone above them: a page at row 1,000,000 reads
 * the same 26 index entries as page one.
 */
export interface LeaderCursor {
  score: number;
  userId: number;
  position: number;
  rank: number;
}

const CURSOR_RE = /^(\d{1,12})\.(\d{1,15})\.(\d{1,12})\.(\d{1,12})$/;

export function encodeLeaderCursor(c: LeaderCursor): string {
  return `${c.score}.${c.userId}.${c.position}.${c.rank}`;
}

export function decodeLeaderCursor(raw: string): LeaderCursor | null {
  const m = CURSOR_RE.exec(raw);
  if (!m) return null;
  const [score, userId, position, rank] = m.slice(1).map(Number) as [number, number, number, number];
  if (rank > position || score <= 0) return null;
  return { score, userId, position, rank };
}

function scoreRows(db: DB, period: string) {
  return db
    .selectFrom('user_scores')
    .innerJoin('users', 'users.id', 'user_scores.user_id')
    .select(['user_scores.user_id', 'users.username', 'user_scores.score', 'user_scores.bugs'])
    .where('user_scores.period', '=', period)
    .where('user_scores.score', '>', 0);
}

/**
 * One leaderboard page: users with score > 0, highest first, ties by earliest user id, with
 * competition ranks ("1, 2, 2, 4"). Reads user_scores through its (period, score DESC, user_id)
 * index: after a cursor, the rest of its tie and then lower scores — two index SEARCHes in one query.
 */
export async function leaderboardPage(
  db: DB,
  opts: { period: string; limit: number; after?: LeaderCursor | null },
): Promise<{ rows: LeaderRow[]; next: LeaderCursor | null }> {
  const { period, limit } = opts;
  const after = opts.after ?? null;
  const take = limit + 1;
  let raw: { user_id: number; username: string; score: number; bugs: number }[];
  if (!after) {
    raw = await scoreRows(db, period)
      .orderBy('user_scores.score', 'desc')
      .orderBy('user_scores.user_id', 'asc')
      .limit(take)
      .execute();
  } else {
    // One round trip: the two index ranges as a UNION ALL of two small subqueries. Their
    // order is restored here (at most 2 × take rows), so SQLite needs no sort.
    const sameScore = scoreRows(db, period)
      .where('user_scores.score', '=', after.score)
      .where('user_scores.user_id', '>', after.userId)
      .orderBy('user_scores.user_id', 'asc')
      .limit(take);
    const lower = scoreRows(db, period)
      .where('user_scores.score', '<', after.score)
      .orderBy('user_scores.score', 'desc')
      .orderBy('user_scores.user_id', 'asc')
      .limit(take);
    const both = await db
      .selectFrom(sameScore.as('tie'))
      .selectAll()
      .unionAll(db.selectFrom(lower.as('below')).selectAll())
      .execute();
    raw = both.sort((a, b) => b.score - a.score || a.user_id - b.user_id).slice(0, take);
  }
  const page = raw.slice(0, limit);
  let position = after?.position ?? 0;
  let prev = after ? { score: after.score, rank: after.rank } : null;
  const rows: LeaderRow[] = page.map((r) => {
    position += 1;
    const rank = prev && prev.score === r.score ? prev.rank : position;
    prev = { score: r.score, rank };
    return { rank, ...r };
  });
  const last = rows.at(-1);
  const next =
    raw.length > limit && last ? { score: last.score, userId: last.user_id, position, rank: last.rank } : null;
  return { rows, next };
}

/**
 * Ranks past this are shown as "#1001+": counting every user above a low score read as many index
 * entries as there are users (57k rows per profile view at 100k users); the count stops here.
 */
export const RANK_CAP = 1000;

/**
 * A user's score and competition rank in a period (rank null when they have no points), in one
 * statement: the count of users above stops at `cap` (then `capped`, and rank is cap + 1, "at
 * least"), so a profile reads at most `cap` index entries however many users there are.
 */
export async function standing(db: DB, user: UserRef, period: string, cap = RANK_CAP) {
  const above = db
    .selectFrom(
      db
        .selectFrom('user_scores as a')
        .select(sql`1`.as('one'))
        .where('a.period', '=', period)
        .where(sql<SqlBool>`a.score > s.score`)
        .limit(cap)
        .as('above'),
    )
    .select(sql<number>`count(*)`.as('n'));
  const row = await db
    .selectFrom('user_scores as s')
    .select(['s.score', 's.bugs', above.as('above')])
    .where('s.user_id', '=', userIdOf(db, user))
    .where('s.period', '=', period)
    .executeTakeFirst();
  const score = row?.score ?? 0;
  const bugs = row?.bugs ?? 0;
  if (score <= 0) return { score, bugs, rank: null, capped: false };
  const n = row?.above ?? 0;
  return { score, bugs, rank: n + 1, capped: n >= cap };
}

/** The newest ledger rows of a user, with the bug they were for (if the viewer may see it). */
export async function pointsHistory(db: DB, user: UserRef, limit = 20) {
  return db
    .selectFrom('points')
    .leftJoin('bugs', 'bugs.id', 'points.bug_id')
    .select([
      'points.id',
      'points.score',
      'points.reason',
      'points.created_at',
      'points.bug_id',
      'bugs.title as bug_title',
      'bugs.is_hidden as bug_hidden',
      'bugs.status as bug_status',
    ])
    .where('points.user_id', '=', userIdOf(db, user))
    .orderBy('points.created_at', 'desc')
    .orderBy('points.id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Top reporters of public, non-spam bugs on one domain: the first entries of the
 * domain_reporters counter (migration 0013), so a domain with a million reports costs what one
 * with ten does. A deleted account ranks nowhere (its reports stay); it is skipped as read.
 */
export async function topReporters(db: DB, domain: DomainRef, limit = 5) {
  return db
    .selectFrom('domain_reporters')
    .innerJoin('users', 'users.id', 'domain_reporters.user_id')
    .select(['users.username', 'domain_reporters.bugs'])
    .where('domain_reporters.domain_id', '=', domainIdOf(db, domain))
    .where('domain_reporters.bugs', '>', 0)
    .where('users.deleted_at', 'is', null)
    .orderBy('domain_reporters.bugs', 'desc')
    .orderBy('domain_reporters.user_id', 'asc')
    .limit(limit)
    .execute();
}
