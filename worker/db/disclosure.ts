import { type CompiledQuery, sql } from 'kysely';
import type { MailParts } from '../../views/mail';
import { refreshCounters } from './counters';
import { type DB, monthKey } from './index';
import { notifiedMailIds, notifyQueries } from './notifications';
import { firstOf, prepared, rowsOf } from './prepared';
import type { DisclosureKind, Label, State } from './schema';
import { scorecardContribution } from './scorecards';

/** An owner's one extension moves the date by at most this many days. */
export const MAX_EXTENSION_DAYS = 30;
/** States in which a report is never published (README "Disclosure"). */
export const NEVER_PUBLISHED: readonly State[] = ['spam', 'duplicate'];

/** What the disclosure rules need to know about a report. */
export interface DisclosureRow {
  id: number;
  user_id: number | null;
  domain_id: number;
  title: string;
  label: Label;
  state: State;
  is_hidden: 0 | 1;
  created_at: string;
  disclose_at: string | null;
  disclosure_extended_at: string | null;
}

export async function disclosureRow(db: DB, bugId: number): Promise<DisclosureRow | undefined> {
  return firstOf(db, disclosureRowQuery(db, bugId));
}

/** Read by every bug page, like the events below: prepared (db/prepared.ts). */
const disclosureRowQuery = prepared((db, bugId: number) =>
  db
    .selectFrom('bugs')
    .select([
      'id',
      'user_id',
      'domain_id',
      'title',
      'label',
      'state',
      'is_hidden',
      'created_at',
      'disclose_at',
      'disclosure_extended_at',
    ])
    .where('id', '=', bugId),
);

export interface DisclosureEvent {
  id: number;
  kind: DisclosureKind;
  disclose_at: string | null;
  reason: string;
  created_at: string;
  username: string | null;
}

/** A report's disclosure timeline, oldest first. */
export async function disclosureEvents(db: DB, bugId: number): Promise<DisclosureEvent[]> {
  return rowsOf(db, disclosureEventsQuery(db, bugId));
}

const disclosureEventsQuery = prepared((db, bugId: number) =>
  db
    .selectFrom('disclosure_events as e')
    .leftJoin('users as u', 'u.id', 'e.user_id')
    .select(['e.id', 'e.kind', 'e.disclose_at', 'e.reason', 'e.created_at', 'u.username'])
    .where('e.bug_id', '=', bugId)
    .orderBy('e.created_at', 'asc')
    .orderBy('e.id', 'asc')
    .limit(100),
);

/** Whether an owner (or admin) of the report's domain said the reporter may publish early. */
export async function hasConsent(db: DB, bugId: number): Promise<boolean> {
  const row = await db
    .selectFrom('disclosure_events')
    .select('id')
    .where('bug_id', '=', bugId)
    .where('kind', '=', 'consented')
    .executeTakeFirst();
  return row !== undefined;
}

/** YYYY-MM-DD + n days. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Moves a private report's disclosure date, with its timeline event and the reporter's
 * notification, in one batch guarded by the date it was read with (and, for an owner's
 * extension, by the extension being unused), so two extensions can never both land.
 * Returns the outbox ids of notification mail, or null when the guard failed.
 */
export async function setDiscloseAt(
  db: DB,
  bug: DisclosureRow,
  change: { date: string; reason: string; actorId: number; extension: boolean },
  now = new Date(),
): Promise<number[] | null> {
  const iso = now.toISOString();
  let update = db
    .updateTable('bugs')
    .set({ disclose_at: change.date, ...(change.extension ? { disclosure_extended_at: iso } : {}) })
    .where('id', '=', bug.id)
    .where('is_hidden', '=', 1)
    .where('disclose_at', 'is', bug.disclose_at);
  if (change.extension) update = update.where('disclosure_extended_at', 'is', null);
  const kind: DisclosureKind = change.extension ? 'extended' : 'date_set';
  const happened = sql<boolean>`EXISTS (SELECT 1 FROM disclosure_events WHERE bug_id = ${bug.id} AND kind = ${kind} AND created_at = ${iso})`;
  const results = await db.batch([
    update.compile(),
    sql`INSERT INTO disclosure_events (bug_id, user_id, kind, disclose_at, reason, created_at)
      SELECT ${bug.id}, ${change.actorId}, ${kind}, ${change.date}, ${change.reason}, ${iso}
      WHERE changes() = 1`.compile(db),
    ...notifyQueries(db, {
      kind: 'disclosure_date',
      to: { users: [bug.user_id], ownersOf: bug.domain_id },
      bugId: bug.id,
      domainId: bug.domain_id,
      actorId: change.actorId,
      summary: `Disclosure date moved to ${change.date}: ${change.reason}`.slice(0, 500),
      when: happened,
      now,
    }),
  ]);
  if ((results[1]?.meta.changes ?? 0) !== 1) return null;
  return notifiedMailIds(results);
}

/** Records an owner's consent to early publication (once; later consents change nothing). */
export async function recordConsent(db: DB, bug: DisclosureRow, actorId: number, now = new Date()): Promise<boolean> {
  const iso = now.toISOString();
  const res = await sql`INSERT INTO disclosure_events (bug_id, user_id, kind, disclose_at, reason, created_at)
    SELECT ${bug.id}, ${actorId}, 'consented', ${bug.disclose_at}, 'The domain owner agreed to publication.', ${iso}
    WHERE NOT EXISTS (SELECT 1 FROM disclosure_events WHERE bug_id = ${bug.id} AND kind = 'consented')`.execute(db);
  return Number(res.numAffectedRows ?? 0) > 0;
}

/**
 * Publishes a private report, in ONE batch: the report becomes public (guarded: still private,
 * not spam nor a duplicate), its 'published' event, the reporter's "Domain added" point if it is
 * now the domain's first public report (DESIGN.md: a private report earns it when it becomes
 * public while still the first) and their public report count, the public counters, the
 * scorecard, and the notifications (reporter and owners) with their mail. Everything after the
 * update hangs on the event it let through. Returns the outbox ids, or null when nothing changed.
 */
export async function publishBug(
  db: DB,
  bug: DisclosureRow,
  opts: { actorId: number | null; why: string; mail?: Omit<MailParts, 'to'> },
  now = new Date(),
): Promise<number[] | null> {
  const iso = now.toISOString();
  const never = sql.join(NEVER_PUBLISHED.map((s) => sql`${s}`));
  const published = sql<boolean>`EXISTS (SELECT 1 FROM disclosure_events WHERE bug_id = ${bug.id} AND kind = 'published' AND created_at = ${iso})`;
  const statements: CompiledQuery[] = [
    sql`UPDATE bugs SET is_hidden = 0, disclose_at = NULL, updated_at = ${iso}
      WHERE id = ${bug.id} AND is_hidden = 1 AND state NOT IN (${never})`.compile(db),
    sql`INSERT INTO disclosure_events (bug_id, user_id, kind, disclose_at, reason, created_at)
      SELECT ${bug.id}, ${opts.actorId}, 'published', ${bug.disclose_at}, ${opts.why}, ${iso}
      WHERE changes() = 1`.compile(db),
    sql`INSERT INTO points (user_id, bug_id, domain_id, score, reason, created_at, period, award)
      SELECT b.user_id, b.id, b.domain_id, 1, 'Domain added', ${iso}, ${monthKey(now)}, 'domain'
      FROM bugs b
      WHERE b.id = ${bug.id} AND b.user_id IS NOT NULL AND b.is_hidden = 0 AND ${published}
        AND NOT EXISTS (SELECT 1 FROM bugs o WHERE o.domain_id = b.domain_id AND o.is_hidden = 0 AND o.id != b.id)
        AND NOT EXISTS (SELECT 1 FROM points p WHERE p.bug_id = b.id AND p.award = 'domain')`.compile(db),
    ...['all', monthKey(now)].map((period) =>
      sql`INSERT INTO user_scores (user_id, period, score, bugs)
        SELECT user_id, ${period}, score, 0 FROM points
        WHERE bug_id = ${bug.id} AND award = 'domain' AND created_at = ${iso}
        ON CONFLICT (user_id, period) DO UPDATE SET score = user_scores.score + excluded.score`.compile(db),
    ),
    sql`INSERT INTO user_scores (user_id, period, score, bugs)
      SELECT b.user_id, p.period, 0, 1
      FROM bugs b, (SELECT 'all' AS period UNION ALL SELECT ${monthKey(bug.created_at)}) AS p
      WHERE b.id = ${bug.id} AND b.user_id IS NOT NULL AND ${published}
      ON CONFLICT (user_id, period) DO UPDATE SET bugs = user_scores.bugs + excluded.bugs`.compile(db),
    ...refreshCounters(db, { createdAt: bug.created_at, label: bug.label, domain: { id: bug.domain_id } }),
    ...scorecardContribution(db, bug.id, 1, published),
    ...notifyQueries(db, {
      kind: 'published',
      to: { users: [bug.user_id], ownersOf: bug.domain_id },
      bugId: bug.id,
      domainId: bug.domain_id,
      actorId: opts.actorId,
      summary: `Published: ${opts.why}`.slice(0, 500),
      mail: opts.mail,
      when: published,
      now,
    }),
  ];
  const results = await db.batch(statements);
  if ((results[1]?.meta.changes ?? 0) !== 1) return null;
  return notifiedMailIds(results);
}

/** Private reports whose date has come (UTC `today` or earlier), oldest date first, never spam or duplicates. */
export async function dueReports(db: DB, today: string, limit: number): Promise<DisclosureRow[]> {
  return db
    .selectFrom('bugs')
    .select([
      'id',
      'user_id',
      'domain_id',
      'title',
      'label',
      'state',
      'is_hidden',
      'created_at',
      'disclose_at',
      'disclosure_extended_at',
    ])
    .where('is_hidden', '=', 1)
    .where('disclose_at', '<=', today)
    .where('state', 'not in', NEVER_PUBLISHED)
    .orderBy('disclose_at', 'asc')
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
}
