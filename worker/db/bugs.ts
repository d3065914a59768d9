import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely';
import { refreshCounters } from './counters';
import { claimPost } from './dedupe';
import { type DB, monthKey } from './index';
import type { Notices } from './notifications';
import { type Arg, firstOf, preparedPerShape, preparedPerViewer, rowsOf } from './prepared';
import { type Database, LABELS, type Label, type Role, type Severity, type State, type Status } from './schema';
import { scorecardContribution } from './scorecards';
import { insertScreenshots, type StoredScreenshot } from './screenshots';
import { foldWord, matchesBug, matchSql, parseSearch, recordTitleTerms } from './search';

/** Who is looking: hidden bugs are shown only to their reporter, the domain's owners and admins. */
export type Viewer = { id: number; role: Role } | null;

/**
 * What `?status=` may ask for: `open` (new, triaged, accepted), `ended` (every state after
 * open but spam: what the stats count as closed), `resolved` (fixed or closed), or one state.
 * Spam is never listed.
 */
export const STATUS_FILTERS = [
  'open',
  'ended',
  'resolved',
  'new',
  'triaged',
  'accepted',
  'fixed',
  'closed',
  'duplicate',
  'wont_fix',
  'informative',
] as const satisfies readonly (string & {})[];
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface BugFilters {
  label?: Label | undefined;
  severity?: Severity | undefined;
  status?: StatusFilter | undefined;
  domain?: string | undefined;
  q?: string | undefined;
}

/** Keyset position: the (created_at, id) of the last row shown. */
export interface Cursor {
  createdAt: string;
  id: number;
}

export interface BugListItem {
  id: number;
  title: string;
  url: string;
  label: Label;
  severity: Severity;
  status: Status;
  state: State;
  is_hidden: 0 | 1;
  upvotes: number;
  created_at: string;
  hostname: string;
  username: string | null;
}

export interface BugDetail extends BugListItem {
  description: string;
  user_id: number | null;
  domain_id: number;
  updated_at: string;
  closed_at: string | null;
  closed_by: number | null;
  closed_by_username: string | null;
  /** When the report was last edited (issue 11); null when never. */
  edited_at: string | null;
  duplicate_of: number | null;
}

export function encodeCursor(c: Cursor): string {
  return `${c.createdAt}_${c.id}`;
}

const CURSOR_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)_(\d{1,15})$/;

/** Parses a cursor from a URL; anything malformed is `null`, never a query error. */
export function decodeCursor(raw: string): Cursor | null {
  const m = CURSOR_RE.exec(raw);
  if (!m?.[1] || !m[2]) return null;
  return { createdAt: m[1], id: Number(m[2]) };
}

/** What a list row shows of a bug (bugColumns, similarByTitle). */
const LIST_COLUMNS = [
  'bugs.id',
  'bugs.title',
  'bugs.url',
  'bugs.label',
  'bugs.severity',
  'bugs.status',
  'bugs.state',
  'bugs.is_hidden',
  'bugs.upvotes',
  'bugs.created_at',
  'domains.hostname',
  'users.username',
] as const;

function bugColumns(db: DB) {
  return db
    .selectFrom('bugs')
    .innerJoin('domains', 'domains.id', 'bugs.domain_id')
    .leftJoin('users', 'users.id', 'bugs.user_id')
    .select(LIST_COLUMNS);
}

/** The values a bug list may filter on, named; each becomes one SQL parameter. */
const LIST_ARGS = [
  'by',
  'user',
  'status',
  'state',
  'label',
  'severity',
  'domain',
  'cursorAt',
  'cursorId',
  'limit',
] as const;
type ListArg = (typeof LIST_ARGS)[number];
interface ListValues {
  by?: string;
  user?: number;
  status?: Status;
  state?: State;
  label?: Label;
  severity?: Severity;
  domain?: string;
  cursorAt?: string;
  cursorId?: number;
  limit: number;
}

/** What decides a list's SQL text: which values are set (in LIST_ARGS order) and three switches. */
interface ListShape {
  args: ListArg[];
  hidden: boolean;
  resolved: boolean;
  withText: boolean;
}

/**
 * The SQL of one bug list. `v` holds the values (or prepared.ts markers standing in for them):
 * each is used only as a parameter, and which are set is `shape.args`.
 */
function listQuery(db: DB, shape: ListShape, v: ListValues, search?: { match: RawBuilder<string>; driven: boolean }) {
  let query = bugColumns(db);
  if (search?.driven) {
    query = query
      .innerJoin('bugs_fts', 'bugs_fts.rowid', 'bugs.id')
      .where(sql<SqlBool>`bugs_fts MATCH ${search.match}`);
  } else if (search) query = query.where(matchesBug(search.match));
  const { by, user, status, state, label, severity, domain, cursorAt, cursorId } = v;
  if (by !== undefined) {
    query = query.where('bugs.user_id', '=', (eb) =>
      eb.selectFrom('users').select('users.id').where('users.username', '=', by).where('users.deleted_at', 'is', null),
    );
  }
  if (!shape.hidden) query = query.where('bugs.is_hidden', '=', 0);
  if (user !== undefined) query = query.where('bugs.user_id', '=', user);
  // Groups over bugs.status (kept in step with state), so they read the status indexes.
  if (status !== undefined) query = query.where('bugs.status', '=', status);
  else if (shape.resolved) {
    // Written exactly as the partial indexes bugs_resolved* say, so SQLite uses them.
    query = query.where(sql<SqlBool>`bugs.state IN ('fixed', 'closed')`);
  } else if (state !== undefined) query = query.where('bugs.state', '=', state);
  else query = query.where('bugs.status', '!=', 'spam');
  if (label !== undefined) query = query.where('bugs.label', '=', label);
  if (severity !== undefined) query = query.where('bugs.severity', '=', severity);
  if (domain !== undefined) {
    query = query.where('bugs.domain_id', '=', (eb) =>
      eb.selectFrom('domains').select('id').where('hostname', '=', domain),
    );
  }
  if (search?.driven) {
    if (cursorId !== undefined) query = query.where(sql<SqlBool>`bugs_fts.rowid < ${cursorId}`);
    query = query.orderBy(sql`bugs_fts.rowid`, 'desc');
  } else {
    if (cursorAt !== undefined && cursorId !== undefined) {
      query = query.where(({ eb, refTuple, tuple }) =>
        eb(refTuple('bugs.created_at', 'bugs.id'), '<', tuple(cursorAt, cursorId)),
      );
    }
    query = query.orderBy('bugs.created_at', 'desc').orderBy('bugs.id', 'desc');
  }
  return query
    .$if(shape.withText, (q) =>
      q.select(['bugs.updated_at', sql<string>`substr(bugs.description, 1, 2000)`.as('description')]),
    )
    .limit(v.limit);
}

/** listQuery prepared once per shape: the lists of pages and feeds that are not a search. */
const preparedList = preparedPerShape(
  (shape: ListShape) => `${shape.args.join()}|${shape.hidden}|${shape.resolved}|${shape.withText}`,
  (db, shape: ListShape, ...args: Arg[]) => {
    // The arguments come in shape.args order; while the read is prepared they are markers, not
    // values of these types, which is all listQuery may rely on (prepared.ts checks the SQL).
    const v: Record<string, Arg> = {};
    shape.args.forEach((name, i) => {
      v[name] = args[i] as Arg;
    });
    return listQuery(db, shape, v as unknown as ListValues);
  },
);

/**
 * Newest-first page of public bugs (search results: newest match first, by id), seeking past
 * `cursor` so that any page costs what the first one does. Hidden and spam reports never
 * appear in public lists; a reporter's own profile passes `includeHidden` to show their
 * private ones. Returns one page and the cursor of the next, if there is one.
 */
export async function listBugs(
  db: DB,
  opts: {
    filters?: BugFilters;
    cursor?: Cursor | null;
    limit: number;
    /** Only this reporter's bugs (their profile). */
    userId?: number;
    /** Only the bugs of the live account of this name: a profile read before its id is known. */
    reporter?: string;
    /** Include private reports: only for the reporter themself or an admin. */
    includeHidden?: boolean;
    /**
     * Also each report's `updated_at` and the first 2,000 characters of its description (what a
     * feed entry shows), read from the row the list reads anyway: no second round trip.
     */
    withText?: boolean;
  },
): Promise<{ rows: (BugListItem & { updated_at?: string; description?: string })[]; next: Cursor | null }> {
  const f = { ...opts.filters };
  const userId = opts.userId;
  let byUsername = opts.reporter;
  let match: RawBuilder<string> | null | undefined;
  if (f.q) {
    // site: and by: are our filters (worker/db/search.ts); the other words go to FTS5, quoted.
    const parsed = parseSearch(f.q);
    if (parsed.site !== undefined) {
      if (f.domain !== undefined && f.domain !== parsed.site) return { rows: [], next: null };
      f.domain = parsed.site;
    }
    byUsername = parsed.by ?? byUsername;
    if (parsed.words.length) match = matchSql(parsed.words);
    else if (parsed.site === undefined && parsed.by === undefined) return { rows: [], next: null };
  }
  // With a domain or a reporter the search walks that index newest first and checks each row
  // against FTS5 (a point lookup); otherwise FTS5 drives, newest match (highest rowid) first, so
  // a page of results costs the same whether one bug matches or all of them do.
  const ftsDriven = match !== undefined && match !== null && !f.domain && userId === undefined && !byUsername;
  const cursor = opts.cursor;
  const values: ListValues = { limit: opts.limit + 1 };
  if (byUsername !== undefined) values.by = byUsername;
  if (userId !== undefined) values.user = userId;
  if (f.status === 'open' || f.status === 'ended') values.status = f.status === 'open' ? 'open' : 'closed';
  else if (f.status && f.status !== 'resolved') values.state = f.status;
  if (f.label) values.label = f.label;
  if (f.severity) values.severity = f.severity;
  if (f.domain) values.domain = f.domain;
  if (cursor) {
    values.cursorId = cursor.id;
    if (!ftsDriven) values.cursorAt = cursor.createdAt;
  }
  const shape: ListShape = {
    args: LIST_ARGS.filter((a) => values[a] !== undefined),
    hidden: opts.includeHidden === true,
    resolved: f.status === 'resolved',
    withText: opts.withText === true,
  };
  // A search's SQL depends on its words (search.ts matchSql), so it is built per call; every other
  // list is one of a few shapes, each built and compiled once (prepared.ts).
  const rows: (BugListItem & { updated_at?: string; description?: string })[] = match
    ? await listQuery(db, shape, values, { match, driven: ftsDriven }).execute()
    : await rowsOf(db, preparedList(db, shape, ...shape.args.map((a) => values[a] as Arg)));
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  const next = rows.length > opts.limit && last ? { createdAt: last.created_at, id: last.id } : null;
  return { rows: page, next };
}

/**
 * THE visibility rule: a viewer may see a bug when it is public, or theirs, or on a domain they
 * own, or they are an admin. Every single-report read goes through it.
 */
export function visibleTo(viewer: Viewer) {
  return (eb: ExpressionBuilder<Database, 'bugs'>): Expression<SqlBool> => {
    if (viewer?.role === 'admin') return eb.lit(true);
    const open = eb.and([eb('bugs.is_hidden', '=', 0), eb('bugs.status', '!=', 'spam')]);
    if (!viewer) return open;
    // The domain's owners see every report on it (issue 13): one primary-key probe.
    const owner = eb.exists(
      eb
        .selectFrom('domain_owners')
        .select('domain_owners.user_id')
        .whereRef('domain_owners.domain_id', '=', 'bugs.domain_id')
        .where('domain_owners.user_id', '=', viewer.id),
    );
    return eb.or([open, eb('bugs.user_id', '=', viewer.id), owner]);
  };
}

/** One bug as `viewer` may see it; `undefined` when it does not exist or is not theirs to see. */
export async function findBugById(db: DB, id: number, viewer: Viewer): Promise<BugDetail | undefined> {
  return firstOf(db, bugById(db, viewer, id));
}

/** Every bug page starts with this read: prepared once per kind of viewer (db/prepared.ts). */
const bugById = preparedPerViewer((db, viewer, id: number) =>
  bugColumns(db)
    .leftJoin('users as closer', 'closer.id', 'bugs.closed_by')
    .select([
      'bugs.description',
      'bugs.user_id',
      'bugs.domain_id',
      'bugs.updated_at',
      'bugs.closed_at',
      'bugs.closed_by',
      'closer.username as closed_by_username',
      'bugs.edited_at',
      'bugs.duplicate_of',
    ])
    .where('bugs.id', '=', id)
    .where(visibleTo(viewer)),
);

/** Open public bugs already reported on a host: the "is it one of these?" hint. */
export async function similarBugs(db: DB, hostname: string, limit = 5): Promise<BugListItem[]> {
  return (await listBugs(db, { filters: { domain: hostname, status: 'open' }, limit })).rows;
}

/** Words too common in bug titles to say two reports are about the same thing. */
const COMMON_WORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'not',
  'does',
  'doesn',
  'when',
  'from',
  'this',
  'that',
  'page',
]);

/** How many of the newest title matches the similar-bugs hint looks at (see similarByTitle). */
export const SIMILAR_CANDIDATES = 200;

/**
 * Open public bugs whose titles share words with `title` (any of them; most shared words first,
 * then newest), on other hosts than `exceptHostname`: the second half of the "is it one of
 * these?" hint.
 *
 * It costs the same at any size: FTS5 gives each word's newest matches (SIMILAR_CANDIDATES in
 * all), reading its index newest first and stopping there, and those are scored by how many of
 * the words they hold. Ranking every match with FTS5's bm25 read all of them, and with SQLite
 * free to choose the join order it walked every open report: 7 to 14 s at a million reports for
 * "Benchmark bug number 54321" (`npm run bench`).
 */
export async function similarByTitle(
  db: DB,
  title: string,
  exceptHostname: string | null,
  limit = 5,
): Promise<BugListItem[]> {
  const words = [
    ...new Set(
      (title.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [])
        .map(foldWord)
        .filter((w) => w.length >= 3 && !COMMON_WORDS.has(w)),
    ),
  ].slice(0, 8);
  if (words.length === 0) return [];
  // Per word, its newest matches (so a rare word's few titles are not crowded out by a common
  // word's many): whole words, and 3-letter ones as prefixes, which the prefix='2 3' index holds.
  // FTS5 reads both lazily, newest first, and stops at the limit; a longer prefix would make it
  // merge every matching term first (worker/db/search.ts).
  const perWord = Math.ceil(SIMILAR_CANDIDATES / words.length);
  const arms = words.map(
    (w) =>
      sql`SELECT id FROM (SELECT rowid AS id FROM bugs_fts WHERE bugs_fts MATCH ${w.length <= 3 ? `"${w}"*` : `"${w}"`} ORDER BY rowid DESC LIMIT ${perWord})`,
  );
  const candidates = sql<{ id: number }>`(${sql.join(arms, sql` UNION `)})`.as('c');
  // Words of the title found in a candidate's title (ASCII case folded; close enough to order by).
  const shared = sql<number>`(${sql.join(
    words.map((w) => sql`(instr(lower(bugs.title), ${w}) > 0)`),
    sql` + `,
  )})`;
  // CROSS JOIN keeps the candidates outermost: SQLite would otherwise walk every open public
  // report (bugs_by_status) and look each up among the candidates.
  let query = db
    .selectFrom(candidates)
    .crossJoin('bugs')
    .innerJoin('domains', 'domains.id', 'bugs.domain_id')
    .leftJoin('users', 'users.id', 'bugs.user_id')
    .select(LIST_COLUMNS)
    .whereRef('bugs.id', '=', 'c.id')
    .where('bugs.is_hidden', '=', 0)
    .where('bugs.status', '=', 'open');
  if (exceptHostname) query = query.where('domains.hostname', '!=', exceptHostname);
  return query.orderBy(shared, 'desc').orderBy('bugs.id', 'desc').limit(limit).execute();
}

export interface NewBugInput {
  url: string;
  hostname: string;
  title: string;
  description: string;
  label: Label;
  severity: Severity;
  isHidden: boolean;
  userId: number | null;
  /** Double-post key (db/dedupe.ts): an identical report within a minute then writes nothing. */
  dedupeKey?: string;
  /** Notifications of the new report (issue 13), written in this batch (see db/notifications.ts). */
  notices?: Notices;
  /** Screenshots already put in R2 (db/screenshots.ts); their rows are written in this batch. */
  screenshots?: StoredScreenshot[];
}

/** Days from filing to publication of a private report, unless an owner or admin moves the date. */
export const DISCLOSE_AFTER_DAYS = 90;

/** The default disclosure date (UTC YYYY-MM-DD) of a private report filed at `filedAt`. */
export function defaultDiscloseAt(filedAt: string): string {
  return new Date(Date.parse(filedAt) + DISCLOSE_AFTER_DAYS * 86_400_000).toISOString().slice(0, 10);
}

/** BLT's rules: points for a signed-in report, and one more when it is a domain's first. */
export const POINTS = { bugReported: 3, domainAdded: 1 } as const;

/**
 * Creates the domain (first time only), the bug, and for a signed-in reporter the ledger rows
 * and both user_scores periods, in one D1 batch: all of it happens or none of it does.
 * Inside the batch the new bug is `max(bugs.id)`: a batch runs as one transaction, so no other
 * write can interleave. Returns the new bug's id.
 */
export async function insertBug(db: DB, input: NewBugInput): Promise<number> {
  const now = new Date().toISOString();
  const month = monthKey(now);
  const domainId = db.selectFrom('domains').select('id').where('hostname', '=', input.hostname);
  const newBugId = sql<number>`(SELECT max(id) FROM bugs)`;

  const statements = [
    db
      .insertInto('domains')
      .values({ hostname: input.hostname, created_at: now })
      .onConflict((oc) => oc.column('hostname').doNothing())
      .compile(),
    db
      .insertInto('bugs')
      .values({
        user_id: input.userId,
        domain_id: domainId,
        url: input.url,
        title: input.title,
        description: input.description,
        label: input.label,
        severity: input.severity,
        is_hidden: input.isHidden ? 1 : 0,
        disclose_at: input.isHidden ? defaultDiscloseAt(now) : null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .compile(),
  ];

  if (input.userId !== null) {
    const userId = input.userId;
    statements.push(
      insertPoints(
        db,
        ledgerRow(db, newBugId, { userId, score: POINTS.bugReported, reason: 'Bug reported', award: 'reported', now }),
      ),
      domainBonus(db, newBugId, userId, now),
      ...['all', month].map((period) => addScoresForBug(db, newBugId, period, !input.isHidden)),
    );
  }

  statements.push(...refreshCounters(db, { createdAt: now, label: input.label, domain: { hostname: input.hostname } }));
  statements.push(...scorecardContribution(db, newBugId, 1));
  if (input.dedupeKey) statements.push(...claimPost(db, input.dedupeKey, newBugId));
  statements.push(...insertScreenshots(db, newBugId, input.screenshots ?? []));
  statements.push(...recordTitleTerms(db, input.title));
  statements.push(...(input.notices?.queries ?? []));
  const results = await db.batch<{ id: number }>(statements);
  input.notices?.collect(results);
  const id = results[1]?.results[0]?.id;
  if (typeof id !== 'number') throw new Error('insertBug: the batch returned no bug id');
  return id;
}

/**
 * The "Domain added" +1 for `bugId`, if it has earned it. The rule: the +1 goes to the first
 * PUBLIC report on a domain; a private report earns it if it becomes public while still the
 * first, i.e. when no other public report exists on the domain at that moment. So a private
 * report never consumes the bonus, and nothing another reporter can see (their own points)
 * tells them that a private report exists on a host (issue 7, item 3). Spam and anonymous
 * public reports do count as "first": they were public. Insert it in the same batch as the
 * change that makes the bug public (the report itself, or a future "publish" action).
 */
export function domainBonus(db: DB, bugId: BugId, userId: number, now: string) {
  return insertPoints(
    db,
    ledgerRow(db, bugId, { userId, score: POINTS.domainAdded, reason: 'Domain added', award: 'domain', now })
      .where('b.is_hidden', '=', 0)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('bugs as o')
              .select('o.id')
              .whereRef('o.domain_id', '=', 'b.domain_id')
              .where('o.is_hidden', '=', 0)
              .whereRef('o.id', '!=', 'b.id'),
          ),
        ),
      ),
  );
}

/** A bug by id, or the one a batch just inserted (`(SELECT max(id) FROM bugs)`). */
type BugId = number | ReturnType<typeof sql<number>>;

/**
 * One ledger row about bug `b` (its id and domain) for `userId`, booked in the month of `now`:
 * the shape every points row of a report has. Narrow it with `.where(…)` on `b`.
 */
function ledgerRow(
  db: DB,
  bugId: BugId,
  p: { userId: number; score: number; reason: string; award: 'reported' | 'domain'; now: string },
) {
  return db
    .selectFrom('bugs as b')
    .select([
      sql.lit(p.userId).as('user_id'),
      'b.id',
      'b.domain_id',
      sql.lit(p.score).as('score'),
      sql.lit(p.reason).as('reason'),
      sql.lit(p.now).as('created_at'),
      sql.lit(monthKey(p.now)).as('period'),
      sql.lit(p.award).as('award'),
    ])
    .where('b.id', '=', bugId);
}

function insertPoints(db: DB, row: ReturnType<typeof ledgerRow>) {
  return db
    .insertInto('points')
    .columns(['user_id', 'bug_id', 'domain_id', 'score', 'reason', 'created_at', 'period', 'award'])
    .expression(row)
    .compile();
}

/**
 * Adds the ledger rows of one new bug to a user_scores period, and the report itself to its
 * `bugs` count when it is public: counts others can see never include private reports.
 */
function addScoresForBug(db: DB, bugId: ReturnType<typeof sql<number>>, period: string, isPublic: boolean) {
  return db
    .insertInto('user_scores')
    .columns(['user_id', 'period', 'score', 'bugs'])
    .expression(
      db
        .selectFrom('points')
        .select([
          'user_id',
          sql.lit(period).as('period'),
          (eb) => eb.fn.sum<number>('score').as('score'),
          sql<number>`sum(reason = 'Bug reported') * ${sql.lit(isPublic ? 1 : 0)}`.as('bugs'),
        ])
        .where('bug_id', '=', bugId)
        .groupBy('user_id'),
    )
    .onConflict((oc) =>
      oc.columns(['user_id', 'period']).doUpdateSet({
        score: (eb) => eb('user_scores.score', '+', eb.ref('excluded.score')),
        bugs: (eb) => eb('user_scores.bugs', '+', eb.ref('excluded.bugs')),
      }),
    )
    .compile();
}

export interface BugStats {
  total: number;
  open: number;
  closed: number;
  domains: number;
}

/**
 * Public counts: hidden and spam reports never count; a domain counts once it has a public bug.
 * Reads the 18 bug_totals rows and one site_totals row (migration 0012), whatever the site's size.
 */
function statsQuery(db: DB) {
  return db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('bug_totals')
        .select(sql<number>`coalesce(sum(n), 0)`.as('n'))
        .where('status', '=', 'open')
        .as('open'),
      eb
        .selectFrom('bug_totals')
        .select(sql<number>`coalesce(sum(n), 0)`.as('n'))
        .where('status', '=', 'closed')
        .as('closed'),
      eb.selectFrom('site_totals').select('n').where('name', '=', 'public_domains').as('domains'),
    ])
    .compile();
}

function toStats(row: { open: number | null; closed: number | null; domains: number | null } | undefined): BugStats {
  const open = row?.open ?? 0;
  const closed = row?.closed ?? 0;
  return { total: open + closed, open, closed, domains: row?.domains ?? 0 };
}

/** The counts in one D1 round trip, from the bug_totals and site_totals rows. */
export async function bugStats(db: DB): Promise<BugStats> {
  const { rows } = await db.executeQuery(statsQuery(db));
  return toStats(rows[0]);
}

function perDayQuery(db: DB, days: number, end: number) {
  const start = new Date(end - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const last = new Date(end).toISOString().slice(0, 10);
  // Both ends: the chart's days and no others (a clock set back, or imported future-dated rows).
  return db
    .selectFrom('bug_counts')
    .select(['day', (eb) => eb.fn.sum<number>('n').as('count')])
    .where('day', '>=', start)
    .where('day', '<=', last)
    .groupBy('day')
    .compile();
}

function byLabelQuery(db: DB) {
  return db
    .selectFrom('bug_totals')
    .select(['label', (eb) => eb.fn.sum<number>('n').as('count')])
    .groupBy('label')
    .compile();
}

function utcMidnight(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

function zeroFilledDays(rows: { day: string; count: number }[], days: number, end: number) {
  const byDay = new Map(rows.map((r) => [r.day, r.count]));
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return { day, count: byDay.get(day) ?? 0 };
  });
}

function allLabels(rows: { label: Label; count: number }[]) {
  const byLabel = new Map(rows.map((r) => [r.label, r.count]));
  return LABELS.map((label) => ({ label, count: byLabel.get(label) ?? 0 }));
}

/** Public reports per UTC day for the `days` days ending today, zero-filled, oldest first. */
export async function bugsPerDay(db: DB, days = 30, now = new Date()): Promise<{ day: string; count: number }[]> {
  const end = utcMidnight(now);
  const { rows } = await db.executeQuery(perDayQuery(db, days, end));
  return zeroFilledDays(rows, days, end);
}

/** Public reports per label, every label present (zero when none), in LABELS order. */
export async function bugsByLabel(db: DB): Promise<{ label: Label; count: number }[]> {
  const { rows } = await db.executeQuery(byLabelQuery(db));
  return allLabels(rows);
}

/** Everything the stats page shows, in one D1 batch (one round trip). */
export async function statsOverview(db: DB, days = 30, now = new Date()) {
  const end = utcMidnight(now);
  const [stats, perDay, byLabel] = await db.batch([statsQuery(db), perDayQuery(db, days, end), byLabelQuery(db)]);
  return {
    stats: toStats(stats?.results[0] as Parameters<typeof toStats>[0]),
    perDay: zeroFilledDays((perDay?.results ?? []) as { day: string; count: number }[], days, end),
    byLabel: allLabels((byLabel?.results ?? []) as { label: Label; count: number }[]),
  };
}

/** A domain's id by its (lower-case) host name, whether or not any bug on it is public. */
export async function findDomain(db: DB, hostname: string) {
  return db.selectFrom('domains').select('id').where('hostname', '=', hostname).executeTakeFirst();
}
