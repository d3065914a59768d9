// npm run lighthouse — Lighthouse (pinned devDependency) on every main page, with Debian's
// Chromium (/usr/bin/chromium, or CHROMIUM_PATH; no browser is downloaded). Starts `npm start` on
// its own throwaway database with the demo data (LIGHTHOUSE_PORT or TEST_PORT, else a free port),
// prints the four category scores per page and exits 1 when any is below 100. Mobile emulation
// and simulated throttling, Lighthouse's defaults. Takes about 2-4 minutes.
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { startServer } from '../tests/browser/harness.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
/** chrome-launcher's own flags plus what a container needs (no sandbox, no GPU, no /dev/shm). */
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic'];

if (process.env.TEST_PORT && !process.env.LIGHTHOUSE_PORT) process.env.LIGHTHOUSE_PORT = process.env.TEST_PORT;
if (process.env.LIGHTHOUSE_PORT) process.env.TEST_PORT = process.env.LIGHTHOUSE_PORT;

const started = Date.now();
/** LIGHTHOUSE_ONLY=<name part>: measure only the pages whose name contains it. */
const ONLY = process.env.LIGHTHOUSE_ONLY;
const server = await startServer();
let chrome;
const rows = [];
try {
  const base = server.base;
  const list = await (await fetch(`${base}/bugs`)).text();
  const bugPath = /href="(\/bugs\/\d+)"/.exec(list)?.[1];
  const bugPage = bugPath ? await (await fetch(`${base}${bugPath}`)).text() : '';
  const domainPath = /href="(\/domains\/[^"]+)"/.exec(bugPage)?.[1] ?? /href="(\/domains\/[^"]+)"/.exec(list)?.[1];
  if (!bugPath || !domainPath) throw new Error('the demo data has no bug or domain page to measure');
  const pages = [
    ['home', '/'],
    ['bug list', '/bugs'],
    ['bug page', bugPath],
    ['leaderboard', '/leaderboard'],
    ['stats', '/stats'],
    ['domain page', domainPath],
    ['user page', '/users/demo_alice'],
    ['login', '/login'],
    ['report form', '/bugs/new'],
  ];
  chrome = await launch({ chromePath: CHROMIUM, chromeFlags: FLAGS, logLevel: 'silent' });
  for (const [name, path] of pages.filter(([n]) => !ONLY || n.includes(ONLY))) {
    const result = await lighthouse(`${base}${path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
    });
    const lhr = result?.lhr;
    const scores = CATEGORIES.map((c) => Math.round((lhr?.categories[c]?.score ?? 0) * 100));
    const failing = CATEGORIES.flatMap((c) =>
      (lhr?.categories[c]?.auditRefs ?? [])
        .map((ref) => lhr.audits[ref.id])
        .filter(
          (a) =>
            a &&
            a.score !== null &&
            a.score < 1 &&
            a.scoreDisplayMode !== 'informative' &&
            a.scoreDisplayMode !== 'manual',
        )
        .map((a) => `${c}: ${a.id}`),
    );
    rows.push({ name, path, scores, failing });
    console.log(
      `[lighthouse] ${name} ${path}: ${scores.join(' / ')}${failing.length ? `  (${failing.join(', ')})` : ''}`,
    );
  }
} finally {
  await chrome?.kill();
  await server.stop();
}
console.log(
  `\n| page | path | performance | accessibility | best practices | SEO |\n| --- | --- | ---: | ---: | ---: | ---: |`,
);
for (const r of rows) console.log(`| ${r.name} | ${r.path} | ${r.scores.join(' | ')} |`);
const below = rows.filter((r) => r.scores.some((s) => s < 100));
console.log(
  `\n[lighthouse] ${rows.length} pages in ${((Date.now() - started) / 1000).toFixed(0)} s: ${below.length ? `below 100 on ${below.map((r) => r.name).join(', ')}` : 'every score 100'}`,
);
process.exit(below.length ? 1 : 0);
