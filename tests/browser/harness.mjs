// Starts BLT-Next exactly as `npm start` does (fresh throwaway D1, free port) and drives
// Debian's Chromium through playwright-core. Never downloads a browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('../..', import.meta.url).pathname;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * One HTTP(S) request to the server under test, without following redirects. The https server
 * uses wrangler's self-signed local certificate, so it is not verified (it is our own process).
 */
export function get(url, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(u, { method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `npm start` on a free port (TEST_PORT if set) with its own database; resolves once
 * /api/health answers. `https: true` serves https (`wrangler dev --local-protocol https`).
 * `logLevel: 'log'` keeps the Worker's own log lines in `log()` (wrangler drops them at `warn`).
 */
export async function startServer({ https = false, logLevel = 'warn' } = {}) {
  const port = process.env.TEST_PORT ? Number(process.env.TEST_PORT) : await freePort();
  const persist = mkdtempSync(join(tmpdir(), 'blt-browser-db-'));
  const child = spawn('node', ['scripts/dev.mjs'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      BLT_PERSIST_TO: persist,
      LOG_LEVEL: logLevel,
      LOCAL_PROTOCOL: https ? 'https' : 'http',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d) => {
    log += d;
  });
  child.stderr.on('data', (d) => {
    log += d;
  });
  const base = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${log}`);
    try {
      const r = await get(`${base}/api/health`);
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not come up in 120 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    base,
    port,
    persist,
    log: () => log,
    async stop() {
      // Wait for the server to exit (not a fixed pause), so its port and files are free after.
      const exited = child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      await exited;
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** A fresh browser profile; `javaScriptEnabled: false` for the no-JS journeys. */
export async function openBrowser({ javaScriptEnabled = true } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'blt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    javaScriptEnabled,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Problems other than HTTP statuses the journey caused on purpose (Chromium logs every 4xx
 * response, such as a 422 for an invalid form, as a console error).
 */
export function unexpected(problems, expectedStatuses = []) {
  return problems.filter(
    (p) => !expectedStatuses.some((s) => p.includes(`the server responded with a status of ${s} `)),
  );
}

/** Collects console errors, page errors and CSP violations; the journeys assert it stays empty. */
export function watchPage(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText ?? '';
    if (!failure.includes('ERR_ABORTED')) problems.push(`requestfailed: ${req.url()} ${failure}`);
  });
  return problems;
}

const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on what the page shows now (WCAG 2.x A/AA and best practices). The script is
 * evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // `axe` is the global the script above defined.
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  return result;
}

/**
 * The README's copy-paste embed snippets, read from README.md itself so the test fails if the
 * documented snippets stop working. BLT_ORIGIN in them is replaced by the server under test.
 */
export function embedSnippets(base) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = (name) => {
    const m = new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`html\\n([\\s\\S]*?)\`\`\``).exec(readme);
    if (!m) throw new Error(`README.md has no snippet:${name} block`);
    return m[1].replaceAll('https://blt.example', base);
  };
  return { head: block('htmx-head'), htmx: block('htmx-body'), iframe: block('iframe') };
}

/** Logs in through the form, as a person would, and waits until the app has let them in. */
export async function logIn(page, base, username, password = 'demo-password-123') {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/**
 * Reports a bug through the form (with or without JS) on a host of its own and returns the
 * bug's path, so a test never depends on what another test or the demo data created.
 */
export async function reportBug(page, base, { title, host, label }) {
  await page.goto(`${base}/bugs/new`);
  await page.fill('#url', `https://${host}/page`);
  await page.fill('#title', title);
  if (label) await page.selectOption('#label', label);
  await page.getByRole('button', { name: /^Report bug/ }).click();
  await page.waitForURL(/\/bugs\/\d+$/);
  await page.locator('h1', { hasText: title }).waitFor();
  return new URL(page.url()).pathname;
}

/** Holds requests that match `test` for `ms` before sending them: a slow network, on purpose. */
export async function slowDown(page, pattern, ms = 1500, test = () => true) {
  await page.route(pattern, async (route) => {
    if (test(route.request())) await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });
}

/**
 * Sorts a server's output into our log lines (JSON from worker/lib/log.ts), lines of the tools
 * around it (the launcher and wrangler's banner before "Ready on", wrangler's own request lines,
 * the local email simulator's From/To/Subject/file lines, a library's one-time warning) and strangers: a line nobody accounts for, such as a stray
 * console.log, which the log test refuses.
 */
/** The lines the local email simulator (miniflare's send_email) prints for every message it takes. */
const LOCAL_MAIL =
  /^(From: .*|To: .*|Subject: .*|Text: \/\S+\/email-text\/\S+\.txt|HTML: \/\S+\/email-html\/\S+\.html)$/;

export function classifyLog(output) {
  const ours = [];
  const tools = [];
  const strangers = [];
  let ready = false;
  for (const line of output.split('\n')) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's colour codes (ESC [ … m)
    const text = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
    if (!text) continue;
    if (!ready) {
      tools.push(text);
      ready = /Ready on /.test(text);
    } else if (/^\[wrangler:(info|warn)\]|^kysely:warning: outdated driver/.test(text) || LOCAL_MAIL.test(text)) {
      tools.push(text);
    } else {
      let parsed;
      try {
        parsed = text.startsWith('{') ? JSON.parse(text) : undefined;
      } catch {}
      if (parsed && typeof parsed.type === 'string') ours.push({ text, parsed });
      else strangers.push(text);
    }
  }
  return { ours, tools, strangers };
}

/**
 * The newest `path` link (e.g. /verify-email) mailed to `to`, read from npm start's dev outbox
 * (GET /dev/outbox as JSON), as a person would copy it from their mail.
 */
export async function mailLink(base, to, path) {
  const pattern = new RegExp(`https?://[^\\s]*${path}\\?token=[A-Za-z0-9_-]+`);
  for (let i = 0; i < 40; i++) {
    const r = await get(`${base}/dev/outbox`, { headers: { Accept: 'application/json' } });
    const { messages } = JSON.parse(r.text);
    const link = messages
      .filter((m) => m.to === to)
      .map((m) => pattern.exec(m.text)?.[0])
      .find(Boolean);
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no ${path} link mailed to ${to}`);
}

/** Opens the confirmation link mailed to `to` and presses its button: the page is then signed in. */
export async function confirmEmail(page, base, to) {
  await page.goto(await mailLink(base, to, '/verify-email'));
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await page.waitForURL('**/settings?notice=verified');
}
