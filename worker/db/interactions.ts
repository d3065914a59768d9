import { type SelectQueryBuilder, sql } from 'kysely';
import type { Cursor } from './bugs';
import { type CounterKey, refreshCounters } from './counters';
import { claimPost } from './dedupe';
import { type DB, monthKey } from './index';
import type { Database, Label } from './schema';

/** True when this user has upvoted this bug. */
export async function hasUpvoted(db: DB, bugId: number, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('upvotes')
    .select('bug_id')
    .where('bug_id', '=', bugId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Adds the user's upvote, or removes it if present, and recounts bugs.upvotes from the
 * upvotes table in the same batch, so a double click can never leave the count off by one.
 */
export async function toggleUpvote(db: DB, bugId: number, userId: number) {
  const had = await hasUpvoted(db, bugId, userId);
  const change = had
    ? db.deleteFrom('upvotes').where('bug_id', '=', bugId).where('user_id', '=', userId).compile()
    : db
        .insertInto('upvotes')
        .values({ bug_id: bugId, user_id: userId })
        .onConflict((oc) => oc.doNothing())
        .compile();
  const recount = db
    .updateTable('bugs')
    .set({
      upvotes: (eb) => eb.selectFrom('upvotes').select(eb.fn.countAll<number>().as('n')).where('bug_id', '=', bugId),
    })
    .where('id', '=', bugId)
    .returning('upvotes')
    .compile();
  const results = await db.batch<{ upvotes: number }>([change, recount]);
  return { upvoted: !had, upvotes: results[1]?.results[0]?.upvotes ?? 0 };
}

export interface CommentItem {
  id: number;
  body: string;
  created_at: string;
  username: string;
  user_id: number;
  /** Set when the comment was removed (its body is then only a placeholder). */
  deleted_at: string | null;
}

/** Comments per page: a long thread stays readable and its newest page is always one request. */
export const COMMENTS_PER_PAGE = 50;

export interface CommentPage {
  /** Oldest first within the page, so the newest is last, as in a conversation. */
  rows: CommentItem[];
  total: number;
  /** Position of the first row in the whole thread (1 = the first comment ever). */
  start: number;
  /** Cursors for the pages before and after this one (null when there is none). */
  older: Cursor | null;
  newer: Cursor | null;
}

function commentColumns(db: DB, bugId: number) {
  return db
    .selectFrom('comments')
    .innerJoin('users', 'users.id', 'comments.user_id')
    .select([
      'comments.id',
      'comments.body',
      'comments.created_at',
      'users.username',
      'comments.user_id',
      'comments.deleted_at',
    ])
    .where('comments.bug_id', '=', bugId);
}

const position = (c: CommentItem): Cursor => ({ createdAt: c.created_at, id: c.id });

/**
 * One page of a bug's comments, seeking by (created_at, id) over comments_by_bug: by default the
 * newest page (where a new comment lands), or the page before `before` / after `after`.
 */
export async function commentPage(
  db: DB,
  bugId: number,
  opts: { before?: Cursor | null; after?: Cursor | null; limit?: number } = {},
): Promise<CommentPage> {
  const limit = opts.limit ?? COMMENTS_PER_PAGE;
  const { before, after } = opts;
  const totalQuery = db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('bug_id', '=', bugId)
    .executeTakeFirst();
  let rows: CommentItem[];
  let older: Cursor | null = null;
  let newer: Cursor | null = null;
  if (after) {
    const found = await commentColumns(db, bugId)
      .where(({ eb, refTuple, tuple }) =>
        eb(refTuple('comments.created_at', 'comments.id'), '>', tuple(after.createdAt, after.id)),
      )
      .orderBy('comments.created_at', 'asc')
      .orderBy('comments.id', 'asc')
      .limit(limit + 1)
      .execute();
    rows = found.slice(0, limit);
    const [head, last] = [rows[0], rows.at(-1)];
    if (found.length > limit && last) newer = position(last);
    older = head ? position(head) : after;
  } else {
    let q = commentColumns(db, bugId);
    if (before) {
      q = q.where(({ eb, refTuple, tuple }) =>
        eb(refTuple('comments.created_at', 'comments.id'), '<', tuple(before.createdAt, before.id)),
      );
    }
    const found = await q
      .orderBy('comments.created_at', 'desc')
      .orderBy('comments.id', 'desc')
      .limit(limit + 1)
      .execute();
    rows = found.slice(0, limit).reverse();
    const [head, last] = [rows[0], rows.at(-1)];
    if (found.length > limit && head) older = position(head);
    if (before) newer = last ? position(last) : before;
  }
  const total = (await totalQuery)?.n ?? 0;
  const first = rows[0];
  let start = total - rows.length + 1;
  if (first && (before || after) && (older !== null || newer !== null)) {
    const earlier = await db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('bug_id', '=', bugId)
      .where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(first.created_at, first.id)))
      .executeTakeFirst();
    start = (earlier?.n ?? 0) + 1;
  }
  return { rows, total, start: Math.max(1, start), older, newer };
}

/**
 * Adds a comment. With `dedupeKey` (see db/dedupe.ts) the same batch claims the key, so an
 * identical comment within a minute fails as a duplicate and writes nothing.
 */
export async function addComment(
  db: DB,
  input: { bugId: number; userId: number; body: string; dedupeKey?: string },
): Promise<number> {
  const insert = db
    .insertInto('comments')
    .values({ bug_id: input.bugId, user_id: input.userId, body: input.body, created_at: new Date().toISOString() })
    .returning('id')
    .compile();
  const claim = input.dedupeKey ? claimPost(db, input.dedupeKey, sql<number>`(SELECT max(id) FROM comments)`) : [];
  const [result] = await db.batch<{ id: number }>([insert, ...claim]);
  const id = result?.results[0]?.id;
  if (typeof id !== 'number') throw new Error('addComment: the batch returned no comment id');
  return id;
}

/** The fields of a bug that its counters and points depend on. */
export interface BugRef {
  id: number;
  created_at: string;
  label: Label;
  domain_id: number;
  user_id: number | null;
  is_hidden: 0 | 1;
}

function counterKey(bug: BugRef): CounterKey {
  return { createdAt: bug.created_at, label: bug.label, domain: { id: bug.domain_id } };
}

/** Opens or closes a bug, recording who closed it and when, and its counters, in one batch. */
export async function setOpenClosed(db: DB, bug: BugRef, status: 'open' | 'closed', byUserId: number | null) {
  const now = new Date().toISOString();
  const update = db
    .updateTable('bugs')
    .set(
      status === 'closed'
        ? { status, closed_at: now, closed_by: byUserId, updated_at: now }
        : { status, closed_at: null, closed_by: null, updated_at: now },
    )
    .where('id', '=', bug.id)
    .where('status', '!=', 'spam')
    .compile();
  await db.batch([update, ...refreshCounters(db, counterKey(bug))]);
}

export const SPAM_REASON = 'Marked as spam';

/**
 * Marks a bug spam and takes back its points, in one batch with the public counters: per user
 * and per month the bug's points were booked in, one negative ledger row whose `period` is that
 * month (created_at is now, so the history shows when it happened). user_scores follow the same
 * rows: `all`, and the report's own month, never the current one, so an old report leaves its
 * month's board and the current month cannot go negative. The reporter's public `bugs` count
 * drops by one only if the report was public (private ones were never in it). Marking twice
 * takes nothing more (the bug's ledger already sums to zero).
 */
export async function markSpam(db: DB, bug: BugRef): Promise<void> {
  const bugId = bug.id;
  const now = new Date().toISOString();
  const reportMonth = monthKey(bug.created_at);
  // Rows of the reporter in the report's month carry the report itself in `bugs`.
  const counted = bug.is_hidden === 0 && bug.user_id !== null ? bug.user_id : null;
  const reversals = db
    .selectFrom('points')
    .where('bug_id', '=', bugId)
    .where('reason', '=', SPAM_REASON)
    .where('created_at', '=', now);
  /** Adds the selected per-user (and per-period) take-backs to user_scores. */
  const addTo = (
    rows: SelectQueryBuilder<
      Database,
      'points',
      { user_id: number; period: string | null; score: number; bugs: number }
    >,
  ) =>
    db
      .insertInto('user_scores')
      .columns(['user_id', 'period', 'score', 'bugs'])
      .expression(rows)
      .onConflict((oc) =>
        oc.columns(['user_id', 'period']).doUpdateSet({
          score: (eb) => eb('user_scores.score', '+', eb.ref('excluded.score')),
          bugs: (eb) => eb('user_scores.bugs', '+', eb.ref('excluded.bugs')),
        }),
      )
      .compile();
  const droppedReport = sql<number>`-(user_id IS ${counted})`;
  const statements = [
    db.updateTable('bugs').set({ status: 'spam', updated_at: now }).where('id', '=', bugId).compile(),
    db
      .insertInto('points')
      .columns(['user_id', 'bug_id', 'domain_id', 'score', 'reason', 'created_at', 'period'])
      .expression(
        db
          .selectFrom('points')
          .select([
            'user_id',
            'bug_id',
            sql<number>`max(domain_id)`.as('domain_id'),
            sql<number>`-sum(score)`.as('score'),
            sql.lit(SPAM_REASON).as('reason'),
            sql.lit(now).as('created_at'),
            'period',
          ])
          .where('bug_id', '=', bugId)
          .groupBy(['user_id', 'bug_id', 'period'])
          .having(sql`sum(score)`, '>', 0),
      )
      .compile(),
    addTo(
      reversals
        .select(['user_id', sql.lit('all').as('period'), sql<number>`sum(score)`.as('score'), droppedReport.as('bugs')])
        .groupBy('user_id'),
    ),
    addTo(
      reversals.select([
        'user_id',
        'period',
        'score',
        sql<number>`CASE WHEN period = ${reportMonth} THEN ${droppedReport} ELSE 0 END`.as('bugs'),
      ]),
    ),
    ...refreshCounters(db, counterKey(bug)),
  ];
  await db.batch(statements);
}
