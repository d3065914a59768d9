import { readFileSync } from 'node:fs';

// The routes `npm run bench` measures: ONE ENTRY PER ROUTE. To add a route, append an entry:
//
//   { name: 'page: /owned (triage console)', path: '/owned', signedIn: true },
//   { name: 'feed: /domains/… atom', seed: async (ctx) => ({ host: … }), path: (ctx, s) => `/domains/${s.host}/feed.atom` },
//
// Fields:
// - name      the row's label in the table (keep it stable: bench-results.md compares runs by it).
// - path      a path, or (ctx, seeded) => path when it depends on the data (ctx below, seeded = what
//             `seed` returned).
// - headers   extra request headers (e.g. HX for fragments), or (ctx, seeded) => headers.
// - seed      optional async (ctx) => any: runs once per size after the Worker is up, before any
//             measurement (report a bug through the API, sign in, claim a domain…). Its result is
//             passed to `path`/`headers`.
// - sql       optional SQL (or (size) => SQL) run on the stored data before the Workers start, for
//             rows no API makes cheaply; it must be idempotent (INSERT OR IGNORE …), as the data
//             is reused across runs. E.g. `sql: 'INSERT OR IGNORE INTO domain_owners (domain_id, user_id) VALUES (42, 1)'`.
// - signedIn  true: the request carries the session cookie of bench_1 (an admin, see bench.mjs),
//             so it goes past every cache like any signed-in reader.
// - cached    true: measured on the Worker WITH its caches (a cached row). Every other row runs on a
//             Worker started with `--var EMBED_CACHE:off --var PAGE_CACHE:off`, the bench-only
//             switches that make the embed cache and the page cache compute every answer.
//
// ctx: { base, bugs, users, ledger, domains, deepBug: {created_at,id}, deepLeader: {score,user_id},
//        deepLeaderRow, signIn(): Promise<cookie header>, report(form): Promise<path of the new bug> }
// Every row's share is its req/s over the bare route's, measured first by the same Worker.

const hx = { 'HX-Request': 'true' };

/** The fixed, cheap baseline: the Worker, its middleware and one `SELECT 1` on D1. */
export const BARE = { name: 'bare: GET /api/health (Worker + SELECT 1)', path: '/api/health' };

/** Reports one bug with five screenshots and a long Markdown description, as a person would. */
async function evidenceBug(ctx) {
  const { makeImages } = await import('../tests/fixtures/images.mjs');
  const images = await makeImages();
  const section = (i) =>
    `## Step ${i}\n\n1. Open **the cart** with \`?item=${i}\`\n2. See [the docs](https://docs.example/${i})\n\n` +
    '```http\nPOST /cart HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\n\nqty=-1\n```\n\n' +
    '> Expected: an error. *Actual*: the total goes negative.\n\n';
  const form = new FormData();
  form.append('url', 'https://site1.bench.example/cart');
  form.append('title', 'Benchmark bug with screenshots and Markdown');
  form.append(
    'description',
    Array.from({ length: 20 }, (_, i) => section(i + 1))
      .join('')
      .slice(0, 10_000),
  );
  for (const key of ['jpeg', 'png', 'webp', 'gif', 'progressiveJpeg']) {
    form.append('screenshots', new Blob([Buffer.from(images[key].data, 'base64')]), `${key}.img`);
  }
  const path = await ctx.report(form);
  const html = await (await fetch(`${ctx.base}${path}`)).text();
  const shot = /src="(\/bugs\/\d+\/screenshots\/[^"]+)"/.exec(html)?.[1];
  if (!shot) throw new Error('the evidence bug page shows no screenshot');
  return { path, shot };
}

let evidence;
/** Seeds the evidence bug once per Worker run, shared by the two rows that show it. */
const evidenceOnce = (ctx) => {
  const key = `${ctx.base} ${ctx.bugs} ${ctx.runId}`;
  if (evidence?.key !== key) evidence = { key, done: evidenceBug(ctx) };
  return evidence.done;
};

export const ROUTES = [
  // The method's control: the bare route against itself should read 1.00 (measurePaired in bench.mjs).
  { name: 'control: the bare route itself', path: '/api/health' },
  // Bug list fragments
  { name: 'fragment: /api/bugs (newest 25)', path: '/api/bugs', headers: hx },
  { name: 'fragment: /api/bugs?label=security', path: '/api/bugs?label=security', headers: hx },
  {
    name: 'fragment: /api/bugs page at row 97%',
    path: (ctx) => `/api/bugs?before=${encodeURIComponent(`${ctx.deepBug.created_at}_${ctx.deepBug.id}`)}`,
    headers: hx,
  },
  // Title search: no match, every bug, one bug (rare word beside a common one), short prefixes
  { name: 'search: no match', path: '/api/bugs?q=no-such-words', headers: hx },
  { name: 'search: every bug matches ("benchmark")', path: '/api/bugs?q=benchmark', headers: hx },
  { name: 'search: one bug matches ("number 54321")', path: '/api/bugs?q=number+54321', headers: hx },
  { name: 'search: rare word alone ("54321")', path: '/api/bugs?q=54321', headers: hx },
  { name: 'search: short prefix ("be")', path: '/api/bugs?q=be', headers: hx },
  { name: 'search: 3-letter prefix of two words ("ben num")', path: '/api/bugs?q=ben+num', headers: hx },
  { name: 'search: site: a domain', path: '/api/bugs?q=site%3Asite42.bench.example', headers: hx },
  { name: 'search: by: a reporter + word', path: '/api/bugs?q=by%3Abench_42+benchmark', headers: hx },
  // The report form's "is it one of these?" hint: common words beside a rare one
  {
    name: 'similar: /api/bugs/similar?title=… (report form)',
    path: '/api/bugs/similar?title=Benchmark+bug+number+54321',
    headers: hx,
  },
  // Leaderboard and stats, computed
  { name: 'fragment: /api/leaderboard', path: '/api/leaderboard', headers: hx },
  {
    name: 'fragment: /api/leaderboard page at row 99%',
    path: (ctx) =>
      `/api/leaderboard?after=${ctx.deepLeader.score}.${ctx.deepLeader.user_id}.${ctx.deepLeaderRow}.${ctx.deepLeaderRow}`,
    headers: hx,
  },
  { name: 'fragment: /api/stats', path: '/api/stats', headers: hx },
  { name: 'json: /api/stats (counts and both charts)', path: '/api/stats', headers: { Accept: 'application/json' } },
  // Full pages, computed
  { name: 'page: /bugs', path: '/bugs' },
  { name: 'page: /stats', path: '/stats' },
  { name: 'page: /leaderboard', path: '/leaderboard' },
  { name: 'page: /domains/site42.bench.example', path: '/domains/site42.bench.example' },
  { name: 'page: /users/bench_42', path: '/users/bench_42' },
  { name: 'page: /bugs signed in', path: '/bugs', signedIn: true },
  {
    name: 'page: bug with 5 screenshots, Markdown-heavy description',
    seed: evidenceOnce,
    path: (_ctx, s) => s.path,
  },
  { name: 'file: one screenshot (R2, sandboxed)', seed: evidenceOnce, path: (_ctx, s) => s.shot },
  // Cached rows: what most anonymous readers get
  { name: 'cached: /api/leaderboard (Cache API)', path: '/api/leaderboard', headers: hx, cached: true },
  { name: 'cached: /api/stats (Cache API)', path: '/api/stats', headers: hx, cached: true },
  { name: 'cached: page /bugs (Workers Cache)', path: '/bugs', cached: true },
  { name: 'cached: page /stats (Workers Cache)', path: '/stats', cached: true },
  { name: 'cached: page /leaderboard (Workers Cache)', path: '/leaderboard', cached: true },
  // Domain owners and notifications (issue 13): bench_1 owns site42 (and is an admin).
  {
    name: 'owners: page /domains/site42…/triage (console)',
    path: '/domains/site42.bench.example/triage',
    signedIn: true,
    sql: "INSERT OR IGNORE INTO domain_owners (domain_id, user_id, added_by, method) VALUES (42, 1, NULL, 'added')",
  },
  {
    name: 'owners: fragment triage ?state=new (htmx)',
    path: '/domains/site42.bench.example/triage?state=new',
    headers: hx,
    signedIn: true,
  },
  { name: 'owners: page /owned', path: '/owned', signedIn: true },
  {
    name: 'notifications: page /notifications (10k, 90% read)',
    path: '/notifications',
    signedIn: true,
    sql: `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 10000)
INSERT INTO notifications (user_id, kind, bug_id, domain_id, summary, created_at, read_at)
SELECT 1, 'comment', n, 1 + (n * 104729) % 5000, '', '2025-06-01T00:00:00.000Z',
  CASE WHEN n % 10 = 0 THEN NULL ELSE '2025-06-02T00:00:00.000Z' END
FROM seq WHERE NOT EXISTS (SELECT 1 FROM notifications WHERE user_id = 1)`,
  },
  {
    name: 'notifications: json /api/notifications',
    path: '/api/notifications',
    headers: { Accept: 'application/json' },
    signedIn: true,
  },
  // Feeds, badge and the responsive board (issue 14); scorecards rebuilt from the loaded reports.
  { name: 'feed: /bugs.atom', path: '/bugs.atom' },
  { name: 'feed: /bugs.atom?label=security', path: '/bugs.atom?label=security' },
  { name: 'feed: /domains/site42…/feed.atom', path: '/domains/site42.bench.example/feed.atom' },
  { name: 'feed: /users/bench_42/feed.atom', path: '/users/bench_42/feed.atom' },
  { name: 'badge: /badge/site42….svg', path: '/badge/site42.bench.example.svg' },
  {
    name: 'board: page /leaderboard/domains',
    path: '/leaderboard/domains',
    sql: readFileSync(new URL('./sql/rebuild-scorecards.sql', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('--')) // wrangler would read a leading -- as a flag
      .join('\n'),
  },
  { name: 'board: fragment /api/leaderboard/domains', path: '/api/leaderboard/domains', headers: hx },
];
