import type { CompiledQuery } from 'kysely';
import { tombstoneUsername } from '../lib/credentials';
import { newSessionKey } from '../lib/session';
import { revokeAllApiTokens } from './api-tokens';
import type { DB } from './index';
import { insertMail, type Mail } from './outbox';
import type { NotifyEmail } from './schema';
import { insertToken, pruneTokens, revokeTokens } from './tokens';

/** An account as the account flows need it; deleted accounts are never found by address. */
export interface AccountRow {
  id: number;
  username: string;
  email: string;
  password_hash: string;
  session_version: number;
  session_key: string | null;
  email_verified_at: string | null;
  /** Notification mail: off, instant or daily (issue 13). */
  notify_email: NotifyEmail;
}

const ACCOUNT_COLUMNS = [
  'id',
  'username',
  'email',
  'password_hash',
  'session_version',
  'session_key',
  'email_verified_at',
  'notify_email',
] as const;

/** The live account with this address (case-insensitive: the column is COLLATE NOCASE). */
export async function findAccountByEmail(db: DB, email: string): Promise<AccountRow | undefined> {
  return db
    .selectFrom('users')
    .select(ACCOUNT_COLUMNS)
    .where('email', '=', email)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function findAccountById(db: DB, id: number): Promise<AccountRow | undefined> {
  return db
    .selectFrom('users')
    .select(ACCOUNT_COLUMNS)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** A token to write and the mail that carries it, for one batch. */
export interface MailedToken {
  hash: string;
  mail: Mail;
}

/**
 * Creates an unconfirmed account, its confirm-email token and the mail with the link, all in one
 * batch: no account without its mail, no mail without its account. The token and mail rows are
 * tied to the new row by its password hash (random salt: only this sign-up's row has it), so when
 * the insert does nothing (the username or address was taken a moment ago) neither is written.
 * Returns whether the account was created and the outbox ids to enqueue.
 */
export async function createAccount(
  db: DB,
  u: { username: string; email: string; passwordHash: string; skeleton: string },
  token: MailedToken,
  now = new Date(),
): Promise<{ created: boolean; outboxIds: number[] }> {
  const thisRow = db
    .selectFrom('users')
    .select('id')
    .where('email', '=', u.email)
    .where('password_hash', '=', u.passwordHash);
  const tokenQuery = db
    .insertInto('email_tokens')
    .columns(['token_hash', 'user_id', 'purpose', 'email', 'created_at', 'expires_at'])
    .expression((eb) =>
      thisRow
        .clearSelect()
        .select([
          eb.val(token.hash).as('token_hash'),
          'id',
          eb.val('verify').as('purpose'),
          eb.val(u.email).as('email'),
          eb.val(now.toISOString()).as('created_at'),
          eb.val(new Date(now.getTime() + 24 * 3600 * 1000).toISOString()).as('expires_at'),
        ]),
    )
    .compile();
  const results = await db.batch([
    pruneTokens(db, now),
    db
      .insertInto('users')
      .values({
        username: u.username,
        email: u.email,
        password_hash: u.passwordHash,
        session_key: newSessionKey(),
        username_skeleton: u.skeleton,
      })
      .onConflict((oc) => oc.doNothing())
      .compile(),
    tokenQuery,
    insertMail(db, token.mail, now, thisRow),
  ]);
  const created = (results[1]?.meta.changes ?? 0) > 0;
  return { created, outboxIds: idsOf(results[3]) };
}

/** The ids a `RETURNING id` statement of a batch gave back. */
export function idsOf(result: D1Result<Record<string, unknown>> | undefined): number[] {
  return (result?.results ?? []).flatMap((r) => (typeof r.id === 'number' ? [r.id] : []));
}

/** One or more mails (and the token one of them carries), written together; returns the outbox ids. */
export async function writeMail(
  db: DB,
  mails: Mail[],
  token?: { hash: string; userId: number; purpose: 'verify' | 'reset' | 'change_email'; email: string },
  now = new Date(),
): Promise<number[]> {
  const statements: CompiledQuery[] = [...mails.map((m) => insertMail(db, m, now)), pruneTokens(db, now)];
  if (token) statements.push(insertToken(db, { ...token, now }));
  const results = await db.batch(statements);
  return results.slice(0, mails.length).flatMap((r) => idsOf(r));
}

/**
 * The one batch a request that mails nobody writes instead (an unknown address, a limit reached):
 * it tidies expired links, so such a request costs what a mailing one costs and looks the same.
 */
export async function writeNoMail(db: DB, now = new Date()): Promise<void> {
  await db.batch([pruneTokens(db, now)]);
}

/** The user's choice of notification mail (settings). */
export async function setNotifyEmail(db: DB, userId: number, value: NotifyEmail): Promise<void> {
  await db.updateTable('users').set({ notify_email: value }).where('id', '=', userId).execute();
}

/** Marks the address confirmed (a confirm link was used). */
export async function markEmailVerified(db: DB, userId: number, now = new Date()): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now.toISOString())) }))
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .execute();
}

/**
 * A new password after a reset link was used: every session ends (version bumped, session key
 * rotated), every other reset or change-email link of the account stops working, and the address
 * counts as confirmed (the link reached it). One batch.
 */
export async function resetPassword(db: DB, userId: number, passwordHash: string, now = new Date()): Promise<void> {
  await db.batch([
    db
      .updateTable('users')
      .set((eb) => ({
        password_hash: passwordHash,
        session_version: eb('session_version', '+', 1),
        session_key: newSessionKey(),
        email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now.toISOString())),
      }))
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .compile(),
    revokeTokens(db, userId, ['reset', 'change_email'], now),
    revokeAllApiTokens(db, userId, now),
  ]);
}

/** A changed password (settings): other sessions end and every API token is revoked; the caller signs this one in again. */
export async function changePassword(db: DB, userId: number, passwordHash: string, now = new Date()): Promise<void> {
  await db.batch([
    db
      .updateTable('users')
      .set((eb) => ({ password_hash: passwordHash, session_version: eb('session_version', '+', 1) }))
      .where('id', '=', userId)
      .compile(),
    revokeTokens(db, userId, ['reset'], now),
    revokeAllApiTokens(db, userId, now),
  ]);
}

/** Sign out everywhere: every cookie of the account stops matching (version and session key both change). */
export async function endAllSessions(db: DB, userId: number): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ session_version: eb('session_version', '+', 1), session_key: newSessionKey() }))
    .where('id', '=', userId)
    .execute();
}

/**
 * Moves the account to the confirmed new address. False when another account holds it by now
 * (the unique index refuses), or the account is gone.
 */
export async function applyEmailChange(db: DB, userId: number, email: string, now = new Date()): Promise<boolean> {
  try {
    const r = await db
      .updateTable('users')
      .set({ email, email_verified_at: now.toISOString() })
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  } catch (err) {
    if (String(err).includes('UNIQUE constraint failed')) return false;
    throw err;
  }
}

/** Everything the account holder may download about themselves (GET /settings/export.json). */
export async function exportAccount(db: DB, userId: number) {
  const [account, reports, comments, points, upvotes] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'username', 'email', 'role', 'created_at', 'email_verified_at'])
      .where('id', '=', userId)
      .executeTakeFirst(),
    db
      .selectFrom('bugs')
      .innerJoin('domains', 'domains.id', 'bugs.domain_id')
      .select([
        'bugs.id',
        'bugs.url',
        'domains.hostname',
        'bugs.title',
        'bugs.description',
        'bugs.label',
        'bugs.severity',
        'bugs.status',
        'bugs.is_hidden',
        'bugs.upvotes',
        'bugs.created_at',
        'bugs.updated_at',
      ])
      .where('bugs.user_id', '=', userId)
      .orderBy('bugs.id')
      .execute(),
    db
      .selectFrom('comments')
      .select(['id', 'bug_id', 'body', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('points')
      .select(['id', 'bug_id', 'domain_id', 'score', 'reason', 'period', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db.selectFrom('upvotes').select(['bug_id', 'created_at']).where('user_id', '=', userId).execute(),
  ]);
  return { account, reports, comments, points, upvotes };
}

/**
 * What goes with the account's PRIVATE reports when it is deleted: the reports themselves and
 * every row hanging off them, deleted explicitly (no ON DELETE CASCADE is relied on). A private
 * report was never public, so keeping it would keep the person's data with nobody to answer for
 * it. Tables that later hang off bugs add their deletes here.
 */
export function privateReportDeletes(db: DB, bugIds: number[]): CompiledQuery[] {
  if (bugIds.length === 0) return [];
  return [
    db.deleteFrom('upvotes').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('comments').where('bug_id', 'in', bugIds).compile(),
    // Ledger rows before the timeline events they name (points.event_id).
    db.deleteFrom('points').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('screenshots').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('bug_revisions').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('bug_flags').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('notifications').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('disclosure_events').where('bug_id', 'in', bugIds).compile(),
    db.deleteFrom('bug_events').where('bug_id', 'in', bugIds).compile(),
    // Other reports that named one of these as their original keep their state, without the link.
    db.updateTable('bug_events').set({ duplicate_of: null }).where('duplicate_of', 'in', bugIds).compile(),
    db.updateTable('bugs').set({ duplicate_of: null }).where('duplicate_of', 'in', bugIds).compile(),
    db.deleteFrom('recent_posts').where('target_id', 'in', bugIds).where('key', 'like', 'report:%').compile(),
    db.deleteFrom('bugs').where('id', 'in', bugIds).compile(),
  ];
}

/**
 * Deletes an account, in one batch (README "Deleting an account"):
 * - its private reports and everything on them go (privateReportDeletes);
 * - its public reports and comments stay, their author now the tombstone row (never NULL, which
 *   would make them look anonymous), shown as "deleted user";
 * - its upvotes go, each bug's count going down with them;
 * - its ledger and scores go, so it leaves every leaderboard;
 * - its links, API tokens, queued mail and login attempts go; its sessions die (version bumped, session key
 *   rotated); its address and username are freed, so the address can sign up again.
 * Returns the ids of the deleted private reports and the keys of their screenshots, for removing
 * what lives outside D1 (the R2 objects) after the batch has committed.
 */
export async function deleteAccount(
  db: DB,
  userId: number,
  now = new Date(),
): Promise<{ deletedBugIds: number[]; screenshots: { key: string }[] }> {
  const user = await db.selectFrom('users').select(['email']).where('id', '=', userId).executeTakeFirst();
  if (!user) return { deletedBugIds: [], screenshots: [] };
  const privateBugs = await db
    .selectFrom('bugs')
    .select('id')
    .where('user_id', '=', userId)
    .where('is_hidden', '=', 1)
    .execute();
  const bugIds = privateBugs.map((b) => b.id);
  const screenshots = bugIds.length
    ? await db.selectFrom('screenshots').select('key').where('bug_id', 'in', bugIds).execute()
    : [];
  const tombstone = tombstoneUsername();
  await db.batch([
    ...privateReportDeletes(db, bugIds),
    db
      .updateTable('bugs')
      .set((eb) => ({ upvotes: eb('upvotes', '-', 1) }))
      .where('id', 'in', (eb) => eb.selectFrom('upvotes').select('bug_id').where('user_id', '=', userId))
      .compile(),
    db.deleteFrom('upvotes').where('user_id', '=', userId).compile(),
    db.deleteFrom('points').where('user_id', '=', userId).compile(),
    db.deleteFrom('user_scores').where('user_id', '=', userId).compile(),
    db.deleteFrom('email_tokens').where('user_id', '=', userId).compile(),
    db.deleteFrom('api_tokens').where('user_id', '=', userId).compile(),
    // Their inbox, their claims and their ownerships (a domain may be left without owners: an
    // admin or a new claim gives it some again). Notifications they caused stay, by "deleted user".
    db.deleteFrom('notifications').where('user_id', '=', userId).compile(),
    db.deleteFrom('domain_claims').where('user_id', '=', userId).compile(),
    db.deleteFrom('domain_owners').where('user_id', '=', userId).compile(),
    db.deleteFrom('outbox').where('to_address', '=', user.email).compile(),
    db.deleteFrom('login_attempts').where('account', '=', `u:${userId}`).compile(),
    db
      .updateTable('users')
      .set((eb) => ({
        username: tombstone,
        username_skeleton: null,
        email: `${tombstone}@deleted.invalid`,
        password_hash: '!deleted',
        role: 'user',
        session_version: eb('session_version', '+', 1),
        session_key: newSessionKey(),
        email_verified_at: null,
        deleted_at: now.toISOString(),
      }))
      .where('id', '=', userId)
      .compile(),
  ]);
  return { deletedBugIds: bugIds, screenshots };
}
