import { type CompiledQuery, sql } from 'kysely';
import { scopesText } from '../lib/api-tokens';
import type { SessionUser } from '../types';
import type { DB } from './index';
import { LIMIT_WINDOW_SECONDS } from './limits';
import type { ApiScope } from './schema';

/** A token as /settings/tokens lists it (never its hash). */
export interface ApiTokenItem {
  id: number;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
}

/** Tokens one account may hold at once; more is a mistake or a leak waiting to happen. */
export const MAX_TOKENS_PER_USER = 20;

/** Stores a new token's hash; false when the account already holds MAX_TOKENS_PER_USER live tokens. */
export async function insertApiToken(
  db: DB,
  t: { userId: number; name: string; scopes: ApiScope[]; hash: string },
): Promise<boolean> {
  const live = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', t.userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if ((live?.n ?? 0) >= MAX_TOKENS_PER_USER) return false;
  await db
    .insertInto('api_tokens')
    .values({ user_id: t.userId, name: t.name, scopes: scopesText(t.scopes), token_hash: t.hash })
    .execute();
  return true;
}

/** The account's live tokens, newest first. */
export function listApiTokens(db: DB, userId: number): Promise<ApiTokenItem[]> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'scopes', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
}

/** Revokes one of the account's tokens; false when it is not theirs or already revoked. */
export async function revokeApiToken(db: DB, userId: number, id: number, now = new Date()): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now.toISOString() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every live token of the account revoked: for a batch that changes or resets the password. */
export function revokeAllApiTokens(db: DB, userId: number, now = new Date()): CompiledQuery {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .compile();
}

/** A live token found by its hash, with the account it acts for (never a deleted one). */
export async function findApiToken(
  db: DB,
  hash: string,
): Promise<{ id: number; scopes: string; last_used_at: string | null; user: SessionUser } | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .leftJoin('user_scores', (j) =>
      j.onRef('user_scores.user_id', '=', 'users.id').on('user_scores.period', '=', 'all'),
    )
    .select([
      'api_tokens.id',
      'api_tokens.scopes',
      'api_tokens.last_used_at',
      'users.id as user_id',
      'users.username',
      'users.role',
      sql<number>`coalesce(user_scores.score, 0)`.as('points'),
      // The unread count the session user carries too (db/users.ts findSessionUser), for /api/auth/me.
      sql<number>`(SELECT count(*) FROM notifications WHERE notifications.user_id = users.id AND notifications.read_at IS NULL)`.as(
        'unread',
      ),
    ])
    .where('api_tokens.token_hash', '=', hash)
    .where('api_tokens.revoked_at', 'is', null)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    scopes: row.scopes,
    last_used_at: row.last_used_at,
    user: { id: row.user_id, username: row.username, role: row.role, points: row.points, unread: row.unread },
  };
}

/** How stale last_used_at may get: a busy script writes it at most once a minute. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Marks the token used now, unless it was marked within the last minute (one guarded UPDATE). */
export async function touchApiToken(db: DB, id: number, now = new Date()): Promise<void> {
  const since = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now.toISOString() })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', since)]))
    .execute();
}

/** Where a token stands in its hourly request budget (the RateLimit header fields). */
export interface ApiQuota {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends and the budget is full again. */
  reset: number;
}

/**
 * Counts one request of a token in its hourly bucket, in the same D1 table and window as the
 * write limits (db/limits.ts): one upsert whose CHECK fails past `max`, so parallel requests in
 * any isolate can never exceed it, and a refused request is not counted.
 */
export async function countApiRequest(db: DB, tokenId: number, max: number, now = Date.now()): Promise<ApiQuota> {
  const nowSeconds = Math.floor(now / 1000);
  const windowStart = nowSeconds - (nowSeconds % LIMIT_WINDOW_SECONDS);
  const reset = Math.max(1, windowStart + LIMIT_WINDOW_SECONDS - nowSeconds);
  try {
    const [, counted] = await db.batch<{ count: number }>([
      db.deleteFrom('write_limits').where('window_start', '<', windowStart).compile(),
      db
        .insertInto('write_limits')
        .values({ bucket: `api:token:${tokenId}`, window_start: windowStart, count: 1, max_count: max })
        .onConflict((oc) =>
          oc.columns(['bucket', 'window_start']).doUpdateSet({
            count: (eb) => eb('write_limits.count', '+', 1),
            max_count: (eb) => eb.ref('excluded.max_count'),
          }),
        )
        .returning('count')
        .compile(),
    ]);
    const used = counted?.results[0]?.count ?? max;
    return { ok: true, limit: max, remaining: Math.max(0, max - used), reset };
  } catch (err) {
    if (!String(err).includes('write_limit_reached')) throw err;
    return { ok: false, limit: max, remaining: 0, reset };
  }
}
