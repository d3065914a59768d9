import { refreshCounters } from './counters';
import type { DB } from './index';
import type { Label, Severity } from './schema';
import { recordTitleTerms } from './search';

/** What an edit may change: the report form's fields, minus privacy. */
export interface BugEdit {
  url: string;
  hostname: string;
  title: string;
  description: string;
  label: Label;
  severity: Severity;
}

/** The report as it is before the edit: the values a revision keeps, and its counter cells. */
export interface EditedBug {
  id: number;
  url: string;
  title: string;
  description: string;
  label: Label;
  severity: Severity;
  domain_id: number;
  created_at: string;
}

/**
 * Saves an edit in one D1 batch: the new domain (first time only), a revision with the values
 * being replaced (who, when), the bug itself, and the counters both the old and the new values
 * touch. FTS follows the title through its trigger (migrations/0001), the domain pages through
 * `domain_id`. Points stay as they were booked (README "Screenshots, Markdown and editing").
 * Returns false when nothing changed (then nothing is written, not even a revision).
 */
export async function editBug(db: DB, bug: EditedBug, edit: BugEdit, editorId: number): Promise<boolean> {
  const same =
    bug.url === edit.url &&
    bug.title === edit.title &&
    bug.description === edit.description &&
    bug.label === edit.label &&
    bug.severity === edit.severity;
  if (same) return false;
  const now = new Date().toISOString();
  const domainId = db.selectFrom('domains').select('id').where('hostname', '=', edit.hostname);
  await db.batch([
    db
      .insertInto('domains')
      .values({ hostname: edit.hostname, created_at: now })
      .onConflict((oc) => oc.column('hostname').doNothing())
      .compile(),
    db
      .insertInto('bug_revisions')
      .values({
        bug_id: bug.id,
        user_id: editorId,
        created_at: now,
        url: bug.url,
        title: bug.title,
        description: bug.description,
        label: bug.label,
        severity: bug.severity,
      })
      .compile(),
    db
      .updateTable('bugs')
      .set({
        url: edit.url,
        domain_id: domainId,
        title: edit.title,
        description: edit.description,
        label: edit.label,
        severity: edit.severity,
        updated_at: now,
        edited_at: now,
      })
      .where('id', '=', bug.id)
      .compile(),
    ...refreshCounters(db, { createdAt: bug.created_at, label: bug.label, domain: { id: bug.domain_id } }),
    ...refreshCounters(db, { createdAt: bug.created_at, label: edit.label, domain: { hostname: edit.hostname } }),
    ...recordTitleTerms(db, edit.title),
  ]);
  return true;
}

/** One edit as the history shows it: the values it replaced, who and when. */
export interface Revision {
  id: number;
  created_at: string;
  username: string | null;
  url: string;
  title: string;
  description: string;
  label: Label;
  severity: Severity;
}

/** A report's revisions, newest first (a report has few; no paging needed below 200). */
export async function listRevisions(db: DB, bugId: number, limit = 200): Promise<Revision[]> {
  return db
    .selectFrom('bug_revisions')
    .leftJoin('users', 'users.id', 'bug_revisions.user_id')
    .select([
      'bug_revisions.id',
      'bug_revisions.created_at',
      'users.username',
      'bug_revisions.url',
      'bug_revisions.title',
      'bug_revisions.description',
      'bug_revisions.label',
      'bug_revisions.severity',
    ])
    .where('bug_revisions.bug_id', '=', bugId)
    .orderBy('bug_revisions.id', 'desc')
    .limit(limit)
    .execute();
}

/** A comment's author, or undefined when the comment is not on this bug. */
export async function findComment(db: DB, bugId: number, commentId: number) {
  return db
    .selectFrom('comments')
    .select(['id', 'user_id', 'deleted_at'])
    .where('id', '=', commentId)
    .where('bug_id', '=', bugId)
    .executeTakeFirst();
}

/** What a removed comment's body becomes (the column needs 1 to 5,000 characters). */
export const REMOVED_BODY = '(removed)';

/** Removes a comment's words, keeping its place in the thread; removing twice changes nothing. */
export async function removeComment(db: DB, commentId: number): Promise<void> {
  await db
    .updateTable('comments')
    .set({ body: REMOVED_BODY, deleted_at: new Date().toISOString() })
    .where('id', '=', commentId)
    .where('deleted_at', 'is', null)
    .execute();
}
