// Browser journeys against `npm start`, in Debian's Chromium. Run: npm run test:browser
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import {
  axeViolations,
  confirmEmail,
  embedSnippets,
  openBrowser,
  reportBug,
  startServer,
  unexpected,
  watchPage,
} from './harness.mjs';

let server;

/**
 * A fresh browser for every test of a describe block (no cookies, pages or console messages
 * carried from one test to the next, so tests pass in any order); `s.page` and `s.problems`
 * are ready in each test.
 */
function useBrowser(opts) {
  const s = {};
  beforeEach(async () => {
    s.browser = await openBrowser(opts);
    s.page = await s.browser.context.newPage();
    s.problems = watchPage(s.page);
  });
  afterEach(async () => {
    await s.browser?.close();
  });
  return s;
}

/** Waits until what the page loads with htmx after `load` is there (the shell's regions). */
async function settled(page) {
  if (new URL(page.url()).pathname === '/') {
    await page.locator('#latest-bugs .bug-item').first().waitFor();
    await page.locator('#stats-region #stats-counts').waitFor();
  }
}

before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const stamp = Date.now().toString(36);

describe('Journey A: JavaScript disabled', () => {
  const s = useBrowser({ javaScriptEnabled: false });

  test('report a bug with plain links and forms, then find it again', async () => {
    const { page, problems } = s;
    await page.goto(`${server.base}/`);
    assert.equal(await page.locator('#latest-bugs a').first().textContent(), 'See the latest bugs');
    await page.getByRole('link', { name: 'Report a bug' }).first().click();
    await page.waitForURL('**/bugs/new');

    // Invalid: the form comes back with messages and what was typed.
    await page.fill('#url', 'javascript:alert(1)');
    await page.fill('#title', 'abc');
    await page.fill('#description', 'Kept description');
    await page.selectOption('#severity', 'high');
    const invalid = page.waitForResponse((r) => r.url().endsWith('/api/bugs') && r.request().method() === 'POST');
    await page.getByRole('button', { name: /Report bug/ }).click();
    assert.equal((await invalid).status(), 422);
    await page.waitForLoadState();
    assert.match(await page.locator('.error-summary').textContent(), /http:\/\/ or https:\/\//);
    assert.match(await page.locator('#title-error').textContent(), /at least 5 characters/);
    assert.equal(await page.inputValue('#url'), 'javascript:alert(1)');
    assert.equal(await page.inputValue('#title'), 'abc');
    assert.equal(await page.inputValue('#description'), 'Kept description');
    assert.equal(await page.inputValue('#severity'), 'high');

    // Valid: 303 to the new bug's page.
    const host = `nojs-${stamp}.example`;
    const title = `No-JS journey bug ${stamp}`;
    await page.fill('#url', `https://${host}/pricing`);
    await page.fill('#title', title);
    await page.getByRole('button', { name: /Report bug/ }).click();
    await page.waitForURL(/\/bugs\/\d+$/);
    const bugPath = new URL(page.url()).pathname;
    assert.equal(await page.locator('h1').textContent(), title);

    // Found in /bugs and on its domain page.
    await page.getByRole('link', { name: 'Bugs', exact: true }).click();
    await page.waitForURL('**/bugs');
    assert.equal(await page.locator(`#bug-list a[href="${bugPath}"]`).textContent(), title);
    await page.locator(`#bug-list a[href="/domains/${host}"]`).first().click();
    await page.waitForURL(`**/domains/${host}`);
    assert.equal(await page.locator(`#open-bugs a[href="${bugPath}"]`).textContent(), title);

    // The filter form works as a plain GET and the URL can be shared.
    await page.goto(`${server.base}/bugs`);
    await page.locator('.filter-panel > summary').click();
    await page.fill('input[name="q"]', `journey bug ${stamp}`);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.waitForURL(/q=/);
    assert.equal(await page.locator('#bug-list .bug-item').count(), 1);

    await page.goto(`${server.base}/stats`);
    await page.goto(`${server.base}/about`);
    assert.deepEqual(unexpected(problems, [422]), []);
  });
});

describe('Journey C: accounts with JavaScript disabled', () => {
  const s = useBrowser({ javaScriptEnabled: false });

  test('sign up, log out, log in, report privately, log out: the bug is gone for everyone else', async () => {
    const { page, problems } = s;
    const username = `nojs_${stamp}`;
    const password = 'a long enough password';
    await page.goto(`${server.base}/signup`);
    await page.fill('#username', username);
    await page.fill('#email', `${username}@example.test`);
    await page.fill('#password', password);
    await page.fill('#password_confirmation', 'not the same password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('#password_confirmation-error').waitFor();
    assert.equal(await page.inputValue('#username'), username);
    assert.equal(await page.inputValue('#password'), '', 'passwords are not echoed back');
    await page.fill('#password', password);
    await page.fill('#password_confirmation', password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    // Sign-up starts no session (DESIGN.md): it says to check the mail, whose link confirms and signs in.
    await page.waitForURL('**/signup/check-email');
    await confirmEmail(page, server.base, `${username}@example.test`);
    await page.goto(`${server.base}/bugs`);
    assert.match(await page.locator('#user-slot').textContent(), new RegExp(username));

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.base}/`);
    await page.goto(`${server.base}/login?next=/bugs/new`);
    await page.fill('#username', username);
    await page.fill('#password', 'wrong password here');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match(await page.locator('.error-summary').textContent(), /Wrong username or password/);
    await page.fill('#password', password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/bugs/new');

    const title = `Private no-JS bug ${stamp}`;
    await page.fill('#url', `https://private-${stamp}.example/admin`);
    await page.fill('#title', title);
    await page.getByLabel(/Private report/).check();
    await page.getByRole('button', { name: /Report bug/ }).click();
    await page.waitForURL(/\/bugs\/\d+$/);
    const bugUrl = page.url();
    assert.match(await page.locator('.notice.private').textContent(), /Private report/);
    // +3 for the report; a private report does not use up the domain's first-report +1 (README).
    assert.match(await page.locator('#user-slot').textContent(), /\(3 pts\)/);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.base}/`);
    await page.goto(`${server.base}/bugs`);
    assert.equal(await page.getByText(title).count(), 0);
    const res = await page.goto(bugUrl);
    assert.equal(res.status(), 404);
    assert.deepEqual(unexpected(problems, [401, 404, 422]), []);
  });
});

describe('Journey H: the static shell with JavaScript disabled tells no one to log in', () => {
  const s = useBrowser({ javaScriptEnabled: false });

  test('the Account link leads to the login page, then to the profile; / and /about stay honest', async () => {
    const { page, problems } = s;
    await page.goto(`${server.base}/`);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL('**/login?next=%2Faccount');
    await page.fill('#username', 'demo_carol');
    await page.fill('#password', 'demo-password-123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/users/demo_carol');
    for (const path of ['/', '/about']) {
      await page.goto(`${server.base}${path}`);
      assert.doesNotMatch(await page.locator('body').textContent(), /log ?in|sign ?up/i, path);
      await page.getByRole('link', { name: 'Account' }).click();
      await page.waitForURL('**/users/demo_carol');
    }
    // Something real to read on the home page without JS, and links to the live pages.
    await page.goto(`${server.base}/`);
    assert.ok(await page.getByRole('heading', { name: 'How it works' }).isVisible());
    for (const name of ['See the latest bugs', 'See the numbers', 'leaderboard']) {
      assert.ok(await page.getByRole('link', { name, exact: true }).first().isVisible(), name);
    }
    assert.deepEqual(unexpected(problems), []);
  });
});

describe('Journey D: accounts with JavaScript enabled', () => {
  const s = useBrowser();

  test("the shell's user slot shows the user; upvote and comment work in place", async () => {
    const { page, problems } = s;
    const username = `js_${stamp}`;
    // Someone else's bug to upvote and comment on: reported anonymously before signing up.
    const bugPath = await reportBug(page, server.base, {
      title: `Journey D target ${stamp}`,
      host: `journey-d-${stamp}.example`,
    });
    await page.goto(`${server.base}/signup`);
    await page.fill('#username', username);
    await page.fill('#email', `${username}@example.test`);
    await page.fill('#password', 'another long password');
    await page.fill('#password_confirmation', 'another long password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL('**/signup/check-email');
    await confirmEmail(page, server.base, `${username}@example.test`);
    await page.goto(`${server.base}/`);
    await page.locator('#user-slot', { hasText: username }).waitFor();
    assert.match(await page.locator('#user-slot').textContent(), /0 pts/);

    await page.goto(`${server.base}${bugPath}`);
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    const upvote = page.locator('form.upvote');
    const before = await upvote.locator('span').textContent();
    await upvote.getByRole('button', { name: 'Upvote' }).click();
    await page.locator('form.upvote button[aria-pressed="true"]').waitFor();
    const after1 = await page.locator('form.upvote span').textContent();
    assert.equal(Number.parseInt(after1, 10), Number.parseInt(before, 10) + 1);
    await page.locator('form.upvote').getByRole('button', { name: 'Upvoted' }).click();
    await page.locator('form.upvote button[aria-pressed="false"]').waitFor();
    assert.equal(await page.locator('form.upvote span').textContent(), before);

    const body = `A comment from the browser ${stamp} <b>not bold</b>`;
    await page.fill('#comment-body', body);
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.locator('.comment-body', { hasText: body }).waitFor();
    assert.equal(await page.locator('.comment-list b').count(), 0, 'comment HTML is escaped');
    assert.equal(await page.inputValue('#comment-body'), '', 'the form is fresh again');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no reload for upvote and comment');
    assert.deepEqual(await axeViolations(page), [], 'axe on the bug page with comments');
    assert.deepEqual(unexpected(problems, []), []);
  });
});

describe('Journey E: other sites embed the leaderboard; stats charts', () => {
  const s = useBrowser();
  let other;
  before(async () => {
    // A page on a different origin (another port) using the two README snippets verbatim.
    const snippet = embedSnippets(server.base);
    const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Chapter page</title>${snippet.head}</head>
      <body><main><h1>Our chapter's top bug hunters</h1>${snippet.htmx}${snippet.iframe}</main></body></html>`;
    other = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise((r) => other.listen(0, '127.0.0.1', r));
  });
  after(() => other?.close());

  test('the htmx fragment and the iframe both render the top users on a foreign origin', async () => {
    const { page, problems } = s;
    const otherBase = `http://127.0.0.1:${other.address().port}`;
    await page.goto(`${otherBase}/`);
    const expected = await (
      await fetch(`${server.base}/api/leaderboard?limit=5`, { headers: { Accept: 'application/json' } })
    ).json();
    assert.ok(expected.leaders.length > 0, 'the demo data has reporters with points');
    const top = expected.leaders[0].username;
    await page.locator('#blt-leaderboard table.leaderboard').waitFor();
    assert.match(await page.locator('#blt-leaderboard').textContent(), new RegExp(top));
    const rows = await page.locator('#blt-leaderboard tbody tr').count();
    assert.equal(rows, expected.leaders.length);
    const link = await page.locator('#blt-leaderboard tbody a').first().getAttribute('href');
    assert.equal(link, `${server.base}/users/${encodeURIComponent(top)}`);

    const frame = page.frameLocator('iframe[title="BLT-Next leaderboard"]');
    await frame.locator('table.leaderboard').waitFor();
    assert.match(await frame.locator('table.leaderboard').textContent(), new RegExp(top));
    assert.deepEqual(unexpected(problems), []);
  });

  test('the stats charts are visible and axe-clean', async () => {
    const { page, problems } = s;
    await page.goto(`${server.base}/stats`);
    const charts = page.locator('svg.chart');
    assert.equal(await charts.count(), 2);
    for (let i = 0; i < 2; i++) {
      assert.ok(await charts.nth(i).isVisible());
      const box = await charts.nth(i).boundingBox();
      assert.ok(box.width > 200 && box.height > 100, 'chart has a real size');
    }
    assert.ok((await page.locator('svg.chart rect.bar').count()) > 0, 'bars are drawn');
    assert.deepEqual(await axeViolations(page), []);
    await page.goto(`${server.base}/leaderboard`);
    await page.goto(`${server.base}/users/demo_alice`);
    await page.goto(`${server.base}/embed/leaderboard`);
    assert.deepEqual(unexpected(problems), []);
  });
});

describe('Journey B: JavaScript enabled', () => {
  const s = useBrowser();

  test("the shell's regions load with htmx", async () => {
    const { page, problems } = s;
    await page.goto(`${server.base}/`);
    await page.locator('#latest-bugs .bug-item').first().waitFor();
    assert.ok((await page.locator('#latest-bugs .bug-item').count()) <= 5);
    await page.locator('#stats-region #stats-counts').waitFor();
    assert.match(await page.locator('#stats-region').textContent(), /Bugs reported/);
    assert.deepEqual(problems, []);
  });

  test('report a bug without a full page load; the similar-bugs hint appears', async () => {
    const { page, problems } = s;
    const host = `js-${stamp}.example`;
    // One bug already on the host, so the hint has something to show.
    await page.goto(`${server.base}/bugs/new`);
    await page.fill('#url', `https://${host}/`);
    await page.fill('#title', `First JS bug ${stamp}`);
    await page.getByRole('button', { name: /Report bug/ }).click();
    await page.waitForURL(/\/bugs\/\d+$/);
    const firstPath = new URL(page.url()).pathname;

    await page.goto(`${server.base}/bugs/new`);
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    await page.locator('#url').pressSequentially(`https://${host}/checkout`, { delay: 5 });
    await page.locator('#similar a').first().waitFor();
    assert.equal(await page.locator('#similar h2').textContent(), 'Is it one of these?');
    assert.equal(await page.locator('#similar a').first().getAttribute('href'), firstPath);

    // Invalid first: the form swaps in place with messages.
    await page.getByRole('button', { name: /Report bug/ }).click();
    await page.locator('#title-error').waitFor();
    assert.equal(await page.inputValue('#url'), `https://${host}/checkout`);
    assert.deepEqual(await axeViolations(page), [], 'axe on the form with errors');

    await page.fill('#title', `Second JS bug ${stamp}`);
    await page.getByRole('button', { name: /Report bug/ }).click();
    await page.waitForURL(/\/bugs\/\d+$/);
    await page.locator('h1', { hasText: `Second JS bug ${stamp}` }).waitFor();
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the document was not reloaded');
    assert.notEqual(new URL(page.url()).pathname, firstPath);
    assert.deepEqual(unexpected(problems, [422]), []);
  });

  test('the filter form updates the list in place and the URL can be shared', async () => {
    const { page, problems } = s;
    const host = `filter-${stamp}.example`;
    await reportBug(page, server.base, { title: `Filter journey ${stamp}`, host, label: 'security' });
    await page.goto(`${server.base}/bugs`);
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    await page.locator('.filter-panel > summary').click();
    await page.selectOption('select[name="label"]', 'security');
    await page.fill('input[name="domain"]', host);
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    // Only the parameters that are set, as the plain form would send them.
    await page.waitForURL(`${server.base}/bugs?label=security&domain=${host}`);
    await page.waitForFunction(() => !document.querySelector('#bug-list.htmx-request'));
    assert.equal(await page.locator('#bug-list .bug-item').count(), 1);
    assert.match(await page.locator('#bug-list .bug-item').textContent(), /Security/);
    assert.equal(await page.evaluate(() => window.__notReloaded), true);
    // The pushed URL renders the same list as a full page.
    const shared = page.url();
    await page.goto(shared);
    assert.equal(await page.inputValue('select[name="label"]'), 'security');
    assert.equal(await page.locator('#bug-list .bug-item').count(), 1);
    assert.deepEqual(unexpected(problems), []);
  });

  test('"Older bugs" appends the next page in place', async () => {
    const { page, problems } = s;
    const host = `older-${stamp}.example`;
    for (let i = 0; i < 7; i++) await reportBug(page, server.base, { title: `Older journey ${i} ${stamp}`, host });
    await page.goto(`${server.base}/bugs?domain=${host}&limit=3`);
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    const before = await page.locator('#bug-list .bug-item').count();
    assert.equal(before, 3);
    await page.getByRole('link', { name: 'Older bugs' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#bug-list .bug-item').length > 3);
    assert.equal(await page.locator('#bug-list .bug-item').count(), 6);
    const ids = await page.locator('#bug-list .bug-title').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(new Set(ids).size, ids.length, 'no duplicates across pages');
    assert.equal(await page.evaluate(() => window.__notReloaded), true);
    assert.equal(await page.locator('#bug-list .more').count(), 1);
    assert.deepEqual(unexpected(problems), []);
  });

  test('axe-core finds no violations on any page', async () => {
    const { page, problems } = s;
    const host = `axe-${stamp}.example`;
    const bugPath = await reportBug(page, server.base, { title: `Axe journey ${stamp}`, host });
    const paths = [
      '/',
      '/about',
      '/bugs',
      `/bugs?q=${encodeURIComponent(`axe journey ${stamp}`)}`,
      bugPath,
      '/bugs/new',
      `/domains/${host}`,
      '/stats',
      '/leaderboard',
      '/users/demo_alice',
      '/login',
      '/signup',
      '/embed/leaderboard',
      '/bugs/does-not-exist',
    ];
    for (const path of paths) {
      await page.goto(`${server.base}${path}`);
      await settled(page);
      assert.deepEqual(await axeViolations(page), [], `axe on ${path}`);
    }
    // Both colour schemes.
    await page.emulateMedia({ colorScheme: 'dark' });
    for (const path of ['/', '/bugs', '/bugs/new', '/stats', '/leaderboard']) {
      await page.goto(`${server.base}${path}`);
      await settled(page);
      assert.deepEqual(await axeViolations(page), [], `axe (dark) on ${path}`);
    }
    assert.deepEqual(unexpected(problems, [404]), []);
  });
});
