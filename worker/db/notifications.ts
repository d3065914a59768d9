import { type CompiledQuery, type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { DB } from './index';
import type { Mail } from './outbox';
import type { State } from './schema';

/**
 * In-app notifications and their mail (migrations/0009_owners.sql, README "Notifications").
 * A notification is written in the SAME `db.batch()` as the event it tells of, with the outbox
 * rows of the people who want mail at once (users.notify_email = 'instant'): no event without its
 * notifications, no notification of an event that did not happen.
 */

/** The kinds this code writes (the column takes any short lower-case word, for later kinds). */
export const NOTIFICATION_KINDS = ['state_changed', 'comment', 'new_report', 'owner_added'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number] | (string & {});

/** Who is told: some users by id, and/or every owner of a domain (read inside the batch). */
export interface Recipients {
  users?: readonly (number | null | undefined)[];
  ownersOf?: number;
}

export interface NotifyEvent {
  kind: NotificationKind;
  to: Recipients;
  /** The report (a sub-select such as `(SELECT max(id) FROM bugs)` for one the batch inserts). */
  bugId?: number | RawBuilder<number> | null;
  domainId?: number | null;
  /** Who caused it; never notified of their own act. */
  actorId?: number | null;
  fromState?: State | null;
  toState?: State | null;
  summary?: string;
  /** The mail for those who chose instant mail (one text for every recipient), if the event mails. */
  mail?: Omit<Mail, 'to'>;
  /** A condition the batch must meet for anything to be written (e.g. "the move's event exists"). */
  when?: Expression<SqlBool>;
  now?: Date;
}

/** The column name the outbox insert returns its ids under (see `notifiedMailIds`). */
const MAIL_ID = 'notify_outbox_id';

/**
 * COMPILED inserts for one event, to put in the batch that writes the event itself: the
 * notifications of every recipient (live accounts, not the actor), and one outbox mail each to
 * those with notify_email = 'instant' and a confirmed address. Pass the batch's results to
 * `notifiedMailIds` to find the outbox ids for `enqueueMail`. Empty when nobody is to be told.
 */
export function notifyQueries(db: DB, e: NotifyEvent): CompiledQuery[] {
  const ids = [...new Set((e.to.users ?? []).filter((id): id is number => typeof id === 'number'))];
  if (ids.length === 0 && e.to.ownersOf === undefined) return [];
  const now = (e.now ?? new Date()).toISOString();
  const byId = ids.length ? sql`u.id IN (${sql.join(ids)})` : sql`0`;
  const byOwner =
    e.to.ownersOf === undefined
      ? sql`0`
      : sql`u.id IN (SELECT user_id FROM domain_owners WHERE domain_id = ${e.to.ownersOf})`;
  const notActor = e.actorId == null ? sql`1` : sql`u.id != ${e.actorId}`;
  const when = e.when ?? sql<SqlBool>`1`;
  const who = sql`(${byId} OR ${byOwner}) AND ${notActor} AND u.deleted_at IS NULL AND ${when}`;
  const out: CompiledQuery[] = [
    sql`INSERT INTO notifications (user_id, kind, bug_id, domain_id, actor_id, from_state, to_state, summary, created_at)
      SELECT u.id, ${e.kind}, ${e.bugId ?? null}, ${e.domainId ?? null}, ${e.actorId ?? null}, ${e.fromState ?? null},
        ${e.toState ?? null}, ${e.summary ?? ''}, ${now}
      FROM users u WHERE ${who}`.compile(db),
  ];
  if (e.mail) {
    out.push(
      sql`INSERT INTO outbox (to_address, subject, text_body, html_body, created_at)
        SELECT u.email, ${e.mail.subject}, ${e.mail.text}, ${e.mail.html}, ${now}
        FROM users u WHERE ${who} AND u.notify_email = 'instant' AND u.email_verified_at IS NOT NULL
        RETURNING id AS ${sql.raw(MAIL_ID)}`.compile(db),
    );
  }
  return out;
}

/** The outbox ids the notification mails of a batch got (any position in its results). */
export function notifiedMailIds(results: readonly D1Result<unknown>[]): number[] {
  return results.flatMap((r) =>
    (r.results ?? []).flatMap((row) => {
      if (typeof row !== 'object' || row === null || !(MAIL_ID in row)) return [];
      const id = (row as Record<string, unknown>)[MAIL_ID];
      return typeof id === 'number' ? [id] : [];
    }),
  );
}

/**
 * Notifications gathered for one write: the data function that runs the write's batch appends
 * `queries` to it and hands the batch's results to `collect`, after which `mailIds` holds the
 * outbox ids to put on the mail queue (worker/lib/mail.ts enqueueMail).
 */
export class Notices {
  readonly queries: CompiledQuery[] = [];
  mailIds: number[] = [];

  constructor(private readonly db: DB) {}

  add(event: NotifyEvent): this {
    this.queries.push(...notifyQueries(this.db, event));
    return this;
  }

  collect(results: readonly D1Result<unknown>[]): void {
    this.mailIds = notifiedMailIds(results);
  }
}

export interface NotificationItem {
  id: number;
  kind: string;
  bug_id: number | null;
  /** The report's title, only while the recipient may still see the report. */
  bug_title: string | null;
  hostname: string | null;
  actor: string | null;
  from_state: State | null;
  to_state: State | null;
  summary: string;
  created_at: string;
  read_at: string | null;
}

/**
 * One user's notifications, newest first, seeking below `before` (an id): any page costs what
 * the first does (index notifications_by_user). Returns the page and the id to continue below.
 */
export async function listNotifications(
  db: DB,
  userId: number,
  opts: { before?: number | null; limit: number },
): Promise<{ rows: NotificationItem[]; next: number | null }> {
  let q = db
    .selectFrom('notifications as n')
    .leftJoin('bugs as b', 'b.id', 'n.bug_id')
    .leftJoin('domains as d', 'd.id', 'n.domain_id')
    .leftJoin('users as a', 'a.id', 'n.actor_id')
    .select([
      'n.id',
      'n.kind',
      'n.bug_id',
      sql<string | null>`CASE WHEN b.is_hidden = 0 OR b.user_id = n.user_id OR EXISTS (
        SELECT 1 FROM domain_owners o WHERE o.domain_id = b.domain_id AND o.user_id = n.user_id) THEN b.title END`.as(
        'bug_title',
      ),
      'd.hostname',
      'a.username as actor',
      'n.from_state',
      'n.to_state',
      'n.summary',
      'n.created_at',
      'n.read_at',
    ])
    .where('n.user_id', '=', userId);
  if (opts.before) q = q.where('n.id', '<', opts.before);
  const rows = await q
    .orderBy('n.id', 'desc')
    .limit(opts.limit + 1)
    .execute();
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > opts.limit && last ? last.id : null };
}

/** Unread counts above this show as "99+": the header costs the same however many there are. */
export const UNREAD_CAP = 100;

/** The unread count, counted up to UNREAD_CAP (a bounded range of the partial index notifications_unread). */
export function unreadCountSql(userId: number) {
  return sql<number>`(SELECT count(*) FROM (SELECT 1 FROM notifications WHERE user_id = ${userId} AND read_at IS NULL
    LIMIT ${UNREAD_CAP}))`;
}

/** Unread notifications of a user, up to UNREAD_CAP. */
export async function unreadCount(db: DB, userId: number): Promise<number> {
  const row = await db.selectNoFrom(unreadCountSql(userId).as('n')).executeTakeFirst();
  return row?.n ?? 0;
}

/** Marks one notification (of this user) or all of them read; returns how many changed. */
export async function markRead(
  db: DB,
  userId: number,
  which: { id: number } | 'all',
  now = new Date(),
): Promise<number> {
  let q = db
    .updateTable('notifications')
    .set({ read_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('read_at', 'is', null);
  if (which !== 'all') q = q.where('id', '=', which.id);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}
