import { type CompiledQuery, ParseJSONResultsPlugin, type RawBuilder, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/sqlite';
import { BUCKET_HOURS, BUCKETS, type BucketMedian, medianOfBuckets } from '../lib/scorecard';
import type { DB } from './index';
import { topReportersOf } from './leaderboard';
import { firstOf, prepared } from './prepared';
import { type DomainRef, domainIdOf } from './refs';
import type { BugEventsTable, State } from './schema';

/** A bug by id, or one a batch names by subquery (e.g. `(SELECT max(id) FROM bugs)`). */
type BugRef = number | RawBuilder<number>;

/** Hours between a report's filing and `column` (a bugs timestamp), in SQL. */
function hoursTo(column: 'first_triaged_at' | 'first_fixed_at') {
  return sql<number>`((julianday(${sql.ref(column)}) - julianday(created_at)) * 24)`;
}

/** The bucket index of `hours`, in SQL: the same bounds as BUCKET_HOURS. */
function bucketSql(hours: RawBuilder<number>) {
  const whens = BUCKET_HOURS.map((b, i) => sql`WHEN ${hours} <= ${sql.lit(b)} THEN ${sql.lit(i)}`);
  return sql<number>`CASE ${sql.join(whens, sql` `)} ELSE ${sql.lit(BUCKET_HOURS.length)} END`;
}

const WEEK_HOURS = 168;

/** Recomputes the board position of the report's domain from its counters (one row). */
function boardScore(db: DB, bugId: BugRef): CompiledQuery {
  return sql`UPDATE domain_scores
    SET board_score = CASE WHEN reports >= 3 THEN (triaged_week * 1000) / reports END
    WHERE domain_id = (SELECT domain_id FROM bugs WHERE id = ${bugId})`.compile(db);
}

/** One histogram cell += sign, for the report when `cond` holds. */
function bucketAdd(
  db: DB,
  bugId: BugRef,
  kind: 'triage' | 'fix',
  sign: 1 | -1,
  cond: RawBuilder<unknown>,
): CompiledQuery {
  const column = kind === 'triage' ? 'first_triaged_at' : 'first_fixed_at';
  return sql`INSERT INTO domain_score_buckets (domain_id, kind, bucket, n)
    SELECT domain_id, ${kind}, ${bucketSql(hoursTo(column))}, ${sql.lit(sign)}
    FROM bugs WHERE id = ${bugId} AND ${sql.ref(column)} IS NOT NULL AND is_hidden = 0 AND ${cond}
    ON CONFLICT (domain_id, kind, bucket) DO UPDATE SET n = domain_score_buckets.n + excluded.n`.compile(db);
}

/**
 * Adds (+1) or takes away (-1) everything one report contributes to its domain's scorecard:
 * the report, and its triage and fix times if it has them. Only public reports count (a private
 * one must not show on any scorecard); `cond` guards the whole (e.g. "the move happened").
 */
export function scorecardContribution(db: DB, bugId: BugRef, sign: 1 | -1, cond: RawBuilder<unknown> = sql`1`) {
  const s = sql.lit(sign);
  const triaged = sql`(first_triaged_at IS NOT NULL)`;
  const week = sql`(first_triaged_at IS NOT NULL AND ${hoursTo('first_triaged_at')} <= ${sql.lit(WEEK_HOURS)})`;
  return [
    sql`INSERT INTO domain_scores (domain_id, reports, triaged, triaged_week, fixed)
      SELECT domain_id, ${s}, ${s} * ${triaged}, ${s} * ${week}, ${s} * (first_fixed_at IS NOT NULL)
      FROM bugs WHERE id = ${bugId} AND is_hidden = 0 AND ${cond}
      ON CONFLICT (domain_id) DO UPDATE SET
        reports = domain_scores.reports + excluded.reports,
        triaged = domain_scores.triaged + excluded.triaged,
        triaged_week = domain_scores.triaged_week + excluded.triaged_week,
        fixed = domain_scores.fixed + excluded.fixed`.compile(db),
    bucketAdd(db, bugId, 'triage', sign, cond),
    bucketAdd(db, bugId, 'fix', sign, cond),
    boardScore(db, bugId),
  ];
}

/** A report counts on its domain's scorecard in every state but spam (and only while public). */
const counts = (s: State) => s !== 'spam';

/**
 * The scorecard statements of one state change, for changeState's batch (after the move and its
 * event). `ev` is the move's event inside the batch (NULL when the move lost a race): nothing
 * here happens without it. A report's first answer (a move out of 'new' that is not spam nor the
 * reporter withdrawing) and its first 'fixed' are stamped on the report once, and its domain's
 * counters and histograms take them in the same batch; moves to and from spam take the whole
 * report off and back on.
 */
export function scorecardStatements(
  db: DB,
  change: { bugId: number; from: State; to: State; kind: BugEventsTable['kind']; now: string },
  ev: RawBuilder<number>,
): CompiledQuery[] {
  const { bugId, from, to, kind, now } = change;
  const happened = sql`${ev} IS NOT NULL`;
  const out: CompiledQuery[] = [];
  if (counts(from) && !counts(to)) out.push(...scorecardContribution(db, bugId, -1, happened));
  const stamp = (column: 'first_triaged_at' | 'first_fixed_at', kind: 'triage' | 'fix') => {
    out.push(
      sql`UPDATE bugs SET ${sql.ref(column)} = ${now}
        WHERE id = ${bugId} AND ${sql.ref(column)} IS NULL AND ${happened}`.compile(db),
    );
    // Counted now only if the report already counts; otherwise its coming back counts it whole.
    if (counts(from) && counts(to)) {
      const stamped = sql`${sql.ref(column)} = ${now}`;
      const triage = kind === 'triage';
      const week = triage ? sql`(${hoursTo(column)} <= ${sql.lit(WEEK_HOURS)})` : sql`0`;
      out.push(
        sql`UPDATE domain_scores SET
            triaged = triaged + ${sql.lit(triage ? 1 : 0)},
            triaged_week = triaged_week + (SELECT ${week} FROM bugs WHERE id = ${bugId}),
            fixed = fixed + ${sql.lit(triage ? 0 : 1)}
          WHERE domain_id = (SELECT domain_id FROM bugs WHERE id = ${bugId} AND is_hidden = 0 AND ${stamped})`.compile(
          db,
        ),
        bucketAdd(db, bugId, kind, 1, stamped),
      );
    }
  };
  if (from === 'new' && to !== 'spam' && kind === 'state_changed') stamp('first_triaged_at', 'triage');
  if (to === 'fixed') stamp('first_fixed_at', 'fix');
  if (!counts(from) && counts(to)) out.push(...scorecardContribution(db, bugId, 1, happened));
  out.push(boardScore(db, bugId));
  return out;
}

export interface Scorecard {
  reports: number;
  triaged: number;
  triagedWeek: number;
  fixed: number;
  triage: BucketMedian | null;
  fix: BucketMedian | null;
}

function histogram(rows: { kind: string; bucket: number; n: number }[], kind: 'triage' | 'fix'): number[] {
  const out = Array.from({ length: BUCKETS }, () => 0);
  for (const r of rows) if (r.kind === kind && r.bucket >= 0 && r.bucket < BUCKETS) out[r.bucket] = r.n;
  return out;
}

/**
 * A domain's scorecard: its counters and the medians read from its histograms (two key reads,
 * started together so they share the caller's round trip).
 */
export async function scorecard(db: DB, domain: DomainRef): Promise<Scorecard> {
  const id = domainIdOf(db, domain);
  const [c, rows] = await Promise.all([
    db
      .selectFrom('domain_scores')
      .select(['reports', 'triaged', 'triaged_week', 'fixed'])
      .where('domain_id', '=', id)
      .executeTakeFirst(),
    db.selectFrom('domain_score_buckets').select(['kind', 'bucket', 'n']).where('domain_id', '=', id).execute(),
  ]);
  return cardOf(c, rows);
}

export interface ResponsiveRow {
  rank: number;
  hostname: string;
  reports: number;
  /** Per mille answered within a week. */
  boardScore: number;
  fixed: number;
  triage: BucketMedian | null;
}

/**
 * The "most responsive domains" board: domains with at least 3 public reports, by the share
 * answered within a week, then by reports, read through the domain_scores_board index; each
 * row carries its domain's triage histogram cells (a JSON array from a key read), so the board
 * is one statement and one round trip.
 */
export async function responsiveBoard(db: DB, limit: number): Promise<ResponsiveRow[]> {
  const rows = await db
    .selectFrom('domain_scores')
    .innerJoin('domains', 'domains.id', 'domain_scores.domain_id')
    .select([
      'domains.hostname',
      'domain_scores.reports',
      'domain_scores.fixed',
      'domain_scores.board_score',
      (eb) =>
        eb
          .selectFrom('domain_score_buckets as b')
          .select(sql<string>`json_group_array(json_array(b.bucket, b.n))`.as('cells'))
          .whereRef('b.domain_id', '=', 'domain_scores.domain_id')
          .where('b.kind', '=', 'triage')
          .as('cells'),
    ])
    .where('domain_scores.board_score', 'is not', null)
    .orderBy('domain_scores.board_score', 'desc')
    .orderBy('domain_scores.reports', 'desc')
    .orderBy('domain_scores.domain_id', 'asc')
    .limit(limit)
    .execute();
  return rows.map((r, i) => {
    const cells = (JSON.parse(r.cells ?? '[]') as [number, number][]).map(([bucket, n]) => ({
      kind: 'triage',
      bucket,
      n,
    }));
    return {
      rank: i + 1,
      hostname: r.hostname,
      reports: r.reports,
      fixed: r.fixed,
      boardScore: r.board_score ?? 0,
      triage: medianOfBuckets(histogram(cells, 'triage')),
    };
  });
}

/** The scorecard of a domain's counters and histogram cells, as read. */
function cardOf(
  c: { reports: number; triaged: number; triaged_week: number; fixed: number } | null | undefined,
  cells: { kind: string; bucket: number; n: number }[],
): Scorecard {
  return {
    reports: c?.reports ?? 0,
    triaged: c?.triaged ?? 0,
    triagedWeek: c?.triaged_week ?? 0,
    fixed: c?.fixed ?? 0,
    triage: medianOfBuckets(histogram(cells, 'triage')),
    fix: medianOfBuckets(histogram(cells, 'fix')),
  };
}

/**
 * Everything the domain page shows beside its two lists, as ONE statement on the domain's row:
 * its scorecard, what the security.txt look-up found, whether anyone owns it (and whether
 * `viewerId` does), and its top reporters, each a JSON sub-select. Undefined: no such domain.
 * One statement instead of seven, because each statement in a batch costs the Worker more than
 * these key reads cost SQLite (ARCHITECTURE.md, "One round trip per page").
 */
export async function domainFacts(db: DB, hostname: string, viewerId: number | null) {
  // No viewer: a user id no row has, so the owner answer is "no".
  const row = await firstOf(db.withPlugin(PARSE_JSON), factsRow(db, hostname, viewerId ?? 0));
  if (!row) return undefined;
  return {
    id: row.id,
    card: cardOf(row.counters, row.cells),
    contact: row.contact ?? null,
    claimed: Boolean(row.claimed),
    owner: Boolean(row.owner),
    top: row.top,
  };
}

/**
 * The JSON columns of factsRow come back as text; only they can start with { or [ (host names,
 * user names, states and timestamps cannot).
 */
const PARSE_JSON = new ParseJSONResultsPlugin();

/** domainFacts' one statement, prepared (worker/db/prepared.ts). */
const factsRow = prepared((db, hostname: string, viewerId: number) =>
  db
    .selectFrom('domains as d')
    .where('d.hostname', '=', hostname)
    .select((eb) => [
      'd.id',
      jsonObjectFrom(
        eb
          .selectFrom('domain_scores')
          .select(['reports', 'triaged', 'triaged_week', 'fixed'])
          .whereRef('domain_scores.domain_id', '=', 'd.id'),
      ).as('counters'),
      jsonArrayFrom(
        eb
          .selectFrom('domain_score_buckets')
          .select(['kind', 'bucket', 'n'])
          .whereRef('domain_score_buckets.domain_id', '=', 'd.id'),
      ).as('cells'),
      jsonObjectFrom(
        eb
          .selectFrom('domain_contacts')
          .select(['status', 'notified_at'])
          .whereRef('domain_contacts.domain_id', '=', 'd.id'),
      ).as('contact'),
      eb
        .exists(eb.selectFrom('domain_owners').select('user_id').whereRef('domain_owners.domain_id', '=', 'd.id'))
        .as('claimed'),
      eb
        .exists(
          eb
            .selectFrom('domain_owners')
            .select('user_id')
            .whereRef('domain_owners.domain_id', '=', 'd.id')
            .where('domain_owners.user_id', '=', viewerId),
        )
        .as('owner'),
      jsonArrayFrom(topReportersOf(db, eb.ref('d.id'))).as('top'),
    ]),
);
