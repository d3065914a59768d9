// Domain owners in the browser (issue 13), with JavaScript off and on: an admin adds an owner
// through the admin path (the domain's owners page), the owner triages a report through accepted
// and fixed in /domains/:host/triage, and the reporter sees each step in /notifications.
// Run: TEST_PORT=<port> node --test tests/browser/owners.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { logIn, openBrowser, reportBug, startServer, unexpected, watchPage } from './harness.mjs';

let server;
const stamp = Date.now().toString(36);

before(async () => {
  server = await startServer();
  // The demo data has no admin: make demo_carol one, as `npm run admin -- demo_carol` does.
  const r = spawnSync('node', ['scripts/admin.mjs', 'demo_carol'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, BLT_PERSIST_TO: server.persist },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  await server?.stop();
});

/** A signed-in browser for one demo user. */
async function as(username, javaScriptEnabled) {
  const browser = await openBrowser({ javaScriptEnabled });
  const page = await browser.context.newPage();
  const problems = watchPage(page);
  await logIn(page, server.base, username);
  return { browser, page, problems };
}

/** Presses a move's button on the report's console row; with JS the row is swapped in place. */
async function move(page, js, bugId, label, stateName) {
  const before = page.url();
  const row = page.locator(`#report-${bugId}`);
  // The moves are a fieldset (a group) named by the report's title, so "Accept" says which report.
  const title = (await row.locator('.bug-title').textContent()).trim();
  await row.getByRole('group', { name: title, exact: true }).getByRole('button', { name: label, exact: true }).click();
  await page.locator(`#report-${bugId} .tag.state-${stateName}`).waitFor();
  if (js) assert.equal(page.url(), before, 'htmx swaps the row in place, no navigation');
  else assert.match(page.url(), new RegExp(`/triage#report-${bugId}$`));
}

for (const js of [false, true]) {
  describe(`Domain owners with JavaScript ${js ? 'on' : 'off'}`, () => {
    test('an admin adds an owner; the owner triages a report to fixed; the reporter is told each step', async () => {
      const alice = await as('demo_alice', js);
      const bob = await as('demo_bob', js);
      const carol = await as('demo_carol', js);
      try {
        const host = `owned-${js ? 'js' : 'nojs'}-${stamp}.example`;
        const path = await reportBug(alice.page, server.base, { title: `Login button does nothing ${js}`, host });
        const bugId = Number(path.split('/').pop());

        // The admin path: the domain's owners page, add by username.
        await carol.page.goto(`${server.base}/domains/${host}/owners`);
        await carol.page.fill('#username', 'demo_bob');
        await carol.page.getByRole('button', { name: 'Add owner' }).click();
        await carol.page.locator('.owner-list li', { hasText: 'demo_bob' }).waitFor();

        // Bob finds the domain under /owned and triages from the console.
        await bob.page.goto(`${server.base}/owned`);
        await bob.page.getByRole('link', { name: host }).click();
        await bob.page.waitForURL(new RegExp(`/domains/${host}/triage$`));
        assert.match(await bob.page.locator('.state-counts').textContent(), /New\s*1/);
        await move(bob.page, js, bugId, 'Accept', 'accepted');
        await move(bob.page, js, bugId, 'Fixed', 'fixed');

        // Alice: the header counts them, the page lists each step, newest first.
        await alice.page.goto(`${server.base}/bugs`);
        assert.match(await alice.page.locator('#notifications-link').textContent(), /Notifications\s*2\s*unread/);
        await alice.page.locator('#notifications-link').click();
        await alice.page.waitForURL(/\/notifications$/);
        // (The other run of this journey, on the same server, notified her too: keep this report's.)
        const items = (await alice.page.locator('.notification-list li.notification').allTextContents()).filter((t) =>
          t.includes(`Login button does nothing ${js}`),
        );
        assert.equal(items.length, 2);
        assert.match(items[0], /demo_bob moved your report[\s\S]*Accepted to\s*Fixed/);
        assert.match(items[1], /demo_bob moved your report[\s\S]*New to\s*Accepted/);
        // Mark one read (swapped in place with JS), then all.
        await alice.page
          .locator('.notification-list li.unread')
          .first()
          .getByRole('button', { name: 'Mark as read' })
          .click();
        await alice.page.locator('.notification-list li.read').first().waitFor();
        await alice.page.getByRole('button', { name: 'Mark all as read' }).click();
        await alice.page.locator('#unread-status', { hasText: 'Nothing unread.' }).waitFor();
        assert.equal(await alice.page.locator('.notification-list li.unread').count(), 0);

        assert.deepEqual(unexpected(alice.problems), []);
        assert.deepEqual(unexpected(bob.problems), []);
        assert.deepEqual(unexpected(carol.problems), []);
      } finally {
        await alice.browser.close();
        await bob.browser.close();
        await carol.browser.close();
      }
    });
  });
}
