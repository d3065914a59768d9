// With a slow network (1.5 s of latency, on purpose): every htmx trigger is disabled and shows
// progress while its request is in flight, a double click posts once, and every region being
// replaced shows that it is loading. Each test creates what it needs. Run: npm run test:browser
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { logIn, openBrowser, reportBug, slowDown, startServer, unexpected, watchPage } from './harness.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const stamp = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A fresh JS-enabled browser per test, so no test sees another's cookies or routes. */
async function withPage(fn) {
  const browser = await openBrowser();
  try {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    await fn(page, problems);
  } finally {
    await browser.close();
  }
}

/** What `::before`/`::after` and opacity say about an element right now. */
function looks(locator, pseudo = null) {
  return locator.evaluate((el, p) => {
    const s = getComputedStyle(el, p);
    return { opacity: Number(getComputedStyle(el).opacity), content: s.content };
  }, pseudo);
}

describe('slow network', () => {
  test('double-clicking Comment posts one comment; the button is disabled and spins meanwhile', async () => {
    await withPage(async (page, problems) => {
      const id = stamp();
      const bugPath = await reportBug(page, server.base, { title: `Comment target ${id}`, host: `c-${id}.example` });
      await slowDown(page, '**/api/auth/login', 1500, (r) => r.method() === 'POST');
      await page.goto(`${server.base}/login?next=${bugPath}`);
      await page.fill('#username', 'demo_bob');
      await page.fill('#password', 'demo-password-123');
      const login = page.getByRole('button', { name: 'Log in', exact: true });
      await login.click();
      assert.equal(await login.isDisabled(), true, 'Log in is disabled while in flight');
      await page.waitForURL(`**${bugPath}`);

      const posts = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && r.url().endsWith(`/api${bugPath}/comments`)) posts.push(r);
      });
      await slowDown(page, `**/api${bugPath}/comments`);
      const body = `Only once ${id}`;
      await page.fill('#comment-body', body);
      const button = page.getByRole('button', { name: 'Comment', exact: true });
      await button.dblclick();
      assert.equal(await button.isDisabled(), true, 'Comment is disabled while in flight');
      assert.match(await page.locator('#comments form').getAttribute('class'), /htmx-request/);
      assert.notEqual((await looks(button, '::after')).content, 'none', 'the button shows a spinner');

      await page.locator('.comment-body', { hasText: body }).waitFor();
      // A queued second request would start now; wait until the network is quiet, then count.
      await page.waitForLoadState('networkidle');
      assert.equal(posts.length, 1, 'one POST left the browser');
      assert.equal(await page.locator('.comment-body', { hasText: body }).count(), 1);
      const json = await (
        await fetch(`${server.base}/api${bugPath}`, { headers: { Accept: 'application/json' } })
      ).json();
      assert.equal(json.comments.filter((c) => c.body === body).length, 1, 'one comment stored');
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('upvote shows it is working: its button is disabled and the count fades', async () => {
    await withPage(async (page, problems) => {
      const id = stamp();
      const bugPath = await reportBug(page, server.base, { title: `Upvote target ${id}`, host: `u-${id}.example` });
      await logIn(page, server.base, 'demo_carol');
      await page.goto(`${server.base}${bugPath}`);
      await slowDown(page, `**/api${bugPath}/upvote`);
      const button = page.locator('form.upvote button');
      await button.click();
      assert.equal(await button.isDisabled(), true);
      assert.match(await page.locator('form.upvote').getAttribute('class'), /htmx-request/);
      assert.ok((await looks(page.locator('form.upvote span'))).opacity < 1, 'the count fades while in flight');
      await page.locator('form.upvote button[aria-pressed="true"]').waitFor();
      assert.equal(await page.locator('form.upvote span').textContent(), '1 upvote');
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('the filter shows the list loading, then pushes the clean URL and the title', async () => {
    await withPage(async (page, problems) => {
      const id = stamp();
      const host = `f-${id}.example`;
      await reportBug(page, server.base, { title: `Filter target ${id}`, host, label: 'security' });
      await page.goto(`${server.base}/bugs`);
      await page.locator('.filter-panel > summary').click();
      await slowDown(page, '**/bugs?*', 1500, (r) => r.headers()['hx-request'] === 'true');
      await page.selectOption('select[name="label"]', 'security');
      await page.fill('input[name="domain"]', host);
      const button = page.getByRole('button', { name: 'Filter', exact: true });
      await button.click();
      assert.equal(await button.isDisabled(), true);
      const list = page.locator('#bug-list');
      assert.match(await list.getAttribute('class'), /htmx-request/);
      const style = await looks(list, '::before');
      assert.ok(style.opacity < 1, 'the old results fade');
      assert.match(style.content, /Loading/, 'and the list says it is loading');

      await page.waitForURL(`${server.base}/bugs?label=security&domain=${host}`);
      await page.waitForFunction(() => !document.querySelector('#bug-list.htmx-request'));
      assert.equal(await page.locator('#bug-list .bug-item').count(), 1);
      assert.equal(await page.title(), 'Bugs · BLT-Next');
      assert.match(await page.locator('#active-filters').textContent(), /Label: Security · Domain: /);
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('a report is disabled while posting, then the title follows the new URL', async () => {
    await withPage(async (page, problems) => {
      const id = stamp();
      const title = `Titled report ${id}`;
      await page.goto(`${server.base}/bugs/new`);
      assert.equal(await page.title(), 'Report a bug · BLT-Next');
      await slowDown(page, '**/api/bugs', 1500, (r) => r.method() === 'POST');
      await page.fill('#url', `t-${id}.example/cart`); // no scheme: https:// is assumed
      await page.fill('#title', title);
      const button = page.getByRole('button', { name: /^Report bug/ });
      await button.click();
      assert.equal(await button.isDisabled(), true);
      await page.waitForURL(/\/bugs\/\d+$/);
      await page.locator('h1', { hasText: title }).waitFor();
      assert.equal(await page.title(), `${title} · BLT-Next`);
      assert.equal(await page.locator('.facts a.break').textContent(), `https://t-${id}.example/cart`);
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('"Older bugs" shows its row loading and appends once', async () => {
    await withPage(async (page, problems) => {
      const id = stamp();
      const host = `o-${id}.example`;
      for (let i = 0; i < 4; i++) await reportBug(page, server.base, { title: `Older ${i} ${id}`, host });
      await page.goto(`${server.base}/bugs?domain=${host}&limit=3`);
      await slowDown(page, '**/api/bugs?*');
      const more = page.getByRole('link', { name: 'Older bugs' });
      await more.dblclick();
      assert.match(await page.locator('#bug-list .more').getAttribute('class'), /htmx-request/);
      await page.waitForFunction(() => document.querySelectorAll('#bug-list .bug-item').length > 3);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('#bug-list .bug-item').count(), 4);
      assert.deepEqual(unexpected(problems), []);
    });
  });
});
