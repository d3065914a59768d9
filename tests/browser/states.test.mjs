// A report's life in the browser (issue 12, and issue 11's spam confirm and undo), with
// JavaScript off and on: an admin takes a report through triaged, accepted and fixed, marks a
// duplicate, confirms spam and undoes it; a user flags a report and the admin keeps it.
// Run: TEST_PORT=<port> node --test tests/browser/states.test.mjs
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

/** The report's state as its facts list shows it, e.g. "Triaged". */
const stateOf = (page) => page.locator('#bug-state').textContent();
/** Waits until the report shows `name` as its state. */
const stateShows = (page, name) => page.locator('#bug-state', { hasText: name }).waitFor();

/** Chooses a state in the admin's form and submits it; with JS the report is swapped in place. */
async function moveTo(page, js, state, { note, duplicateOf } = {}) {
  const before = page.url();
  await page.selectOption('#state', state);
  if (note) await page.fill('#note', note);
  if (duplicateOf) await page.fill('#duplicate_of', duplicateOf);
  await page.getByRole('button', { name: 'Change state' }).click();
  await page.locator('#bug-state', { hasText: new RegExp(`^\\s*${state.replace('_', '.')}`, 'i') }).waitFor();
  if (js) assert.equal(page.url(), before, 'htmx swaps the report in place, no navigation');
  else assert.match(page.url(), /#state-panel$/);
}

for (const js of [false, true]) {
  describe(`Report states with JavaScript ${js ? 'on' : 'off'}`, () => {
    test('an admin triages, accepts and fixes a report; the timeline and the points follow', async () => {
      const alice = await as('demo_alice', js);
      const carol = await as('demo_carol', js);
      try {
        const host = `states-${js ? 'js' : 'nojs'}-${stamp}.example`;
        const path = await reportBug(alice.page, server.base, { title: `Checkout total is wrong ${js}`, host });
        await carol.page.goto(`${server.base}${path}`);
        assert.match(await stateOf(carol.page), /New/);
        await moveTo(carol.page, js, 'triaged', { note: 'Reproduced on Firefox' });
        await moveTo(carol.page, js, 'accepted');
        await moveTo(carol.page, js, 'fixed', { note: 'Deployed the fix' });
        const timeline = await carol.page.locator('.comment-list li.event').allTextContents();
        assert.equal(timeline.length, 3);
        assert.match(timeline[0], /New\s*→\s*Triaged[\s\S]*Reproduced on Firefox/);
        assert.match(timeline[2], /Accepted\s*→\s*Fixed/);
        // The reporter sees it fixed and may ask for a retest.
        await alice.page.goto(`${server.base}${path}`);
        assert.match(await stateOf(alice.page), /Fixed/);
        await alice.page.getByRole('button', { name: 'Ask for a retest' }).click();
        await stateShows(alice.page, 'Accepted');
        assert.match(await alice.page.locator('.comment-list li.event').last().textContent(), /asked for a retest/);
        assert.deepEqual(unexpected(alice.problems), []);
        assert.deepEqual(unexpected(carol.problems), []);
      } finally {
        await alice.browser.close();
        await carol.browser.close();
      }
    });

    test('an admin marks a duplicate, confirms spam and undoes it', async () => {
      const alice = await as('demo_alice', js);
      const carol = await as('demo_carol', js);
      try {
        const host = `dups-${js ? 'js' : 'nojs'}-${stamp}.example`;
        const original = await reportBug(alice.page, server.base, { title: `Login button broken ${js}`, host });
        const dup = await reportBug(alice.page, server.base, { title: `Cannot log in at all ${js}`, host });
        const spam = await reportBug(alice.page, server.base, { title: `Cheap watches here ${js}`, host });
        const originalId = original.split('/').pop();
        await carol.page.goto(`${server.base}${dup}`);
        await moveTo(carol.page, js, 'duplicate', { duplicateOf: originalId });
        assert.match(
          await carol.page.locator('#state-panel .state-line').textContent(),
          new RegExp(`Duplicate of #${originalId}`),
        );
        await carol.page
          .getByRole('link', { name: `#${originalId}` })
          .first()
          .click();
        await carol.page.waitForURL(`**${original}`);
        await carol.page.getByRole('heading', { name: 'Duplicates of this report (1)' }).waitFor();

        await carol.page.goto(`${server.base}${spam}`);
        await carol.page.getByRole('link', { name: 'Mark as spam…' }).click();
        if (js) {
          // htmx swaps the same confirm step into the state panel; the address stays.
          await carol.page.getByRole('heading', { name: 'Mark this report as spam?' }).waitFor();
          assert.equal(new URL(carol.page.url()).pathname, spam);
        } else {
          await carol.page.waitForURL(`**${spam}/spam`);
          await carol.page.getByRole('heading', { name: /as spam\?$/ }).waitFor();
        }
        await carol.page.getByRole('button', { name: 'Yes, mark as spam' }).click();
        await stateShows(carol.page, 'Spam');
        await carol.page.getByRole('button', { name: 'Undo spam (back to New)' }).click();
        await stateShows(carol.page, 'New');
        assert.deepEqual(unexpected(carol.problems), []);
      } finally {
        await alice.browser.close();
        await carol.browser.close();
      }
    });

    test('a user flags a report as suspicious; the admin sees it in /admin/flags and keeps it', async () => {
      const alice = await as('demo_alice', js);
      const bob = await as('demo_bob', js);
      const carol = await as('demo_carol', js);
      try {
        const host = `flags-${js ? 'js' : 'nojs'}-${stamp}.example`;
        const path = await reportBug(alice.page, server.base, { title: `Suspicious looking report ${js}`, host });
        const id = path.split('/').pop();
        await bob.page.goto(`${server.base}${path}`);
        await bob.page.locator('#flag summary').click();
        await bob.page.selectOption('#flag-reason', 'fake');
        await bob.page.getByRole('button', { name: 'Flag report' }).click();
        await bob.page.getByText('You flagged this report as suspicious').waitFor();

        await carol.page.goto(`${server.base}/bugs`);
        await carol.page.getByRole('link', { name: 'Flagged reports' }).click();
        await carol.page.waitForURL('**/admin/flags');
        const row = carol.page.locator(`#flagged-${id}`);
        assert.match(await row.textContent(), /1 flag: fake/);
        await row.getByRole('button', { name: 'Keep report' }).click();
        if (js) await carol.page.locator(`#flagged-${id}.resolved`).waitFor();
        else {
          await carol.page.waitForURL('**/admin/flags');
          await carol.page.locator('h1', { hasText: 'Flagged reports' }).waitFor();
          assert.equal(await carol.page.locator(`#flagged-${id}`).count(), 0);
        }
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
