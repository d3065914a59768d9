// npm run bench — loads 100k bugs and 1M ledger rows into a throwaway local D1, starts
// `wrangler dev --log-level warn` on it, and measures throughput and latency of the bare route
// and of the fragment routes in the same run, including pages deep in the keyset. Uncached
// fragment rows run against a second `wrangler dev --var EMBED_CACHE:off` (the bench-only
// switch that makes the embed middleware skip the Cache API), each with its own bare baseline.
// Options (env): BENCH_SECONDS (per route, default 6), BENCH_CONCURRENCY (default 16),
// BENCH_BUGS (100000), BENCH_LEDGER (1000000), BENCH_USERS (10000), BENCH_KEEP=1 keeps the data,
// BENCH_PORT (default: a free port).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { d1Query, root, wrangler, wranglerBin, wranglerEnv } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BUGS = Number(process.env.BENCH_BUGS ?? 100_000);
const LEDGER = Number(process.env.BENCH_LEDGER ?? 1_000_000);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const DOMAINS = 5_000;
const dir = join(root, '.bench');
const persist = join(dir, 'state');

function log(msg) {
  console.log(`[bench] ${msg}`);
}

function buildData() {
  if (existsSync(join(dir, 'loaded.json')) && process.env.BENCH_KEEP === '1') {
    log('reusing .bench/state (BENCH_KEEP=1)');
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], { quiet: true });
  const labels = `'general','number_error','functional','performance','security','typo','design','server_down','trademark_squatting'`;
  const sql = `
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${USERS})
INSERT INTO users (id, username, email, password_hash, created_at)
SELECT n, 'bench_' || n, 'bench_' || n || '@example.test', 'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA', '2025-01-01T00:00:00.000Z' FROM seq;

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${DOMAINS})
INSERT INTO domains (id, hostname) SELECT n, 'site' || n || '.bench.example' FROM seq;

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${BUGS})
INSERT INTO bugs (id, user_id, domain_id, url, title, description, label, severity, status, state, is_hidden, created_at, updated_at)
SELECT n,
  CASE WHEN n % 7 = 0 THEN NULL ELSE 1 + (n * 7919) % ${USERS} END,
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

WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${LEDGER})
INSERT INTO points (user_id, bug_id, domain_id, score, reason, created_at, period)
SELECT user_id, bug_id, NULL, score, reason, created_at, substr(created_at, 1, 7) FROM (
  SELECT 1 + (n * 7919) % ${USERS} AS user_id, 1 + n % ${BUGS} AS bug_id, 1 + n % 3 AS score,
    'Benchmark ledger row' AS reason,
    strftime('%Y-%m-%dT%H:%M:%fZ', '2025-12-01', '+' || (n * 30) || ' seconds') AS created_at
  FROM seq
);

${readFileSync(join(root, 'scripts', 'sql', 'rebuild-scores.sql'), 'utf8')}
${readFileSync(join(root, 'scripts', 'sql', 'rebuild-counters.sql'), 'utf8')}
`;
  const file = join(dir, 'load.sql');
  writeFileSync(file, sql);
  log(`loading ${USERS} users, ${DOMAINS} domains, ${BUGS} bugs, ${LEDGER} ledger rows…`);
  wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', persist, '--file', file, '--yes'], { quiet: true });
  const counts = d1Query(
    'SELECT (SELECT count(*) FROM bugs) AS bugs, (SELECT count(*) FROM points) AS points, (SELECT count(*) FROM user_scores) AS scores',
    persist,
  )[0];
  writeFileSync(join(dir, 'loaded.json'), JSON.stringify(counts));
  log(`loaded ${JSON.stringify(counts)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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

async function startWorker(vars = []) {
  const port = process.env.BENCH_PORT ? Number(process.env.BENCH_PORT) : await freePort();
  if (!existsSync(join(root, '.dev.vars'))) {
    writeFileSync(join(root, '.dev.vars'), `JWT_SECRET=${'b'.repeat(48)}\n`);
  }
  const child = spawn(
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
      ...vars.flatMap((v) => ['--var', v]),
    ],
    { cwd: root, env: wranglerEnv, stdio: ['ignore', 'inherit', 'inherit'], detached: true },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return { base, stop: () => process.kill(-child.pid, 'SIGTERM') };
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('wrangler dev did not start');
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

/** Closed-loop load: CONCURRENCY clients, each sending the next request when the last returns. */
async function measure(name, url, headers = {}) {
  const warmEnd = Date.now() + 1000;
  while (Date.now() < warmEnd) await get(url, headers);
  const latencies = [];
  let errors = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        const status = await get(url, headers);
        latencies.push(performance.now() - t);
        if (status !== 200) errors += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { name, rps: latencies.length / SECONDS, p50: pct(50), p95: pct(95), requests: latencies.length, errors };
}

/**
 * Reports one bug through the form, as a person would (multipart, five screenshots made with
 * sharp, a Markdown-heavy description), and returns the routes that show it: the bug page
 * (screenshot rows, Markdown rendering) and one screenshot (R2 read, sandboxed headers).
 */
async function evidenceRoutes(base) {
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
  const res = await fetch(`${base}/api/bugs`, {
    method: 'POST',
    body: form,
    headers: { Origin: base },
    redirect: 'manual',
  });
  const path = res.headers.get('location');
  if (res.status !== 303 || !path) throw new Error(`could not report the evidence bug: ${res.status}`);
  const shot = /src="(\/bugs\/\d+\/screenshots\/[^"]+)"/.exec(await (await fetch(`${base}${path}`)).text())?.[1];
  if (!shot) throw new Error('the evidence bug page shows no screenshot');
  return [
    [`page: ${path} (5 screenshots, Markdown-heavy description)`, path, {}],
    ['file: one screenshot (R2, sandboxed)', shot, {}],
  ];
}

buildData();
// Rows near the end of the keyset (97,000 and 9,900 with the default data).
const DEEP_BUG = Math.floor(BUGS * 0.97);
const DEEP_LEADER = Math.floor(Math.min(USERS, LEDGER) * 0.99);
const deepBug = d1Query(
  `SELECT created_at, id FROM bugs WHERE is_hidden = 0 AND status != 'spam' ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ${DEEP_BUG}`,
  persist,
)[0];
const deepLeader = d1Query(
  `SELECT score, user_id FROM user_scores WHERE period = 'all' AND score > 0 ORDER BY score DESC, user_id LIMIT 1 OFFSET ${DEEP_LEADER}`,
  persist,
)[0];
const hx = { 'HX-Request': 'true' };
const BARE = ['bare: GET /api/health (Worker + 1 D1 query)', '/api/health', {}];
const deepLeaderPath = `/api/leaderboard?after=${deepLeader.score}.${deepLeader.user_id}.${DEEP_LEADER}.${DEEP_LEADER}`;
/** Each run starts its own `wrangler dev` and measures the bare route first, as its baseline. */
const runs = [
  {
    vars: [],
    routes: [
      ['fragment: /api/bugs (newest 25)', '/api/bugs', hx],
      ['fragment: /api/bugs?label=security', '/api/bugs?label=security', hx],
      [
        `fragment: /api/bugs page at row ~${DEEP_BUG.toLocaleString('en')}`,
        `/api/bugs?before=${encodeURIComponent(`${deepBug.created_at}_${deepBug.id}`)}`,
        hx,
      ],
      ['fragment: /api/bugs?q= (title search, no match: worst case)', '/api/bugs?q=no-such-words', hx],
      ['fragment: /api/bugs?q= (title search, every bug matches)', '/api/bugs?q=benchmark', hx],
      ['fragment: /api/bugs?q= (title search, one bug matches)', '/api/bugs?q=number+54321', hx],
      ['fragment: /api/leaderboard (Cache API)', '/api/leaderboard', hx],
      ['fragment: /api/stats (Cache API)', '/api/stats', hx],
      ['page: /bugs (full page)', '/bugs', {}],
      ['page: /stats (counts and both charts, uncached)', '/stats', {}],
    ],
    // Added once the Worker runs: a bug page with five screenshots and a long Markdown description.
    evidence: true,
  },
  {
    // The bench-only switch: the embed middleware skips the Cache API, so these are computed.
    vars: ['EMBED_CACHE:off'],
    routes: [
      ['fragment: /api/leaderboard uncached (EMBED_CACHE=off)', '/api/leaderboard', hx],
      [`fragment: /api/leaderboard page at row ~${DEEP_LEADER.toLocaleString('en')}, uncached`, deepLeaderPath, hx],
      ['fragment: /api/stats uncached (EMBED_CACHE=off)', '/api/stats', hx],
    ],
  },
];
const results = [];
for (const run of runs) {
  const worker = await startWorker(run.vars);
  if (run.vars.length) log(`wrangler dev --var ${run.vars.join(' --var ')}`);
  if (run.evidence) run.routes.push(...(await evidenceRoutes(worker.base)));
  try {
    let bare = 0;
    for (const [name, path, headers] of [BARE, ...run.routes]) {
      const r = await measure(name, worker.base + path, headers);
      if (path === BARE[1]) bare = r.rps;
      r.bare = bare;
      results.push(r);
      log(
        `${r.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms${r.errors ? `, ${r.errors} non-200` : ''}`,
      );
    }
  } finally {
    worker.stop();
  }
}

console.log('\n| route | req/s | vs bare | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.rps.toFixed(0)} | ${((100 * r.rps) / r.bare).toFixed(0)}% | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} |`,
  );
}
writeFileSync(
  join(dir, 'results.json'),
  JSON.stringify({ seconds: SECONDS, concurrency: CONCURRENCY, results }, null, 2),
);
const failing = results.filter((r) => r.name.startsWith('fragment') && r.rps < 0.6 * r.bare);
console.log(
  failing.length
    ? `\n[bench] below 60% of bare: ${failing.map((r) => r.name).join('; ')}`
    : '\n[bench] every fragment route kept >= 60% of the bare route throughput',
);
process.exit(0);
