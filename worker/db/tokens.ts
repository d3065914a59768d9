import type { CompiledQuery, Expression } from 'kysely';
import type { DB } from './index';
import type { TokenPurpose } from './schema';

/** How long each kind of mailed link works. A reset link is short-lived (issue 10: 1 hour). */
export const TOKEN_LIFETIME_SECONDS: Record<TokenPurpose, number> = {
  verify: 24 * 3600,
  reset: 3600,
  change_email: 24 * 3600,
};

/**
 * The insert of a link token, for the same batch as the outbox row that mails it. `userId` may be
 * a sub-select, so a batch that creates the account can give its token the new account's id.
 */
export function insertToken(
  db: DB,
  t: { hash: string; userId: number | Expression<number>; purpose: TokenPurpose; email: string; now: Date },
): CompiledQuery {
  const expires = new Date(t.now.getTime() + TOKEN_LIFETIME_SECONDS[t.purpose] * 1000).toISOString();
  return db
    .insertInto('email_tokens')
    .values({
      token_hash: t.hash,
      user_id: t.userId,
      purpose: t.purpose,
      email: t.email,
      created_at: t.now.toISOString(),
      expires_at: expires,
    })
    .compile();
}

/** Tokens past their time are of no use to anyone: dropped in passing by every batch that adds one. */
export function pruneTokens(db: DB, now: Date): CompiledQuery {
  return db.deleteFrom('email_tokens').where('expires_at', '<', now.toISOString()).compile();
}

export type TokenState = 'valid' | 'used' | 'expired' | 'unknown';

/** What a link's page should say before anyone presses its button (no state changes on GET). */
export async function tokenState(
  db: DB,
  hash: string,
  purposes: TokenPurpose[],
  now = new Date(),
): Promise<TokenState> {
  const row = await db
    .selectFrom('email_tokens')
    .select(['used_at', 'expires_at'])
    .where('token_hash', '=', hash)
    .where('purpose', 'in', purposes)
    .executeTakeFirst();
  if (!row) return 'unknown';
  if (row.used_at) return 'used';
  return row.expires_at <= now.toISOString() ? 'expired' : 'valid';
}

/**
 * Uses a token: one conditional UPDATE (unused, unexpired, this purpose) that returns its row,
 * so two requests racing with the same link cannot both get it (exactly one sees the row).
 * Undefined when the token is unknown, used, expired or for another purpose.
 */
export async function consumeToken(
  db: DB,
  hash: string,
  purposes: TokenPurpose[],
  now = new Date(),
): Promise<{ user_id: number; email: string; purpose: TokenPurpose } | undefined> {
  return db
    .updateTable('email_tokens')
    .set({ used_at: now.toISOString() })
    .where('token_hash', '=', hash)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .returning(['user_id', 'email', 'purpose'])
    .executeTakeFirst();
}

/** Ends every unused link of one purpose for an account (a password reset ends the other reset links). */
export function revokeTokens(db: DB, userId: number, purposes: TokenPurpose[], now: Date): CompiledQuery {
  return db
    .updateTable('email_tokens')
    .set({ used_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is', null)
    .compile();
}
