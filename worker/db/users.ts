import { sql } from 'kysely';
import { usernameSkeleton } from '../lib/credentials';
import { newSessionKey } from '../lib/session';
import type { SessionUser } from '../types';
import type { DB } from './index';
import { unreadCountSql } from './notifications';
import { firstOf, prepared } from './prepared';
import type { Role } from './schema';

export interface UserRow {
  id: number;
  username: string;
  email: string;
  password_hash: string;
  role: Role;
  session_version: number;
  session_key: string | null;
  email_verified_at: string | null;
}

/** Finds a live user by username or email, ignoring case (both columns are COLLATE NOCASE). */
export async function findUserByLogin(db: DB, login: string): Promise<UserRow | undefined> {
  const column = login.includes('@') ? 'email' : 'username';
  return db
    .selectFrom('users')
    .select(['id', 'username', 'email', 'password_hash', 'role', 'session_version', 'session_key', 'email_verified_at'])
    .where(column, '=', login)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The public face of an account, for its profile page; the username matches ignoring case. */
export async function findProfileUser(db: DB, username: string) {
  return db
    .selectFrom('users')
    .select(['id', 'username', 'created_at'])
    .where('username', '=', username)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The signed-in user as the header shows them, if `version` still matches (not logged out) and
 * `sessionKey` is this account's (not an earlier account that had the same id).
 */
const sessionUser = prepared((db, userId: number, version: number, sessionKey: string) =>
  db
    .selectFrom('users')
    .leftJoin('user_scores', (j) =>
      j.onRef('user_scores.user_id', '=', 'users.id').on('user_scores.period', '=', 'all'),
    )
    .select([
      'users.id',
      'users.username',
      'users.role',
      sql<number>`coalesce(user_scores.score, 0)`.as('points'),
      // The header's unread count, in the same query (bounded: worker/db/notifications.ts).
      unreadCountSql(userId).as('unread'),
    ])
    .where('users.id', '=', userId)
    .where('users.session_version', '=', version)
    .where('users.session_key', '=', sessionKey),
);

/** Every signed-in request makes this read, so it is prepared once per isolate (db/prepared.ts). */
export function sessionUserQuery(db: DB, s: { userId: number; version: number; sessionKey: string }) {
  return sessionUser(db, s.userId, s.version, s.sessionKey);
}

/** {@link sessionUserQuery}'s row, if the session still holds. */
export async function findSessionUser(
  db: DB,
  s: { userId: number; version: number; sessionKey: string },
): Promise<SessionUser | undefined> {
  return firstOf(db, sessionUserQuery(db, s));
}

/**
 * Why a username cannot be had: 'taken' (the same ignoring case) or 'similar' (the same
 * confusable skeleton as an existing one, e.g. dem0_alice next to demo_alice).
 */
export async function usernameUnavailable(db: DB, username: string): Promise<'taken' | 'similar' | undefined> {
  const rows = await db
    .selectFrom('users')
    .select('username')
    .where((eb) => eb.or([eb('username', '=', username), eb('username_skeleton', '=', usernameSkeleton(username))]))
    .execute();
  if (rows.some((r) => r.username.toLowerCase() === username.toLowerCase())) return 'taken';
  return rows.length > 0 ? 'similar' : undefined;
}

/** Ends every session of a user at once: cookies carry the old version and stop matching. */
export async function bumpSessionVersion(db: DB, id: number): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ session_version: eb('session_version', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

/** The account's session key, creating one for a row inserted without it (by hand, by a script). */
export async function ensureSessionKey(db: DB, user: { id: number; session_key: string | null }): Promise<string> {
  if (user.session_key) return user.session_key;
  const row = await db
    .updateTable('users')
    .set((eb) => ({ session_key: eb.fn.coalesce('session_key', eb.val(newSessionKey())) }))
    .where('id', '=', user.id)
    .returning('session_key')
    .executeTakeFirstOrThrow();
  return row.session_key ?? '';
}
