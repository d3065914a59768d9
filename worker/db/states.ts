import { type CompiledQuery, type RawBuilder, type SqlBool, sql } from 'kysely';
import { ACCEPTED_POINTS, type Award, FIXED_POINTS, type Move, pointsEffect, statusOf } from '../lib/states';
import { type Viewer, visibleTo } from './bugs';
import { refreshCounters } from './counters';
import { type DB, monthKey } from './index';
import { notifiedMailIds, notifyQueries } from './notifications';
import type { Mail } from './outbox';
import { firstOf, prepared, preparedPerViewer, rowsOf } from './prepared';
import type { BugEventsTable, FlagReason, Label, Severity, State } from './schema';
import { scorecardStatements } from './scorecards';

/** What a move needs to know about a report (read just before its batch). */
export interface StateRow {
  id: number;
  user_id: number | null;
  domain_id: number;
  state: State;
  severity: Severity;
  label: Label;
  created_at: string;
  is_hidden: 0 | 1;
  closed_by: number | null;
  duplicate_of: number | null;
}

/** The report's current state and what its points and counters depend on. */
export async function stateRow(db: DB, bugId: number): Promise<StateRow | undefined> {
  return db
    .selectFrom('bugs')
    .select([
      'id',
      'user_id',
      'domain_id',
      'state',
      'severity',
      'label',
      'created_at',
      'is_hidden',
      'closed_by',
      'duplicate_of',
    ])
    .where('id', '=', bugId)
    .executeTakeFirst();
}

/**
 * The move that brought the report into its current state (the last one that was not itself a
 * reopen): a reopen goes back to its `from_state` and restores the points it took back.
 * Reports closed before the timeline existed have none; they reopen to 'new'.
 */
export async function entryEvent(db: DB, bugId: number, state: State) {
  return db
    .selectFrom('bug_events')
    .select(['id', 'from_state'])
    .where('bug_id', '=', bugId)
    .where('to_state', '=', state)
    .where('kind', '!=', 'reopened')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface StateChange {
  bug: StateRow;
  /** Who moves it (null: a script or maintenance). */
  actorId: number | null;
  move: Move;
  kind: BugEventsTable['kind'];
  note: string;
  /** The original, when moving to 'duplicate'. */
  duplicateOf?: number | null;
  /** More statements for the same batch (e.g. resolving flags); they run only if the move did. */
  also?: (event: RawBuilder<number>) => CompiledQuery[];
  /** The reporter's mail about the move (issue 13), for those who chose instant mail; none without it. */
  mail?: (move: { from: State; to: State }) => Promise<Omit<Mail, 'to'>>;
}

/**
 * Moves a report to another state in ONE batch: the bug (state and status in step, closed_at,
 * duplicate_of), its timeline event, the ledger rows the move books (worker/lib/states.ts
 * pointsEffect) and the user_scores they change, the reporter's public `bugs` count (spam), and
 * the public counters. The bug update is guarded by the state it was read in, and everything
 * after it hangs on the event that update let through: a concurrent move makes this one write
 * nothing. Returns the new event's id and the state reached, or null when it lost that race.
 */
let lastMove = 0;

/**
 * The time of a move, never the same millisecond twice in this isolate: a Worker's clock stands
 * still between I/O, and the move's event is found again by (bug, time) inside its batch.
 */
function distinctNow(): string {
  lastMove = Math.max(Date.now(), lastMove + 1);
  return new Date(lastMove).toISOString();
}

export async function changeState(
  db: DB,
  change: StateChange,
): Promise<{ eventId: number; to: State; mailIds: number[] } | null> {
  const { bug, move } = change;
  const from = bug.state;
  const now = distinctNow();
  let to = move.to;
  let restoreFrom: number | null = null;
  if (move.reopen) {
    const entry = await entryEvent(db, bug.id, from);
    to = entry?.from_state ?? 'new';
    restoreFrom = entry?.id ?? null;
  }
  const status = statusOf(to);
  const wasOpen = statusOf(from) === 'open';
  const closing =
    status === 'open'
      ? { closed_at: null, closed_by: null }
      : wasOpen
        ? { closed_at: now, closed_by: change.actorId }
        : {};
  // A duplicate keeps its original through spam and back (undo spam returns it to 'duplicate').
  const original =
    to === 'duplicate' && !move.reopen
      ? { duplicate_of: change.duplicateOf ?? null }
      : to === 'spam' || to === 'duplicate'
        ? {}
        : { duplicate_of: null };
  /** This move's event, inside the batch: NULL when the guarded update did not happen. */
  const ev = sql<number>`(SELECT max(id) FROM bug_events WHERE bug_id = ${bug.id} AND created_at = ${now})`;
  const statements: CompiledQuery[] = [
    db
      .updateTable('bugs')
      .set({
        state: to,
        status,
        updated_at: now,
        ...original,
        ...closing,
      })
      .where('id', '=', bug.id)
      .where('state', '=', from)
      .compile(),
    // changes(): only when this batch's guarded update changed the row (a concurrent move that
    // wrote the same state and time must not make this one count too).
    sql`INSERT INTO bug_events (bug_id, user_id, kind, from_state, to_state, note, duplicate_of, created_at)
      SELECT id, ${change.actorId}, ${change.kind}, ${from}, ${to}, ${change.note}, duplicate_of, ${now}
      FROM bugs WHERE id = ${bug.id} AND state = ${to} AND updated_at = ${now} AND changes() = 1
      RETURNING id`.compile(db),
    ...ledgerStatements(db, bug, from, to, move.reopen, restoreFrom, ev, now),
    ...refreshCounters(db, { createdAt: bug.created_at, label: bug.label, domain: { id: bug.domain_id } }),
    ...scorecardStatements(db, { bugId: bug.id, from, to, kind: change.kind, now }, ev),
    ...(change.also?.(ev) ?? []),
    ...moveNotices(db, change, from, to, ev, change.mail && (await change.mail({ from, to }))),
  ];
  const results = await db.batch<{ id: number }>(statements);
  const eventId = results[1]?.results[0]?.id;
  return typeof eventId === 'number' ? { eventId, to, mailIds: notifiedMailIds(results) } : null;
}

/** The reporter hears of every move of their report made by someone else (issue 13), if it happened. */
function moveNotices(
  db: DB,
  change: StateChange,
  from: State,
  to: State,
  ev: RawBuilder<number>,
  mail?: Omit<Mail, 'to'>,
) {
  return notifyQueries(db, {
    kind: 'state_changed',
    to: { users: [change.bug.user_id] },
    bugId: change.bug.id,
    domainId: change.bug.domain_id,
    actorId: change.actorId,
    fromState: from,
    toState: to,
    summary: change.note.slice(0, 500),
    mail,
    when: sql<SqlBool>`${ev} IS NOT NULL`,
  });
}

const LEDGER_COLUMNS = sql`(user_id, bug_id, domain_id, score, reason, created_at, period, award, event_id)`;

/** The ledger rows and score changes of one move (see pointsEffect), all keyed on its event. */
function ledgerStatements(
  db: DB,
  bug: StateRow,
  from: State,
  to: State,
  reopen: boolean,
  restoreFrom: number | null,
  ev: RawBuilder<number>,
  now: string,
): CompiledQuery[] {
  const effect = pointsEffect(from, to, reopen);
  const reason = effect.reason ?? '';
  const out: CompiledQuery[] = [];
  if (effect.award) {
    const score = effect.award === 'accepted' ? ACCEPTED_POINTS[bug.severity] : FIXED_POINTS;
    // Never twice: only when the report holds none of this award now.
    if (score > 0) {
      out.push(
        sql`INSERT INTO points ${LEDGER_COLUMNS}
          SELECT b.user_id, b.id, b.domain_id, ${score}, ${reason}, ${now}, ${monthKey(now)}, ${effect.award}, ${ev}
          FROM bugs b
          WHERE b.id = ${bug.id} AND b.user_id IS NOT NULL AND ${ev} IS NOT NULL
            AND (SELECT coalesce(sum(score), 0) FROM points WHERE bug_id = ${bug.id} AND award = ${effect.award}) = 0`.compile(
          db,
        ),
      );
    }
  }
  if (effect.takeBack === 'all') {
    // Everything still held, per user and month: one row each, taken back in the month it was
    // booked in. Its award stays NULL: a report in spam or duplicate earns nothing until it is
    // reopened, which restores these rows, so the per-award sums only matter outside them.
    out.push(
      sql`INSERT INTO points ${LEDGER_COLUMNS}
        SELECT user_id, bug_id, max(domain_id), -sum(score), ${reason}, ${now}, period, NULL, ${ev}
        FROM points
        WHERE bug_id = ${bug.id} AND ${ev} IS NOT NULL
        GROUP BY user_id, period
        HAVING sum(score) > 0`.compile(db),
    );
  } else if (effect.takeBack) {
    const awards = sql.join(effect.takeBack.map((a: Award) => sql`${a}`));
    // What is held of these awards, per user, month and award, taken back in its own month.
    out.push(
      sql`INSERT INTO points ${LEDGER_COLUMNS}
        SELECT user_id, bug_id, max(domain_id), -sum(score), ${reason}, ${now}, period, award, ${ev}
        FROM points
        WHERE bug_id = ${bug.id} AND award IN (${awards}) AND ${ev} IS NOT NULL
        GROUP BY user_id, period, award
        HAVING sum(score) > 0`.compile(db),
    );
  }
  if (effect.restore && restoreFrom !== null) {
    // The rows the undone move booked, reversed, each in its own month ("booked as the original was").
    out.push(
      sql`INSERT INTO points ${LEDGER_COLUMNS}
        SELECT user_id, bug_id, domain_id, -score, ${reason}, ${now}, period, award, ${ev}
        FROM points
        WHERE event_id = ${restoreFrom} AND ${ev} IS NOT NULL`.compile(db),
    );
  }
  if (out.length > 0) {
    out.push(
      sql`INSERT INTO user_scores (user_id, period, score, bugs)
        SELECT user_id, 'all', sum(score), 0 FROM points WHERE event_id = ${ev} GROUP BY user_id
        ON CONFLICT (user_id, period) DO UPDATE SET score = user_scores.score + excluded.score`.compile(db),
      sql`INSERT INTO user_scores (user_id, period, score, bugs)
        SELECT user_id, period, sum(score), 0 FROM points WHERE event_id = ${ev} GROUP BY user_id, period
        ON CONFLICT (user_id, period) DO UPDATE SET score = user_scores.score + excluded.score`.compile(db),
    );
  }
  // Public counts leave spam out: the reporter's `bugs` (all time and the report's month).
  const bugsDelta = to === 'spam' ? -1 : from === 'spam' ? 1 : 0;
  if (bugsDelta !== 0) {
    out.push(
      sql`INSERT INTO user_scores (user_id, period, score, bugs)
        SELECT b.user_id, p.period, 0, ${bugsDelta}
        FROM bugs b, (SELECT 'all' AS period UNION ALL SELECT ${monthKey(bug.created_at)}) AS p
        WHERE b.id = ${bug.id} AND b.user_id IS NOT NULL AND b.is_hidden = 0 AND ${ev} IS NOT NULL
        ON CONFLICT (user_id, period) DO UPDATE SET bugs = user_scores.bugs + excluded.bugs`.compile(db),
    );
  }
  return out;
}

/**
 * Marks a report spam: the one spam transition every path uses (the state form, the spam
 * confirm step, the flag queue, the old status route). Takes back everything the report earned,
 * drops it from public lists and counts, and records who did it. Null when it was already spam
 * or changed meanwhile.
 */
export async function markSpam(
  db: DB,
  bug: { id: number },
  opts: { actorId?: number | null; note?: string; also?: StateChange['also'] } = {},
) {
  const row = await stateRow(db, bug.id);
  if (!row || row.state === 'spam') return null;
  return changeState(db, {
    bug: row,
    actorId: opts.actorId ?? null,
    move: { to: 'spam', reopen: false },
    kind: 'state_changed',
    note: opts.note ?? '',
    also: opts.also,
  });
}

export interface TimelineEvent {
  id: number;
  kind: BugEventsTable['kind'];
  from_state: State;
  to_state: State;
  note: string;
  duplicate_of: number | null;
  created_at: string;
  username: string | null;
}

/** At most this many events of one report are read at once. */
export const TIMELINE_MAX = 500;

/** Events of a report, oldest first, optionally only those after / up to a moment. */
export async function timeline(
  db: DB,
  bugId: number,
  range: { after?: string | null; upTo?: string | null } = {},
): Promise<TimelineEvent[]> {
  // The bug page's newest comments page reads the whole timeline: that read is prepared.
  if (!range.after && !range.upTo) return rowsOf(db, wholeTimeline(db, bugId));
  let q = timelineColumns(db, bugId);
  if (range.after) q = q.where('bug_events.created_at', '>', range.after);
  if (range.upTo) q = q.where('bug_events.created_at', '<=', range.upTo);
  return q.orderBy('bug_events.created_at', 'asc').orderBy('bug_events.id', 'asc').limit(TIMELINE_MAX).execute();
}

const wholeTimeline = prepared((db, bugId: number) =>
  timelineColumns(db, bugId)
    .orderBy('bug_events.created_at', 'asc')
    .orderBy('bug_events.id', 'asc')
    .limit(TIMELINE_MAX),
);

function timelineColumns(db: DB, bugId: number) {
  return db
    .selectFrom('bug_events')
    .leftJoin('users', 'users.id', 'bug_events.user_id')
    .select([
      'bug_events.id',
      'bug_events.kind',
      'bug_events.from_state',
      'bug_events.to_state',
      'bug_events.note',
      'bug_events.duplicate_of',
      'bug_events.created_at',
      'users.username',
    ])
    .where('bug_events.bug_id', '=', bugId);
}

/** The comment just before a moment: where the previous comments page ended. */
export async function commentBefore(db: DB, bugId: number, at: { createdAt: string; id: number }) {
  const row = await db
    .selectFrom('comments')
    .select('created_at')
    .where('bug_id', '=', bugId)
    .where(({ eb, refTuple, tuple }) => eb(refTuple('created_at', 'id'), '<', tuple(at.createdAt, at.id)))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}

export interface LinkedBug {
  id: number;
  title: string;
  state: State;
}

/** The original of a duplicate, if this viewer may see it. */
export async function originalOf(db: DB, id: number, viewer: Viewer): Promise<LinkedBug | undefined> {
  return db
    .selectFrom('bugs')
    .select(['bugs.id', 'bugs.title', 'bugs.state'])
    .where('bugs.id', '=', id)
    .where(visibleTo(viewer))
    .executeTakeFirst();
}

/** Reports marked duplicates of `id` that this viewer may see, newest first. */
export async function duplicatesOf(db: DB, id: number, viewer: Viewer, limit = 50): Promise<LinkedBug[]> {
  return rowsOf(db, duplicatesQuery(db, viewer, id, limit));
}

/** Read by every bug page: prepared once per kind of viewer (db/prepared.ts). */
const duplicatesQuery = preparedPerViewer((db, viewer, id: number, limit: number) =>
  db
    .selectFrom('bugs')
    .select(['bugs.id', 'bugs.title', 'bugs.state'])
    .where('bugs.duplicate_of', '=', id)
    .where('bugs.state', '=', 'duplicate')
    .where(visibleTo(viewer))
    .orderBy('bugs.id', 'desc')
    .limit(limit),
);

/** The facts a duplicate_of must satisfy, checked by the route. */
export async function duplicateTarget(db: DB, id: number) {
  return db
    .selectFrom('bugs')
    .select(['id', 'domain_id', 'state', 'is_hidden'])
    .where('id', '=', id)
    .executeTakeFirst();
}

// ——— Suspicious-report flags ———

/** Whether this user already flagged this report. */
export async function hasFlagged(db: DB, bugId: number, userId: number): Promise<boolean> {
  return (await firstOf(db, flagOf(db, bugId, userId))) !== undefined;
}

const flagOf = prepared((db, bugId: number, userId: number) =>
  db.selectFrom('bug_flags').select('id').where('bug_id', '=', bugId).where('user_id', '=', userId),
);

/** Flags a report once per user; a second flag by the same user changes nothing (false). */
export async function addFlag(db: DB, bugId: number, userId: number, reason: FlagReason): Promise<boolean> {
  const res = await db
    .insertInto('bug_flags')
    .values({ bug_id: bugId, user_id: userId, reason, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['bug_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export interface FlaggedReport {
  bug_id: number;
  title: string;
  state: State;
  hostname: string;
  flags: number;
  reasons: string;
  first_flagged: string;
}

/** The admin queue: reports with unresolved flags, longest waiting first. */
export async function flagQueue(db: DB, limit = 100): Promise<FlaggedReport[]> {
  return db
    .selectFrom('bug_flags')
    .innerJoin('bugs', 'bugs.id', 'bug_flags.bug_id')
    .innerJoin('domains', 'domains.id', 'bugs.domain_id')
    .select([
      'bug_flags.bug_id',
      'bugs.title',
      'bugs.state',
      'domains.hostname',
      sql<number>`count(*)`.as('flags'),
      sql<string>`group_concat(DISTINCT bug_flags.reason)`.as('reasons'),
      sql<string>`min(bug_flags.created_at)`.as('first_flagged'),
    ])
    .where('bug_flags.resolved_at', 'is', null)
    .groupBy('bug_flags.bug_id')
    .orderBy('first_flagged', 'asc')
    .orderBy('bug_flags.bug_id', 'asc')
    .limit(limit)
    .execute();
}

/** Statement resolving every open flag on a report (kept, or spam), for a batch. */
export function resolveFlagsStatement(db: DB, bugId: number, adminId: number, resolution: 'kept' | 'spam') {
  return db
    .updateTable('bug_flags')
    .set({ resolved_at: new Date().toISOString(), resolved_by: adminId, resolution })
    .where('bug_id', '=', bugId)
    .where('resolved_at', 'is', null)
    .compile();
}
