import { sql } from 'kysely';
import { POINT_REASONS, TRANSITIONS } from '../lib/states';
import type { Cursor } from './bugs';
import { claimPost } from './dedupe';
import type { DB } from './index';
import type { Notices } from './notifications';
import { firstOf, prepared, rowsOf } from './prepared';
import type { Label } from './schema';
import { changeState, commentBefore, stateRow, TIMELINE_MAX, type TimelineEvent, timeline } from './states';

/** True when this user has upvoted this bug. */
export async function hasUpvoted(db: DB, bugId: number, userId: number): Promise<boolean> {
  return (await firstOf(db, upvoteOf(db, bugId, userId))) !== undefined;
}

const upvoteOf = prepared((db, bugId: number, userId: number) =>
  db.selectFrom('upvotes').select('bug_id').where('bug_id', '=', bugId).where('user_id', '=', userId),
);

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
  /** The timeline events of this page's span (after the previous page, up to the next one). */
  events: TimelineEvent[];
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

/** The comments past a cursor, nearest first: newer ones oldest first, older ones newest first. */
function commentsPast(db: DB, bugId: number, at: Cursor, side: 'newer' | 'older', limit: number) {
  const [op, order] = side === 'newer' ? (['>', 'asc'] as const) : (['<', 'desc'] as const);
  return commentColumns(db, bugId)
    .where(({ eb, refTuple, tuple }) =>
      eb(refTuple('comments.created_at', 'comments.id'), op, tuple(at.createdAt, at.id)),
    )
    .orderBy('comments.created_at', order)
    .orderBy('comments.id', order)
    .limit(limit)
    .execute();
}

/** The bug page's two comment reads, prepared (db/prepared.ts): the count and the newest page. */
const commentTotal = prepared((db, bugId: number) =>
  db
    .selectFrom('comments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('bug_id', '=', bugId),
);
const newestComments = prepared((db, bugId: number, limit: number) =>
  commentColumns(db, bugId).orderBy('comments.created_at', 'desc').orderBy('comments.id', 'desc').limit(limit),
);

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
  const totalQuery = firstOf(db, commentTotal(db, bugId));
  // The newest page (no cursor) shows every event after the comment just before it: all of the
  // report's events are read with its rows, in the same D1 batch, and cut below.
  const everyEvent = !before && !after ? timeline(db, bugId) : null;
  everyEvent?.catch(() => {}); // awaited below; a failed rows query must not leave it unhandled
  let beforeHead: string | null = null;
  let rows: CommentItem[];
  let older: Cursor | null = null;
  let newer: Cursor | null = null;
  if (after) {
    const found = await commentsPast(db, bugId, after, 'newer', limit + 1);
    rows = found.slice(0, limit);
    const [head, last] = [rows[0], rows.at(-1)];
    if (found.length > limit && last) newer = position(last);
    older = head ? position(head) : after;
  } else {
    const found = before
      ? await commentsPast(db, bugId, before, 'older', limit + 1)
      : await rowsOf(db, newestComments(db, bugId, limit + 1)); // every bug page reads this
    rows = found.slice(0, limit).reverse();
    const [head, last] = [rows[0], rows.at(-1)];
    if (found.length > limit && head) older = position(head);
    if (!before) beforeHead = found[limit]?.created_at ?? null;
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
  // Each page shows the events after the previous page's last comment, up to its own last one
  // (the newest page: up to now), so every event appears on exactly one page.
  const head = rows[0];
  if (everyEvent) {
    const all = await everyEvent;
    const since = older ? beforeHead : null;
    const events =
      all.length < TIMELINE_MAX
        ? all.filter((e) => since === null || e.created_at > since)
        : await timeline(db, bugId, { after: since });
    return { rows, total, start: Math.max(1, start), older, newer, events };
  }
  const since = older && head ? await commentBefore(db, bugId, position(head)) : null;
  const upTo = newer ? (rows.at(-1)?.created_at ?? null) : null;
  const events = await timeline(db, bugId, { after: since, upTo });
  return { rows, total, start: Math.max(1, start), older, newer, events };
}

/**
 * Adds a comment. With `dedupeKey` (see db/dedupe.ts) the same batch claims the key, so an
 * identical comment within a minute fails as a duplicate and writes nothing.
 */
export async function addComment(
  db: DB,
  input: { bugId: number; userId: number; body: string; dedupeKey?: string; notices?: Notices },
): Promise<number> {
  const insert = db
    .insertInto('comments')
    .values({ bug_id: input.bugId, user_id: input.userId, body: input.body, created_at: new Date().toISOString() })
    .returning('id')
    .compile();
  const claim = input.dedupeKey ? claimPost(db, input.dedupeKey, sql<number>`(SELECT max(id) FROM comments)`) : [];
  const results = await db.batch<{ id: number }>([insert, ...claim, ...(input.notices?.queries ?? [])]);
  input.notices?.collect(results);
  const result = results[0];
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

/**
 * The old open/closed switch (POST /api/bugs/:id/status), as moves of a report's life: closing
 * moves an open or fixed report to `closed`; opening reopens a closed report to where it was.
 * Anything else (spam, an end state) is left alone. The timeline records either move.
 */
export async function setOpenClosed(db: DB, bug: BugRef, status: 'open' | 'closed', byUserId: number | null) {
  const row = await stateRow(db, bug.id);
  if (!row) return null;
  const reporter = byUserId !== null && byUserId === row.user_id;
  if (status === 'closed') {
    if (!TRANSITIONS[row.state].includes('closed')) return null;
    const kind = reporter ? 'withdrawn' : 'state_changed';
    return changeState(db, { bug: row, actorId: byUserId, move: { to: 'closed', reopen: false }, kind, note: '' });
  }
  if (row.state !== 'closed') return null;
  return changeState(db, {
    bug: row,
    actorId: byUserId,
    move: { to: 'closed', reopen: true },
    kind: 'reopened',
    note: '',
  });
}

export const SPAM_REASON = POINT_REASONS.spam;

/** Marks a bug spam (see db/states.ts markSpam, the one spam transition). */
export { markSpam } from './states';
