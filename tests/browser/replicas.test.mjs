// Read your writes under `wrangler dev` (npm start): the D1 Sessions API and the bookmark cookie
// work locally without replicas, and an anonymous reporter sees their report in the list that
// everyone else gets from the page cache. Run: TEST_PORT=<port> node --test tests/browser/replicas.test.mjs
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openBrowser, reportBug, startServer } from './harness.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('an anonymous reporter files a report and sees it at once in the cached list; a stranger sees the cached page', async () => {
  const host = `replica-${Date.now().toString(36)}.example`;
  const list = `${server.base}/bugs?domain=${host}`;
  // Someone reads the (empty) domain list first: the page cache now holds it.
  const first = await fetch(list);
  assert.equal(first.status, 200);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await fetch(list)).headers.get('x-blt-cache'), 'HIT');

  const browser = await openBrowser({ javaScriptEnabled: false });
  try {
    const page = await browser.context.newPage();
    await reportBug(page, server.base, { title: 'Replica journey report', host });
    const cookies = await browser.context.cookies();
    const bookmark = cookies.find((c) => c.name === '__Host-blt_bookmark');
    assert.ok(bookmark, 'the report left a bookmark cookie');
    assert.equal(bookmark.httpOnly, true);
    assert.equal(bookmark.sameSite, 'Lax');
    const seen = await page.goto(list);
    assert.equal(await seen.headerValue('x-blt-cache'), null, 'the reporter read past the cache');
    assert.match(await page.content(), /Replica journey report/);
  } finally {
    await browser.close();
  }
  // A stranger still gets the cached page for up to 30 s.
  const stranger = await fetch(list);
  assert.equal(stranger.headers.get('x-blt-cache'), 'HIT');
  assert.doesNotMatch(await stranger.text(), /Replica journey report/);
});
