import { sql } from 'kysely';
import type { DB } from './index';

/**
 * A domain by id, or by the host name a URL gave. A page that only has the host name names the
 * domain by a subquery in each of its reads, so none of them waits for an id look-up and all of
 * them go to D1 in one round trip (worker/db/batching.ts).
 */
export type DomainRef = number | { hostname: string };

/** The domain's id as an SQL operand: the number, or `(SELECT id FROM domains WHERE hostname = ?)`. */
export function domainIdOf(db: DB, ref: DomainRef) {
  return typeof ref === 'number'
    ? sql<number>`${ref}`
    : db.selectFrom('domains').select('domains.id').where('domains.hostname', '=', ref.hostname);
}

/** A reporter by id, or by the user name a URL gave (a live account: deleted ones are nobody). */
export type UserRef = number | { username: string };

/** The user's id as an SQL operand: the number, or a look-up by name (users.username is NOCASE). */
export function userIdOf(db: DB, ref: UserRef) {
  return typeof ref === 'number'
    ? sql<number>`${ref}`
    : db
        .selectFrom('users')
        .select('users.id')
        .where('users.username', '=', ref.username)
        .where('users.deleted_at', 'is', null);
}
