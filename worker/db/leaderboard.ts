import { type Expression, ParseJSONResultsPlugin, type SqlBool, sql } from 'kysely';
import { jsonObjectFrom } from 'kysely/helpers/sqlite';
import type { DB } from './index';
import { firstOf, prepared } from './prepared';
import { type UserRef, userIdOf } from './refs';

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

/** A user's score and rank in one period, as the profile shows it. */
export interface Standing {
  score: number;
  bugs: number;
  /** Competition rank; null when the user has no points in the period. */
  rank: number | null;
  /** The count of users above stopped at the cap: the rank is "at least". */
  capped: boolean;
}

/**
 * The user's score row in a period with the count of users above it, stopping at `cap`, so a
 * profile reads at most `cap` index entries however many users there are.
 */
function standingQuery(db: DB, userId: Expression<number>, period: string, cap: number) {
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
  return db
    .selectFrom('user_scores as s')
    .select(['s.score', 's.bugs', above.as('above')])
    .where('s.user_id', '=', userId)
    .where('s.period', '=', period);
}

function standingOf(
  row: { score: number; bugs: number; above: number | null } | null | undefined,
  cap: number,
): Standing {
  const score = row?.score ?? 0;
  const bugs = row?.bugs ?? 0;
  if (score <= 0) return { score, bugs, rank: null, capped: false };
  const n = row?.above ?? 0;
  return { score, bugs, rank: n + 1, capped: n >= cap };
}

/**
 * The head of a profile in ONE statement on the user's row (the name matches ignoring case;
 * deleted accounts are nobody): the account, and its all-time and `month` standing as JSON
 * sub-selects. Undefined: no such reporter. One statement instead of three, because each
 * statement in a batch costs the Worker more than these index reads cost SQLite
 * (ARCHITECTURE.md, "One round trip per page").
 */
export async function profileFacts(db: DB, username: string, month: string, cap = RANK_CAP) {
  const row = await firstOf(db.withPlugin(PARSE_JSON), profileHead(db, username, month, cap));
  if (!row) return undefined;
  return {
    user: { id: row.id, username: row.username, created_at: row.created_at },
    allTime: standingOf(row.all_time, cap),
    thisMonth: standingOf(row.month, cap),
  };
}

/** Only profileHead's two JSON columns can start with { or [ (user names cannot; see usernameSchema). */
const PARSE_JSON = new ParseJSONResultsPlugin();

const profileHead = prepared((db, username: string, month: string, cap: number) =>
  db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.username',
      'u.created_at',
      jsonObjectFrom(standingQuery(db, eb.ref('u.id'), 'all', cap)).as('all_time'),
      jsonObjectFrom(standingQuery(db, eb.ref('u.id'), month, cap)).as('month'),
    ])
    .where('u.username', '=', username)
    .where('u.deleted_at', 'is', null),
);

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
export function topReportersOf(db: DB, domainId: Expression<number>, limit = 5) {
  return db
    .selectFrom('domain_reporters')
    .innerJoin('users', 'users.id', 'domain_reporters.user_id')
    .select(['users.username', 'domain_reporters.bugs'])
    .where('domain_reporters.domain_id', '=', domainId)
    .where('domain_reporters.bugs', '>', 0)
    .where('users.deleted_at', 'is', null)
    .orderBy('domain_reporters.bugs', 'desc')
    .orderBy('domain_reporters.user_id', 'asc')
    .limit(limit);
}
