import { type Expression, type SqlBool, sql } from 'kysely';
import type { Actor } from '../lib/states';
import type { Cursor } from './bugs';
import type { DB } from './index';
import { notifyQueries } from './notifications';
import { type DomainRef, domainIdOf } from './refs';
import { type Label, type OwnerMethod, type Role, type Severity, STATES, type State } from './schema';

/**
 * Domain owners and their claims (migrations/0009_owners.sql, README "Domain owners"). Owners see
 * every report on their domain and triage it; `visibleTo` (worker/db/bugs.ts) and `mayMoveState`
 * (worker/lib/states.ts) read ownership through the functions here.
 */

/** How long a claim token stays valid. */
export const CLAIM_TTL_DAYS = 7;

/** Does this user own this domain? One primary-key lookup. */
export async function isDomainOwner(db: DB, userId: number, domain: DomainRef): Promise<boolean> {
  const row = await db
    .selectFrom('domain_owners')
    .select('user_id')
    .where('domain_id', '=', domainIdOf(db, domain))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Does this user own the domain of this bug? By the bug's id alone, so it can start with the bug's row. */
export async function ownsBugDomain(db: DB, userId: number, bugId: number): Promise<boolean> {
  const row = await db
    .selectFrom('domain_owners')
    .select('user_id')
    .where('domain_id', '=', (eb) => eb.selectFrom('bugs').select('domain_id').where('id', '=', bugId))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export interface OwnerRow {
  user_id: number;
  username: string;
  method: OwnerMethod;
  added_by_username: string | null;
  created_at: string;
}

/**
 * The user as an actor on a report of `domainId` (worker/lib/states.ts mayMoveState): with that
 * domain among the ones they own when they do. Null for nobody signed in.
 */
export async function actorFor(
  db: DB,
  user: { id: number; role: Role } | null,
  domainId: number,
  /** Whether the user owns `domainId`, if already asked (the bug page asks with the bug's row). */
  owner?: Promise<boolean>,
): Promise<Actor | null> {
  if (!user) return null;
  if (user.role === 'admin') return { id: user.id, role: user.role };
  const owns = (await (owner ?? isDomainOwner(db, user.id, domainId))) ? [domainId] : [];
  return { id: user.id, role: user.role, owns };
}

/** A domain's owners, earliest first (the claim page and the console list them). */
export async function ownersOf(db: DB, domainId: DomainIdExpr): Promise<OwnerRow[]> {
  return db
    .selectFrom('domain_owners as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .leftJoin('users as a', 'a.id', 'o.added_by')
    .select(['o.user_id', 'u.username', 'o.method', 'a.username as added_by_username', 'o.created_at'])
    .where('o.domain_id', '=', domainId)
    .where('u.deleted_at', 'is', null)
    .orderBy('o.created_at')
    .orderBy('o.user_id')
    .limit(200)
    .execute();
}

/**
 * Makes `userId` an owner of the domain; false when they already were one. Someone added by
 * another person is told so (a notification in the same batch, only if the row was new).
 */
export async function addOwner(
  db: DB,
  o: { domainId: number; userId: number; addedBy: number | null; method: OwnerMethod },
  now = new Date(),
): Promise<boolean> {
  const results = await db.batch([
    db
      .insertInto('domain_owners')
      .values({
        domain_id: o.domainId,
        user_id: o.userId,
        added_by: o.addedBy,
        method: o.method,
        created_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(['domain_id', 'user_id']).doNothing())
      .compile(),
    ...notifyQueries(db, {
      kind: 'owner_added',
      to: { users: o.addedBy === null ? [] : [o.userId] },
      domainId: o.domainId,
      actorId: o.addedBy,
      when: sql<SqlBool>`changes() = 1`,
      now,
    }),
  ]);
  return (results[0]?.meta.changes ?? 0) > 0;
}

/**
 * Removes an owner. The last owner stays unless `allowLast` (an admin is acting): one conditional
 * DELETE, so two owners removing each other at once cannot leave the domain with none.
 * 'removed', 'last' (refused: they are the only owner) or 'absent' (not an owner).
 */
export async function removeOwner(
  db: DB,
  domainId: number,
  userId: number,
  opts: { allowLast: boolean },
): Promise<'removed' | 'last' | 'absent'> {
  const res = await db
    .deleteFrom('domain_owners')
    .where('domain_id', '=', domainId)
    .where('user_id', '=', userId)
    .$if(!opts.allowLast, (q) =>
      q.where(
        sql<number>`(SELECT count(*) FROM domain_owners WHERE domain_id = ${domainId} AND user_id != ${userId})`,
        '>',
        0,
      ),
    )
    .executeTakeFirst();
  if (Number(res.numDeletedRows) > 0) return 'removed';
  return (await isDomainOwner(db, userId, domainId)) ? 'last' : 'absent';
}

export interface OwnedDomain {
  id: number;
  hostname: string;
  /** Open reports (new, triaged, accepted), private ones included. */
  open: number;
}

/**
 * The domains a user owns, by name, with their open counts (`/owned`), each counted up to
 * COUNT_CAP + 1 (shown as "1000+", as the console does): one bounded index range per domain, so
 * the page costs the same for the owner of a site with a million open reports as with ten.
 */
export async function ownedDomains(db: DB, userId: number): Promise<OwnedDomain[]> {
  return db
    .selectFrom('domain_owners as o')
    .innerJoin('domains as d', 'd.id', 'o.domain_id')
    .select([
      'd.id',
      'd.hostname',
      sql<number>`(SELECT count(*) FROM (SELECT 1 FROM bugs WHERE bugs.domain_id = d.id AND bugs.status = 'open'
        LIMIT ${sql.lit(COUNT_CAP + 1)}))`.as('open'),
    ])
    .where('o.user_id', '=', userId)
    .orderBy('d.hostname')
    .limit(500)
    .execute() as Promise<OwnedDomain[]>;
}

/** A domain by its (lower-case) host name. */
export async function findDomain(db: DB, hostname: string): Promise<{ id: number; hostname: string } | undefined> {
  return db.selectFrom('domains').select(['id', 'hostname']).where('hostname', '=', hostname).executeTakeFirst();
}

/** Finds or creates the domain row (a claim may come before any report on the site). */
export async function ensureDomain(db: DB, hostname: string): Promise<{ id: number; hostname: string }> {
  await db
    .insertInto('domains')
    .values({ hostname })
    .onConflict((oc) => oc.column('hostname').doNothing())
    .execute();
  const row = await findDomain(db, hostname);
  if (!row) throw new Error(`domain ${hostname} vanished`);
  return row;
}

// ——— Claims ———

export interface Claim {
  token: string;
  created_at: string;
  expires_at: string;
  method: 'dns' | 'file' | null;
  verified_at: string | null;
}

/** This user's claim on the domain, expired or not. */
export async function findClaim(db: DB, domainId: DomainIdExpr, userId: number): Promise<Claim | undefined> {
  return db
    .selectFrom('domain_claims')
    .select(['token', 'created_at', 'expires_at', 'method', 'verified_at'])
    .where('domain_id', '=', domainId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** A claim token: 24 random bytes as hex (48 characters, safe in a TXT record and a file). */
export function newClaimToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The user's current claim token: the unexpired one, or a fresh one valid CLAIM_TTL_DAYS (a
 * verified or expired claim is replaced). One upsert; returns the claim now stored.
 */
export async function currentClaim(db: DB, domainId: number, userId: number, now = new Date()): Promise<Claim> {
  const existing = await findClaim(db, domainId, userId);
  if (existing && existing.expires_at > now.toISOString() && !existing.verified_at) return existing;
  const created_at = now.toISOString();
  const expires_at = new Date(now.getTime() + CLAIM_TTL_DAYS * 86400_000).toISOString();
  const token = newClaimToken();
  await db
    .insertInto('domain_claims')
    .values({ domain_id: domainId, user_id: userId, token, created_at, expires_at, method: null, verified_at: null })
    .onConflict((oc) =>
      oc
        .columns(['domain_id', 'user_id'])
        .doUpdateSet({ token, created_at, expires_at, method: null, verified_at: null }),
    )
    .execute();
  return { token, created_at, expires_at, method: null, verified_at: null };
}

/**
 * A check succeeded for `token`: marks the claim verified and makes the user an owner, in one
 * batch, both only while that same token is still the user's unexpired, unverified claim (a
 * token replaced or expired meanwhile writes nothing). True when the user is now an owner.
 */
export async function completeClaim(
  db: DB,
  c: { domainId: number; userId: number; token: string; method: 'dns' | 'file' },
  now = new Date(),
): Promise<boolean> {
  const iso = now.toISOString();
  const results = await db.batch([
    db
      .updateTable('domain_claims')
      .set({ method: c.method, verified_at: iso })
      .where('domain_id', '=', c.domainId)
      .where('user_id', '=', c.userId)
      .where('token', '=', c.token)
      .where('expires_at', '>', iso)
      .where('verified_at', 'is', null)
      .compile(),
    sql`INSERT INTO domain_owners (domain_id, user_id, added_by, method, created_at)
      SELECT domain_id, user_id, NULL, method, verified_at FROM domain_claims
      WHERE domain_id = ${c.domainId} AND user_id = ${c.userId} AND token = ${c.token}
        AND verified_at = ${iso} AND changes() = 1
      ON CONFLICT (domain_id, user_id) DO NOTHING`.compile(db),
  ]);
  return (results[0]?.meta.changes ?? 0) > 0;
}

// ——— The owners' triage console ———

export interface TriageFilters {
  state?: State | undefined;
  label?: Label | undefined;
  severity?: Severity | undefined;
}

export interface TriageRow {
  id: number;
  title: string;
  state: State;
  label: Label;
  severity: Severity;
  is_hidden: 0 | 1;
  user_id: number | null;
  closed_by: number | null;
  created_at: string;
  username: string | null;
}

function triageColumns(db: DB) {
  return db
    .selectFrom('bugs')
    .leftJoin('users', 'users.id', 'bugs.user_id')
    .select([
      'bugs.id',
      'bugs.title',
      'bugs.state',
      'bugs.label',
      'bugs.severity',
      'bugs.is_hidden',
      'bugs.user_id',
      'bugs.closed_by',
      'bugs.created_at',
      'users.username',
    ]);
}

/**
 * One page of a domain's reports for its owners: every state (spam too) and private ones,
 * newest first, seeking past `cursor`. Reads bugs_by_domain_all, or bugs_by_domain_state_all
 * with a state: any page costs what the first does.
 */
export async function triageList(
  db: DB,
  domainId: DomainIdExpr,
  opts: { filters: TriageFilters; cursor?: Cursor | null; limit: number },
): Promise<{ rows: TriageRow[]; next: Cursor | null }> {
  const f = opts.filters;
  let q = triageColumns(db).where('bugs.domain_id', '=', domainId);
  if (f.state) q = q.where('bugs.state', '=', f.state);
  if (f.label) q = q.where('bugs.label', '=', f.label);
  if (f.severity) q = q.where('bugs.severity', '=', f.severity);
  const cursor = opts.cursor;
  if (cursor) {
    q = q.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('bugs.created_at', 'bugs.id'), '<', tuple(cursor.createdAt, cursor.id)),
    );
  }
  const rows = await q
    .orderBy('bugs.created_at', 'desc')
    .orderBy('bugs.id', 'desc')
    .limit(opts.limit + 1)
    .execute();
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > opts.limit && last ? { createdAt: last.created_at, id: last.id } : null };
}

/** One report of the console (after a change, for htmx to swap its row in place). */
export async function triageRow(db: DB, domainId: number, bugId: number): Promise<TriageRow | undefined> {
  return triageColumns(db).where('bugs.id', '=', bugId).where('bugs.domain_id', '=', domainId).executeTakeFirst();
}

/** Counts above this show as "1000+": the console's counts cost the same on any domain. */
export const COUNT_CAP = 1000;

/**
 * Reports per state on a domain, private ones included, each counted up to COUNT_CAP + 1 (shown
 * as "1000+"): one bounded range of bugs_by_domain_state_all per state, all in one statement, so
 * the console costs the same on a domain with a million reports as on one with ten.
 */
export async function stateCounts(db: DB, domainId: DomainIdExpr): Promise<Partial<Record<State, number>>> {
  const [query] = stateCountQueries(db, domainId);
  const row = query ? (await db.executeQuery<Record<string, number | null>>(query)).rows[0] : undefined;
  const out: Partial<Record<State, number>> = {};
  for (const state of STATES) {
    const n = row?.[state] ?? 0;
    if (n > 0) out[state] = n;
  }
  return out;
}

/** The statement of `stateCounts`: one capped count per state, each its own column (plans tested). */
export function stateCountQueries(db: DB, domainId: DomainIdExpr) {
  const counts = STATES.map(
    (state) =>
      sql`(SELECT count(*) FROM (SELECT 1 FROM bugs WHERE domain_id = ${domainId} AND state = ${state}
        LIMIT ${sql.lit(COUNT_CAP + 1)})) AS ${sql.ref(state)}`,
  );
  return [sql`SELECT ${sql.join(counts)}`.compile(db)];
}

/**
 * A domain named by a value or by an SQL expression (`managedDomainId`), so a page's reads can
 * name the domain by the host in its URL and all go to D1 together.
 */
export type DomainIdExpr = number | Expression<number | null>;

/** The id of the domain `host` (NULL when there is none), to name it in a query by its host. */
export function domainIdByHost(host: string): Expression<number | null> {
  return sql<number | null>`(SELECT hd.id FROM domains hd WHERE hd.hostname = ${host})`;
}

/**
 * The id of the domain `host` when `userId` may manage it (an admin, or one of its owners), else
 * NULL: put in a query's WHERE, the query reads nothing for anyone else. Every id and role in it
 * is read from the database, so it needs nothing but the user id the session names.
 */
export function managedDomainId(host: string, userId: number): Expression<number | null> {
  return sql<number | null>`(SELECT md.id FROM domains md WHERE md.hostname = ${host} AND (
    EXISTS (SELECT 1 FROM users mu WHERE mu.id = ${userId} AND mu.role = 'admin')
    OR EXISTS (SELECT 1 FROM domain_owners mo WHERE mo.domain_id = md.id AND mo.user_id = ${userId})))`;
}

/** What `userId` is to the domain `host`: its id, and whether they are an admin or an owner of it. */
export interface DomainAccess {
  id: number;
  hostname: string;
  admin: boolean;
  owner: boolean;
}

/** The domain of `host` and the user's standing on it: one statement of primary-key probes. */
export async function domainAccess(db: DB, host: string, userId: number): Promise<DomainAccess | undefined> {
  const row = await db
    .selectFrom('domains as d')
    .select([
      'd.id',
      'd.hostname',
      sql<number>`EXISTS (SELECT 1 FROM users u WHERE u.id = ${userId} AND u.role = 'admin')`.as('admin'),
      sql<number>`EXISTS (SELECT 1 FROM domain_owners o WHERE o.domain_id = d.id AND o.user_id = ${userId})`.as(
        'owner',
      ),
    ])
    .where('d.hostname', '=', host)
    .executeTakeFirst();
  return row && { id: row.id, hostname: row.hostname, admin: row.admin === 1, owner: row.owner === 1 };
}

/** The user as an actor on the domain's reports (lib/states.ts), from `domainAccess`. */
export function actorOn(userId: number, access: DomainAccess): Actor {
  return access.admin
    ? { id: userId, role: 'admin' }
    : { id: userId, role: 'user', owns: access.owner ? [access.id] : [] };
}

export interface TriageConsole {
  domain: DomainAccess;
  page: { rows: TriageRow[]; next: Cursor | null };
  counts: Partial<Record<State, number>>;
}

/**
 * Everything the console reads, in ONE D1 round trip (db/batching.ts): the user's standing on the
 * domain, one page of its reports and (for the page and JSON, not the htmx rows) the per-state
 * counts, all named by the host in the URL so none waits for another. The page and the counts
 * read nothing unless the user may manage the domain (`managedDomainId`). Undefined when the
 * domain does not exist or is not theirs to manage: the caller answers the same 404 for both.
 */
export async function triageConsole(
  db: DB,
  host: string,
  userId: number,
  opts: { filters: TriageFilters; cursor?: Cursor | null; limit: number; counts: boolean },
): Promise<TriageConsole | undefined> {
  const managed = managedDomainId(host, userId);
  const [domain, page, counts] = await Promise.all([
    domainAccess(db, host, userId),
    triageList(db, managed, opts),
    opts.counts ? stateCounts(db, managed) : {},
  ]);
  if (!domain || !(domain.admin || domain.owner)) return undefined;
  return { domain, page, counts };
}
