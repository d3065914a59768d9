// Evidence and edits (issue 11) in Debian's Chromium: attach screenshots with JS off and on
// (with the in-flight state visible), see them decode, preview Markdown, edit a report and read
// its history. The GPS-tagged JPEG is made with sharp, as in the unit suites.
// Run: TEST_PORT=… node --test tests/browser/evidence.test.mjs
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { makeImages, SECRETS } from '../fixtures/images.mjs';
import { logIn, openBrowser, slowDown, startServer, unexpected, watchPage } from './harness.mjs';

let server;
let images;
before(async () => {
  [server, images] = await Promise.all([startServer(), makeImages()]);
});
after(async () => {
  await server?.stop();
});

const stamp = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const file = (name, key, mimeType) => ({ name, mimeType, buffer: Buffer.from(images[key].data, 'base64') });

async function withPage(opts, fn) {
  const browser = await openBrowser(opts);
  try {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    await fn(page, problems, browser.context);
  } finally {
    await browser.close();
  }
}

/** The raw bytes of a URL on the server under test (binary-safe, unlike the harness's get()). */
function bytesOf(url, cookie) {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: cookie ? { Cookie: cookie } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** Every stored screenshot on the bug page: no metadata left, and a real decoder reads it. */
async function expectCleanScreenshots(page, expected) {
  const srcs = await page.locator('.screenshot-list img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src')));
  assert.equal(srcs.length, expected.length);
  for (const [i, src] of srcs.entries()) {
    const res = await bytesOf(`${server.base}${src}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    for (const s of SECRETS) assert.equal(res.body.includes(Buffer.from(s, 'latin1')), false, `${src} carries ${s}`);
    const meta = await sharp(res.body).metadata();
    assert.equal(meta.exif, undefined, 'no EXIF left');
    assert.equal(meta.xmp, undefined, 'no XMP left');
    assert.deepEqual([meta.width, meta.height], [expected[i].width, expected[i].height]);
    await sharp(res.body).raw().toBuffer(); // decodes to pixels
  }
}

describe('screenshots without JavaScript', () => {
  test('attach a GPS-tagged JPEG and a PNG; the bug page shows both, stripped and decodable', async () => {
    await withPage({ javaScriptEnabled: false }, async (page, problems) => {
      const id = stamp();
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#url', `https://nojs-${id}.example/cart`);
      await page.fill('#title', `Screenshots without JS ${id}`);
      await page.fill('#description', 'Steps:\n\n1. Open **cart**\n2. See it');
      await page.setInputFiles('#screenshots', [
        file('IMG_0042.jpg', 'jpeg', 'image/jpeg'),
        file('shot.png', 'png', 'image/png'),
      ]);
      await page.getByRole('button', { name: 'Report bug' }).click();
      await page.waitForURL(/\/bugs\/\d+$/);
      await page.locator('h1', { hasText: `Screenshots without JS ${id}` }).waitFor();
      assert.equal(await page.locator('.description strong').textContent(), 'cart');
      await expectCleanScreenshots(page, [images.jpeg, images.png]);
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('a file that is not an image comes back 422 with the text kept and the file named', async () => {
    await withPage({ javaScriptEnabled: false }, async (page) => {
      const id = stamp();
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#url', `https://bad-${id}.example/`);
      await page.fill('#title', `Bad file ${id}`);
      await page.setInputFiles('#screenshots', [
        { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('<html>not a png</html>') },
      ]);
      await page.getByRole('button', { name: 'Report bug' }).click();
      await page.locator('#screenshots-error').waitFor();
      assert.match(
        await page.locator('#screenshots-error').textContent(),
        /“notes\.png” is not a PNG, JPEG, WebP or GIF image/,
      );
      assert.match(await page.locator('#screenshots-again').textContent(), /Choose your screenshots again/);
      assert.equal(await page.inputValue('#title'), `Bad file ${id}`);
    });
  });

  test('Preview shows the rendered description and stores nothing', async () => {
    await withPage({ javaScriptEnabled: false }, async (page) => {
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#description', 'A `code` span and _emphasis_');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.locator('.preview code').waitFor();
      assert.equal(await page.locator('.preview em').textContent(), 'emphasis');
      assert.equal(await page.inputValue('#description'), 'A `code` span and _emphasis_');
      assert.equal(new URL(page.url()).pathname, '/api/bugs');
    });
  });
});

describe('screenshots with htmx', () => {
  test('the upload shows it is in flight, then swaps in the bug with thumbnails that decode in Chromium', async () => {
    await withPage({}, async (page, problems) => {
      const id = stamp();
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#url', `https://js-${id}.example/cart`);
      await page.fill('#title', `Screenshots with htmx ${id}`);
      await page.setInputFiles('#screenshots', [
        file('gps.jpg', 'jpeg', 'image/jpeg'),
        file('a.webp', 'webp', 'image/webp'),
        file('b.gif', 'gif', 'image/gif'),
      ]);
      await slowDown(page, '**/api/bugs', 1500, (r) => r.method() === 'POST');
      const button = page.getByRole('button', { name: 'Report bug' });
      await button.click();
      await page.locator('#report-form.htmx-request').waitFor();
      assert.equal(await button.isDisabled(), true, 'Report bug is disabled while sending');
      // The notice fades in (200 ms) while the request is held for 1.5 s: it must reach full opacity.
      await page.waitForFunction(() => getComputedStyle(document.querySelector('.sending')).opacity === '1', null, {
        timeout: 1200,
      });
      assert.equal(await button.isDisabled(), true, 'still disabled while sending');
      await page.waitForURL(/\/bugs\/\d+$/);
      await page.locator('h1', { hasText: `Screenshots with htmx ${id}` }).waitFor();
      // Decode each thumbnail in the browser (lazy images: bring them into view first).
      const thumbs = page.locator('.screenshot-list img');
      assert.equal(await thumbs.count(), 3);
      for (let i = 0; i < 3; i++) await thumbs.nth(i).scrollIntoViewIfNeeded();
      const decoded = await thumbs.evaluateAll((imgs) =>
        Promise.all(imgs.map((img) => img.decode().then(() => [img.naturalWidth, img.naturalHeight]))),
      );
      assert.deepEqual(decoded, [
        [images.jpeg.width, images.jpeg.height],
        [images.webp.width, images.webp.height],
        [images.gif.width, images.gif.height],
      ]);
      await expectCleanScreenshots(page, [images.jpeg, images.webp, images.gif]);
      assert.deepEqual(unexpected(problems), []);
    });
  });

  test('a report refused for another field keeps the chosen files with htmx (data-hx-preserve)', async () => {
    await withPage({}, async (page, problems) => {
      const id = stamp();
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#url', 'javascript:alert(1)');
      await page.fill('#title', `Kept files ${id}`);
      await page.setInputFiles('#screenshots', [file('a.png', 'png', 'image/png')]);
      await page.getByRole('button', { name: 'Report bug' }).click();
      await page.locator('.error-summary').waitFor();
      assert.equal(await page.locator('#screenshots').evaluate((el) => el.files.length), 1);
      await page.fill('#url', `https://kept-${id}.example/`);
      await page.getByRole('button', { name: 'Report bug' }).click();
      await page.waitForURL(/\/bugs\/\d+$/);
      assert.equal(await page.locator('.screenshot-list img').count(), 1);
      assert.deepEqual(unexpected(problems, [422]), []);
    });
  });

  test('Preview with htmx swaps the form with the rendered text in place; nothing is posted as a report', async () => {
    await withPage({}, async (page, problems) => {
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#description', '# Heading\n\n```\nfenced <b>code</b>\n```');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.locator('.preview pre code').waitFor();
      assert.equal(await page.locator('.preview pre code').textContent(), 'fenced <b>code</b>\n');
      assert.equal(await page.locator('.preview h3').textContent(), 'Heading');
      assert.equal(new URL(page.url()).pathname, '/bugs/new');
      assert.deepEqual(unexpected(problems), []);
    });
  });
});

describe('editing with history', () => {
  test('the reporter edits their report, the page says edited, and the history shows the old values', async () => {
    await withPage({}, async (page, problems) => {
      const id = stamp();
      await logIn(page, server.base, 'demo_carol');
      await page.goto(`${server.base}/bugs/new`);
      await page.fill('#url', `https://edit-${id}.example/`);
      await page.fill('#title', `Before the edit ${id}`);
      await page.fill('#description', 'old words');
      await page.getByRole('button', { name: 'Report bug' }).click();
      await page.waitForURL(/\/bugs\/\d+$/);
      const bugPath = new URL(page.url()).pathname;
      await page.getByRole('link', { name: 'Edit report' }).click();
      await page.waitForURL(`**${bugPath}/edit`);
      await page.fill('#title', `After the edit ${id}`);
      await page.fill('#description', 'new **words**');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.locator('.preview strong').waitFor();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL(`**${bugPath}`);
      await page.locator('h1', { hasText: `After the edit ${id}` }).waitFor();
      assert.match(await page.locator('.edited').textContent(), /^Edited/);
      await page.getByRole('link', { name: 'History' }).click();
      await page.waitForURL(`**${bugPath}/history`);
      const history = await page.locator('main').textContent();
      assert.match(history, new RegExp(`Before the edit ${id}`));
      assert.match(history, /old words/);
      assert.match(history, /demo_carol/);
      assert.deepEqual(unexpected(problems), []);
    });
  });
});
