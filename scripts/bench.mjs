// npm run bench — for each size in BENCH_SIZES (bugs; default 100000) loads a local D1 with that
// many bugs, 10× as many ledger rows and a tenth as many users (at least 10,000), starts
// `wrangler dev --log-level warn` on it (BENCH_INSPECTOR=off: the same Worker without wrangler's
// DevTools inspector, scripts/bench-worker.mjs) and measures, per route of scripts/bench-routes.mjs,
// throughput as a share of the bare route measured by the same Worker in the same seconds (the
// clients alternate between the route and the bare route every second: measurePaired), and p95 latency under
// BENCH_CONCURRENCY closed-loop clients. It prints ONE table with a column pair per size, so it
// shows whether a route's cost is flat in N. Append the table to scripts/bench-results.md.
//
// Uncached rows run on a Worker started with the vars EMBED_CACHE=off and PAGE_CACHE=off (the
// bench-only switches: neither the embed cache nor the page cache is read or written); rows marked
// `cached` run on a Worker with its caches, each Worker with its own bare baseline.
//
// The loaded data is kept per size in .bench/<bugs>-<ledger>-<users>/ and reused while its seed
// version matches (pending migrations are applied to it), so a second run skips the load (the 1M
// load takes ~9 minutes). BENCH_FRESH=1 reloads.
// Options (env): BENCH_SIZES (e.g. 100000,1000000), BENCH_SECONDS (per route, default 6),
// BENCH_CONCURRENCY (16), BENCH_LEDGER / BENCH_USERS (override the per-size defaults),
// BENCH_ONLY (substrings joined by |: measure only the routes whose name contains one), BENCH_PORT,
// BENCH_INSPECTOR=off (see scripts/bench-worker.mjs: shares read lower, the bare route gains most),
// BENCH_LOAD_ONLY=1 (load the data and stop).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BARE, ROUTES } from './bench-routes.mjs';
import { d1Query, hashPassword, root, wrangler, wranglerBin, wranglerEnv } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SIZES = (process.env.BENCH_SIZES ?? process.env.BENCH_BUGS ?? '100000').split(',').map(Number);
const ONLY = process.env.BENCH_ONLY;
/** `wrangler dev` (the default, as issue 16 measured), or the same Worker without its inspector. */
const INSPECTOR = process.env.BENCH_INSPECTOR !== 'off';
/** wrangler's debug log (every inspector event under `wrangler dev`): here, and only this run's. */
const WRANGLER_LOGS = join(root, '.bench', 'logs');
const DOMAINS = 5_000;
/** The signed-in bench user (an admin): bench_1 with this password. */
const BENCH_PASSWORD = 'bench-password-1';
/** Goal of issue 16: every uncached route at least this share of bare, p95 at most this. */
const GOAL_SHARE = 0.7;
const GOAL_P95_MS = 200;

function log(msg) {
  console.log(`[bench] ${msg}`);
}

function sizeOf(bugs) {
  if (!Number.isInteger(bugs) || bugs < 1000) throw new Error(`BENCH_SIZES: ${bugs} is not a size (>= 1000 bugs)`);
  const ledger = Number(process.env.BENCH_LEDGER ?? bugs * 10);
  const users = Number(process.env.BENCH_USERS ?? Math.max(10_000, Math.floor(bugs / 10)));
  const dir = join(root, '.bench', `${bugs}-${ledger}-${users}`);
  return {
    bugs,
    ledger,
    users,
    dir,
    persist: join(dir, 'state'),
    label: bugs >= 1e6 ? `${bugs / 1e6}M` : `${bugs / 1e3}k`,
  };
}

function loadSql({ bugs, ledger, users }) {
  const labels = `'general','number_error','functional','performance','security','typo','design','server_down','trademark_squatting'`;
  return `
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${users})
INSERT INTO users (id, username, email, password_hash, created_at, email_verified_at, session_key)
SELECT n, 'bench_' || n, 'bench_' || n || '@example.test', 'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA',
  '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', lower(hex(randomblob(16))) FROM seq;
UPDATE users SET password_hash = '@BENCH_HASH@', role = 'admin' WHERE id = 1;

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${DOMAINS})
INSERT INTO domains (id, hostname) SELECT n, 'site' || n || '.bench.example' FROM seq;

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${bugs})
INSERT INTO bugs (id, user_id, domain_id, url, title, description, label, severity, status, state, is_hidden, created_at, updated_at)
SELECT n,
  CASE WHEN n % 7 = 0 THEN NULL ELSE 1 + (n * 7919) % ${users} END,
  1 + (n * 104729) % ${DOMAINS},
  'https://site' || (1 + (n * 104729) % ${DOMAINS}) || '.bench.example/page/' || n,
  'Benchmark bug number ' || n,
  'Generated for npm run bench.',
  json_extract(json_array(${labels}), '$[' || (n % 9) || ']'),
  json_extract(json_array('none','low','medium','high','critical'), '$[' || (n % 5) || ']'),
  CASE WHEN n % 5 = 0 THEN 'closed' WHEN n % 997 = 0 THEN 'spam' ELSE 'open' END,
  CASE WHEN n % 5 = 0 THEN 'closed' WHEN n % 997 = 0 THEN 'spam' ELSE 'new' END,
  CASE WHEN n % 50 = 0 THEN 1 ELSE 0 END,
  strftime('%Y-%m-%dT%H:%M:%fZ', '2025-12-01', '+' || (n * 300) || ' seconds'),
  strftime('%Y-%m-%dT%H:%M:%fZ', '2025-12-01', '+' || (n * 300) || ' seconds')
FROM seq;

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ledger})
INSERT INTO points (user_id, bug_id, domain_id, score, reason, created_at, period)
SELECT user_id, bug_id, NULL, score, reason, created_at, substr(created_at, 1, 7) FROM (
  SELECT 1 + (n * 7919) % ${users} AS user_id, 1 + n % ${bugs} AS bug_id, 1 + n % 3 AS score,
    'Benchmark ledger row' AS reason,
    strftime('%Y-%m-%dT%H:%M:%fZ', '2025-12-01', '+' || (n * 30) || ' seconds') AS created_at
  FROM seq
);

${readFileSync(join(root, 'scripts', 'sql', 'rebuild-scores.sql'), 'utf8')}
${readFileSync(join(root, 'scripts', 'sql', 'rebuild-counters.sql'), 'utf8')}
-- The title words the Worker records as it writes titles (worker/db/search.ts), as migration 0012 does.
CREATE VIRTUAL TABLE bench_vocab USING fts5vocab(bugs_fts, row);
INSERT OR IGNORE INTO search_terms (term) SELECT term FROM bench_vocab WHERE length(term) BETWEEN 4 AND 200;
DROP TABLE bench_vocab;
`;
}

/** Loads the size's data unless a load of the same SQL is already there; always applies new migrations. */
function buildData(size) {
  const template = loadSql(size);
  const version = createHash('sha256').update(template).digest('hex').slice(0, 16);
  const marker = join(size.dir, 'loaded.json');
  const previous = existsSync(marker) ? JSON.parse(readFileSync(marker, 'utf8')) : null;
  if (previous?.version === version && process.env.BENCH_FRESH !== '1') {
    log(`${size.label}: reusing ${size.dir} (seed ${version}); applying any new migrations`);
    wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', size.persist], { quiet: true });
    return previous;
  }
  rmSync(size.dir, { recursive: true, force: true });
  mkdirSync(size.dir, { recursive: true });
  const t0 = Date.now();
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', size.persist], { quiet: true });
  const file = join(size.dir, 'load.sql');
  writeFileSync(file, template.replace('@BENCH_HASH@', hashPassword(BENCH_PASSWORD)));
  log(`${size.label}: loading ${size.users} users, ${DOMAINS} domains, ${size.bugs} bugs, ${size.ledger} ledger rows…`);
  wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', size.persist, '--file', file, '--yes'], { quiet: true });
  const counts = d1Query(
    'SELECT (SELECT count(*) FROM bugs) AS bugs, (SELECT count(*) FROM points) AS points, (SELECT count(*) FROM user_scores) AS scores',
    size.persist,
  )[0];
  // Rows near the end of the keysets (97% of the bugs, 99% of the ranked users).
  const deepBugRow = Math.floor(size.bugs * 0.97);
  const deepLeaderRow = Math.floor(Math.min(size.users, size.ledger) * 0.99);
  const deepBug = d1Query(
    `SELECT created_at, id FROM bugs WHERE is_hidden = 0 AND status != 'spam' ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ${deepBugRow}`,
    size.persist,
  )[0];
  const deepLeader = d1Query(
    `SELECT score, user_id FROM user_scores WHERE period = 'all' AND score > 0 ORDER BY score DESC, user_id LIMIT 1 OFFSET ${deepLeaderRow}`,
    size.persist,
  )[0];
  const loaded = { version, counts, deepBug, deepLeader, deepLeaderRow, seconds: (Date.now() - t0) / 1000 };
  writeFileSync(marker, JSON.stringify(loaded));
  log(`${size.label}: loaded ${JSON.stringify(counts)} in ${loaded.seconds.toFixed(1)} s`);
  return loaded;
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startWorker(persist, vars = []) {
  const port = process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) : await freePort();
  if (!existsSync(join(root, '.dev.vars'))) {
    writeFileSync(join(root, '.dev.vars'), `JWT_SECRET=${'b'.repeat(48)}\n`);
  }
  const [command, args] = INSPECTOR
    ? [
        wranglerBin,
        [
          'dev',
          '--local',
          '--port',
          String(port),
          '--ip',
          '127.0.0.1',
          '--log-level',
          'warn',
          '--persist-to',
          persist,
        ].concat(vars.flatMap((v) => ['--var', v])),
      ]
    : // scripts/bench-worker.mjs: `wrangler dev` without its DevTools inspector (why: see there).
      [process.execPath, [join(root, 'scripts', 'bench-worker.mjs'), String(port), persist, ...vars]];
  const child = spawn(command, args, {
    cwd: root,
    env: { ...wranglerEnv, WRANGLER_LOG_PATH: WRANGLER_LOGS },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise((r) => child.once('exit', r));
  /** Stops the Worker and waits until it has exited, so the next one can take the same port. */
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    await exited;
  };
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${base}${BARE.path}`)).ok) return { base, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the bench Worker (${INSPECTOR ? 'wrangler dev' : 'scripts/bench-worker.mjs'}) did not start`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

/** Length of one phase of measurePaired(): short against the machine's drift, long against a phase's edges. */
const PHASE_MS = 1000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * The route and the bare route measured under the same conditions: CONCURRENCY closed-loop
 * clients send the route for PHASE_MS, then the bare route for PHASE_MS, and so on, SECONDS of
 * each (route, bare, bare, route, route, bare, …: a steady drift favours neither side). A request
 * counts for the phase it started in. This shared machine's speed moves by 15% within seconds
 * (the bare route read 136 to 205 req/s in one run, and a 1–2 s stall can land in any sample), so
 * a route and a baseline measured even seconds apart compared different machines (runs A–L).
 * `share` is the median over the SECONDS adjacent route/bare phase pairs of route req/s over bare
 * req/s, so one stalled phase moves it little; `shareAll` is all route seconds over all bare
 * seconds, and both are printed.
 */
async function measurePaired(url, headers, bareUrl) {
  const warmEnd = Date.now() + 1000;
  while (Date.now() < warmEnd) await get(url, headers);
  const phases = 2 * Math.max(1, Math.round((SECONDS * 1000) / PHASE_MS));
  const kinds = Array.from({ length: phases }, (_, i) => ((i + 1) % 4 < 2 ? 'route' : 'bare'));
  const started = Array.from({ length: phases }, () => 0);
  const ms = Array.from({ length: phases }, () => 0);
  const latencies = { route: [], bare: [] };
  const errors = { route: 0, bare: 0 };
  let phase = 0;
  let running = true;
  const clients = Array.from({ length: CONCURRENCY }, async () => {
    while (running) {
      const at = phase;
      const kind = kinds[at];
      started[at] += 1;
      const t = performance.now();
      const status = await (kind === 'route' ? get(url, headers) : get(bareUrl, {}));
      latencies[kind].push(performance.now() - t);
      if (status !== 200) errors[kind] += 1;
    }
  });
  for (; phase < phases; phase++) {
    const t = performance.now();
    await new Promise((r) => setTimeout(r, PHASE_MS));
    ms[phase] = performance.now() - t;
    if (phase === phases - 1) running = false;
  }
  phase = phases - 1; // requests started after the last phase count for it, and are few
  await Promise.all(clients);
  const rate = (i) => started[i] / (ms[i] / 1000);
  const pairs = [];
  for (let i = 0; i + 1 < phases; i += 2) {
    const [r, b] = kinds[i] === 'route' ? [i, i + 1] : [i + 1, i];
    pairs.push(rate(r) / rate(b));
  }
  const total = (kind) => {
    let n = 0;
    let t = 0;
    for (let i = 0; i < phases; i++) {
      if (kinds[i] !== kind) continue;
      n += started[i];
      t += ms[i];
    }
    return n / (t / 1000);
  };
  const summary = (kind) => {
    const l = latencies[kind].sort((a, b) => a - b);
    return {
      rps: total(kind),
      p50: percentile(l, 50),
      p95: percentile(l, 95),
      requests: l.length,
      errors: errors[kind],
    };
  };
  const route = summary('route');
  const bare = summary('bare');
  return { route: { ...route, share: median(pairs), shareAll: route.rps / bare.rps, pairs }, bare };
}

/** What route entries see (scripts/bench-routes.mjs). */
let runs = 0;
function context(base, size, loaded) {
  let cookie;
  runs += 1;
  return {
    base,
    /** Differs per Worker run: seed hooks that cache their work key on it. */
    runId: runs,
    bugs: size.bugs,
    users: size.users,
    ledger: size.ledger,
    domains: DOMAINS,
    ...loaded,
    /** The session cookie of bench_1 (an admin), signed in once per Worker. */
    async signIn() {
      if (cookie) return cookie;
      const res = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'bench_1', password: BENCH_PASSWORD }),
        headers: { Origin: base },
        redirect: 'manual',
      });
      const set = res.headers.getSetCookie().find((c) => c.startsWith('__Host-blt_session='));
      if (!set) throw new Error(`bench_1 could not sign in: ${res.status}`);
      cookie = set.split(';')[0];
      return cookie;
    },
    /** Files a report through the form (anonymous, multipart) and returns the new bug's path. */
    async report(form) {
      const res = await fetch(`${base}/api/bugs`, {
        method: 'POST',
        body: form,
        headers: { Origin: base },
        redirect: 'manual',
      });
      const path = res.headers.get('location');
      if (res.status !== 303 || !path) throw new Error(`could not report a bug: ${res.status}`);
      return path;
    },
  };
}

async function runWorker(size, loaded, routes, vars) {
  const out = new Map();
  if (!routes.length) return out;
  const worker = await startWorker(size.persist, vars);
  try {
    const ctx = context(worker.base, size, loaded);
    // Each route is measured in phases alternating with the bare route (measurePaired), and its
    // share is over the bare route's req/s in those same seconds. The bare route's own row is the
    // mean over all of them.
    const pending = [];
    const bareRuns = [];
    log(`${size.label} ${vars.length ? 'uncached' : 'cached'} worker`);
    for (const route of routes) {
      const seeded = route.seed ? await route.seed(ctx) : undefined;
      const path = typeof route.path === 'function' ? route.path(ctx, seeded) : route.path;
      const headers = {
        ...(typeof route.headers === 'function' ? route.headers(ctx, seeded) : route.headers),
        ...(route.signedIn ? { Cookie: await ctx.signIn() } : {}),
      };
      const { route: r, bare } = await measurePaired(worker.base + path, headers, worker.base + BARE.path);
      bareRuns.push(bare);
      pending.push([route.name, { ...r, bare: bare.rps }]);
      log(
        `${size.label} ${route.name}: ${r.rps.toFixed(0)} req/s (${r.share.toFixed(2)} of bare: median of pairs ${r.pairs.map((x) => x.toFixed(2)).join(' ')}; ${r.shareAll.toFixed(2)} over all seconds, bare ${bare.rps.toFixed(0)} req/s), p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms${r.errors ? `, ${r.errors} non-200` : ''}`,
      );
    }
    const baseline = bareRuns.reduce((a, b) => a + b.rps, 0) / bareRuns.length;
    const lowest = Math.min(...bareRuns.map((b) => b.rps));
    const highest = Math.max(...bareRuns.map((b) => b.rps));
    log(
      `${size.label} ${BARE.name}: ${baseline.toFixed(0)} req/s on average (${lowest.toFixed(0)}–${highest.toFixed(0)})`,
    );
    out.set(vars.length ? BARE.name : `${BARE.name} (cached worker)`, {
      share: 1,
      shareAll: 1,
      rps: baseline,
      p95: Math.max(...bareRuns.map((b) => b.p95)),
      errors: bareRuns.reduce((a, b) => a + b.errors, 0),
      bare: baseline,
    });
    for (const [name, r] of pending) out.set(name, r);
  } finally {
    await worker.stop();
  }
  return out;
}

// Under `wrangler dev` the debug log grows by about 40 MB a minute (850 MB in one full run): keep only this run's.
rmSync(WRANGLER_LOGS, { recursive: true, force: true });
const routes = ROUTES.filter((r) => !ONLY || ONLY.split('|').some((part) => r.name.includes(part)));
const sizes = SIZES.map(sizeOf);
const started = new Date();
const bySize = [];
for (const size of sizes) {
  const loaded = buildData(size);
  if (process.env.BENCH_LOAD_ONLY === '1') continue;
  // Routes' `sql` seed hooks, on the stored data before any Worker starts (each must be idempotent).
  for (const route of routes.filter((r) => r.sql)) {
    const statement = typeof route.sql === 'function' ? route.sql(size) : route.sql;
    wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', size.persist, '--command', statement, '--yes'], {
      quiet: true,
    });
  }
  const uncached = await runWorker(
    size,
    loaded,
    routes.filter((r) => !r.cached),
    ['EMBED_CACHE:off', 'PAGE_CACHE:off'],
  );
  const cached = await runWorker(
    size,
    loaded,
    routes.filter((r) => r.cached),
    [],
  );
  bySize.push({ size, results: new Map([...uncached, ...cached]) });
}
if (process.env.BENCH_LOAD_ONLY === '1') process.exit(0);

const names = [...new Set(bySize.flatMap((s) => [...s.results.keys()]))];
const header = `| route | ${bySize.map((s) => `share of bare at ${s.size.label} | over all seconds | p95 at ${s.size.label}`).join(' | ')} |`;
const lines = [
  `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · ` +
    `sizes ${bySize.map((s) => `${s.size.label} (${s.size.bugs} bugs, ${s.size.ledger} ledger rows, ${s.size.users} users)`).join(', ')} · ` +
    `${INSPECTOR ? '`wrangler dev`' : 'Worker without the DevTools inspector (BENCH_INSPECTOR=off)'} · ${CONCURRENCY} clients, ${SECONDS} s per route, alternating with the bare route every ${PHASE_MS / 1000} s (${SECONDS} s of each; share: the median over the ${SECONDS} route/bare pairs) · bare req/s ${bySize.map((s) => `${s.size.label} ${s.results.get(BARE.name)?.rps.toFixed(0) ?? '–'}`).join(', ')}`,
  '',
  header,
  `| --- | ${bySize.map(() => '---: | ---: | ---:').join(' | ')} |`,
];
const misses = [];
const slow = [];
/** Two decimals, or three where two would round a miss up to the goal (0.697 is not 0.70). */
const shareText = (share) =>
  share < GOAL_SHARE && share.toFixed(2) === GOAL_SHARE.toFixed(2) ? share.toFixed(3) : share.toFixed(2);
for (const name of names) {
  const cells = bySize.map((s) => {
    const r = s.results.get(name);
    if (!r) return '– | – | –';
    const judged = !name.startsWith('bare') && !name.startsWith('cached');
    const low = judged && r.share < GOAL_SHARE;
    const late = judged && r.p95 > GOAL_P95_MS;
    if (low) misses.push(`${name} at ${s.size.label}: ${shareText(r.share)} of bare`);
    if (late) slow.push(`${name} at ${s.size.label}: p95 ${r.p95.toFixed(0)} ms`);
    const share = low ? `**${shareText(r.share)}**` : shareText(r.share);
    const p95 = late ? `**${r.p95.toFixed(0)} ms**` : `${r.p95.toFixed(0)} ms`;
    return `${share} | ${r.shareAll.toFixed(2)} | ${p95}${r.errors ? ` (${r.errors} non-200)` : ''}`;
  });
  lines.push(`| ${name} | ${cells.join(' | ')} |`);
}
console.log(`\n${lines.join('\n')}`);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(
  join(root, '.bench', 'results.json'),
  JSON.stringify(
    {
      started,
      seconds: SECONDS,
      concurrency: CONCURRENCY,
      sizes: bySize.map((s) => ({ ...s.size, results: Object.fromEntries(s.results) })),
    },
    null,
    2,
  ),
);
writeFileSync(join(root, '.bench', 'results.md'), `${lines.join('\n')}\n`);
console.log(
  misses.length
    ? `\n[bench] below ${GOAL_SHARE} of bare:\n  ${misses.join('\n  ')}`
    : `\n[bench] every uncached route kept >= ${GOAL_SHARE} of bare`,
);
console.log(
  slow.length
    ? `[bench] p95 above ${GOAL_P95_MS} ms:\n  ${slow.join('\n  ')}`
    : `[bench] every uncached route kept p95 <= ${GOAL_P95_MS} ms`,
);
console.log('[bench] the table is also in .bench/results.md: append it to scripts/bench-results.md');
process.exit(0);
