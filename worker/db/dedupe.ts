import { type RawBuilder, sql } from 'kysely';
import type { DB } from './index';

/** How long an identical post counts as the same one (issue 8: "within 60 s"). */
export const DEDUPE_WINDOW_MS = 60_000;

/**
 * The key of a post for double-post detection: its kind, its author ('user:12', or 'ip:…' when
 * anonymous) and a SHA-256 of its content, so the table holds no text anyone wrote.
 */
export async function postKey(kind: 'report' | 'comment', author: string, content: unknown[]): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(content));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `${kind}:${author}:${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The statements that claim `key` for the post whose id `targetId` yields, for the end of the
 * post's own batch: expired claims are dropped, then the insert fails on the primary key when an
 * identical post was made in the last minute, which rolls the whole batch back (isDuplicatePost).
 */
export function claimPost(db: DB, key: string, targetId: RawBuilder<number>, now = Date.now()) {
  return [
    db
      .deleteFrom('recent_posts')
      .where('created_at', '<=', now - DEDUPE_WINDOW_MS)
      .compile(),
    db
      .insertInto('recent_posts')
      .columns(['key', 'target_id', 'created_at'])
      .expression(db.selectNoFrom([sql.val(key).as('key'), targetId.as('target_id'), sql.val(now).as('created_at')]))
      .compile(),
  ];
}

/** True when a batch failed because its post was a double (see claimPost). */
export function isDuplicatePost(err: unknown): boolean {
  return String(err).includes('UNIQUE constraint failed: recent_posts.key');
}

/** The id of the first post with this key, made in the last minute. */
export async function firstPost(db: DB, key: string): Promise<number | undefined> {
  const row = await db.selectFrom('recent_posts').select('target_id').where('key', '=', key).executeTakeFirst();
  return row?.target_id;
}
