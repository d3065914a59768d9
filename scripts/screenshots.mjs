// `npm run screenshots`: starts BLT-Next like the browser suite does (throwaway database with
// the demo data, free port) and writes full-page PNGs of the main pages at phone and desk
// widths, light and dark, into screenshots/ (git-ignored), so layout defects are seen, not guessed.
// SCREENSHOT_DIR changes the folder; SCREENSHOT_ONLY=stats,bugs limits the pages.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startServer } from '../tests/browser/harness.mjs';
import { root } from './lib.mjs';

const outDir = process.env.SCREENSHOT_DIR ?? join(root, 'screenshots');
const only = process.env.SCREENSHOT_ONLY?.split(',').filter(Boolean);
const WIDTHS = [390, 1366];
const SCHEMES = ['light', 'dark'];

/** The report form answered with errors (422): a plain POST without JS, an htmx swap with it. */
async function reportWithErrors(page, base) {
  await page.goto(`${base}/bugs/new`);
  await page.fill('#url', 'javascript:alert(1)');
  await page.fill('#title', 'abc');
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/bugs') && r.request().method() === 'POST');
  await page.getByRole('button', { name: /Report bug/ }).click();
  await answered;
  await page.locator('.error-summary').waitFor();
}

/** /bugs with a filter set and the filter panel opened. */
async function bugsFiltered(page, base) {
  await page.goto(`${base}/bugs?label=security&status=open`);
  await page.locator('.filter-panel > summary').click();
  await page.locator('.filters button').waitFor();
}

async function logIn(page, base, username) {
  await page.context().clearCookies(); // signed in as someone else, /login shows no form
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', 'demo-password-123');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** /settings/tokens right after making a token: the one moment the secret is on screen. */
async function tokensCreated(page, base) {
  await page.goto(`${base}/settings/tokens`);
  await page.getByLabel('Name').fill(`CI ${Date.now().toString(36)}`);
  await page.getByRole('checkbox', { name: /^Report/ }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('heading', { name: /Your new token/ }).waitFor();
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
try {
  mkdirSync(outDir, { recursive: true });
  const first = await (
    await fetch(`${server.base}/api/bugs?limit=1`, { headers: { Accept: 'application/json' } })
  ).json();
  const bugPath = `/bugs/${first.bugs[0].id}`;
  // [name, path or action, JS states, signed in as]
  const pages = [
    ['home', '/', [true, false]],
    ['bugs', '/bugs', [true]],
    ['bugs-filtered', bugsFiltered, [true]],
    ['bug', bugPath, [true], 'demo_bob'],
    ['report-errors', reportWithErrors, [true, false]],
    ['leaderboard', '/leaderboard', [true], 'demo_alice'],
    ['stats', '/stats', [true]],
    ['profile', '/users/demo_alice', [true], 'demo_alice'],
    ['tokens', tokensCreated, [true, false], 'demo_alice'],
  ].filter(([name]) => !only || only.includes(name));
  let n = 0;
  for (const width of WIDTHS) {
    for (const colorScheme of SCHEMES) {
      for (const js of [true, false]) {
        const context = await browser.newContext({
          viewport: { width, height: width < 600 ? 844 : 900 },
          colorScheme,
          javaScriptEnabled: js,
        });
        const page = await context.newPage();
        let signedIn = null;
        for (const [name, target, jsStates, user] of pages) {
          if (!jsStates.includes(js)) continue;
          if (user && signedIn !== user) {
            await logIn(page, server.base, user);
            signedIn = user;
          }
          if (typeof target === 'function') await target(page, server.base);
          else await page.goto(`${server.base}${target}`);
          await page.waitForLoadState('networkidle');
          const file = join(outDir, `${name}-${width}-${colorScheme}${js ? '' : '-nojs'}.png`);
          await page.screenshot({ path: file, fullPage: true });
          n += 1;
        }
        await context.close();
      }
    }
  }
  console.log(`screenshots: wrote ${n} PNGs to ${outDir}`);
} finally {
  await browser.close();
  await server.stop();
}
