// Every page and every fragment BLT-Next serves, checked by the Nu Html Checker (npm vnu-jar,
// run with the system Java) against `npm start` with a throwaway, seeded database.
// Target: 0 errors. Infos (e.g. the "/>" hono/jsx writes on void elements) are fine; a <title>
// a fragment carries so htmx can update the document's title is accepted (see wrapFragment).
// Run: npm run test:html
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { get, mailLink, startServer } from '../browser/harness.mjs';
import { makeImages } from '../fixtures/images.mjs';

const vnuJar = String(createRequire(import.meta.url)('vnu-jar'));
const JAVA = process.env.JAVA ?? 'java';

let server;
let dir;
before(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'blt-html-'));
});
after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One request as a browser (or htmx) would send it; forms come from the same origin. */
async function fetchHtml(path, { cookie, hx = false, form } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = cookie;
  if (hx) headers['HX-Request'] = 'true';
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers.Origin = server.base;
  }
  return get(`${server.base}${path}`, { method: form ? 'POST' : 'GET', headers, body });
}

/** A multipart form with files, as the report form sends screenshots. */
async function postFiles(path, fields, files, cookie) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('screenshots', new Blob([f.bytes], { type: f.type }), f.name);
  const res = await fetch(`${server.base}${path}`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { Origin: server.base, ...(cookie ? { Cookie: cookie } : {}) },
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
}

async function logIn(username) {
  const res = await fetchHtml('/api/auth/login', { form: { username, password: 'demo-password-123' } });
  assert.equal(res.status, 303, `log in as ${username}`);
  return [res.headers['set-cookie']]
    .flat()
    .find((c) => c.startsWith('__Host-blt_session='))
    .split(';')[0];
}

/** Where htmx puts each kind of fragment, so it is checked in a valid place. */
const CONTAINERS = {
  main: ['<main>', '</main>'],
  list: ['<ol>', '</ol>'],
  rows: ['<table><tbody>', '</tbody></table>'],
};

/** Out-of-band elements (`data-hx-swap-oob`): htmx takes them out and swaps them by id elsewhere. */
const OOB = /<([a-z][a-z0-9]*)\b[^>]*\bdata-hx-swap-oob=[^>]*>[\s\S]*?<\/\1>/g;

/**
 * A fragment inside a minimal document. A `<title>` the fragment carries (so htmx can update the
 * document's title, the one accepted exception) becomes the document's title: it is checked there.
 * Out-of-band elements are checked in the body, outside the container, as htmx places them.
 */
function wrapFragment(html, container = 'main') {
  const [open, close] = CONTAINERS[container];
  const title = /<title>[\s\S]*?<\/title>/.exec(html)?.[0];
  const rest = title ? html.replace(title, '') : html;
  const oob = rest.match(OOB) ?? [];
  const body = rest.replace(OOB, '');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">${title ?? '<title>Fragment</title>'}</head><body>${oob.join('')}${open}${body}${close}</body></html>`;
}

test('every page and fragment is valid HTML (Nu Html Checker)', async () => {
  const alice = await logIn('demo_alice');
  const bob = await logIn('demo_bob');
  const stamp = Date.now().toString(36);
  const host = `html-${stamp}.example`;
  const created = await fetchHtml('/api/bugs', {
    cookie: alice,
    form: { url: `https://${host}/cart`, title: `Valid HTML check ${stamp}`, description: 'Line one\nLine two' },
  });
  assert.equal(created.status, 303);
  const bug = created.headers.location;
  const id = bug.split('/').pop();
  await fetchHtml(`/api/bugs/${id}/comments`, { cookie: bob, form: { body: 'A comment <b>with</b> markup' } });
  const month = new Date().toISOString().slice(0, 7);
  /** The path of an htmx "more" link on a page (attribute-escaped, maybe absolute). */
  const moreLink = async (path, re) => {
    const href = re.exec((await fetchHtml(path)).text)?.[1]?.replaceAll('&amp;', '&');
    return href && new URL(href, server.base).href.slice(server.base.length);
  };
  const olderBugs = await moreLink('/bugs?limit=3', /data-hx-get="([^"]+before=[^"]+)"/);
  assert.ok(olderBugs, 'the demo data has more than one page of bugs');
  const olderLeaders = await moreLink('/leaderboard?limit=1', /<tr class="more">[\s\S]*?data-hx-get="([^"]+)"/);
  assert.ok(olderLeaders, 'the demo data has more than one reporter with points');

  /** [name, response, kind]: kind is 'page' or a fragment container. */
  const docs = [];
  const page = async (path, opts = {}, expected = 200) => {
    const res = await fetchHtml(path, opts);
    assert.equal(res.status, expected, `${opts.form ? 'POST' : 'GET'} ${path}`);
    docs.push([`${opts.form ? 'POST ' : ''}${path}${opts.cookie ? ' (signed in)' : ''}`, res.text, 'page']);
  };
  const fragment = async (path, opts = {}, container = 'main', expected = 200) => {
    const res = await fetchHtml(path, { ...opts, hx: true });
    assert.equal(res.status, expected, `htmx ${opts.form ? 'POST' : 'GET'} ${path}`);
    docs.push([`htmx ${opts.form ? 'POST ' : ''}${path}${opts.cookie ? ' (signed in)' : ''}`, res.text, container]);
  };

  // Pages: the static shell, every Worker page signed out and in, forms with errors, errors.
  for (const path of ['/', '/about']) await page(path);
  for (const cookie of [undefined, bob]) {
    await page('/bugs', { cookie });
    await page(bug, { cookie });
    await page('/bugs/new', { cookie });
    await page('/leaderboard', { cookie });
    await page('/users/demo_alice', { cookie });
    await page('/api/auth/me', { cookie });
  }
  await page(bug, { cookie: alice }); // the reporter's view: close button
  await page('/bugs?label=security&status=open&q=checkout');
  await page(`/bugs${olderBugs.slice('/api/bugs'.length)}`);
  await page(`/leaderboard?month=${month}`);
  await page('/stats');
  await page(`/domains/${host}`);
  await page('/embed/leaderboard');
  await page('/login');
  await page('/signup/check-email');
  // Accounts and email (issue 10): the mailed-link pages with a real link and a bogus one.
  await page('/forgot-password');
  await page('/forgot-password', { form: { email: 'not an address' } }, 422);
  await fetchHtml('/forgot-password', { form: { email: 'demo_carol@example.test' } });
  const resetLink = new URL(await mailLink(server.base, 'demo_carol@example.test', '/reset-password'));
  await page(`${resetLink.pathname}${resetLink.search}`);
  await page('/reset-password?token=bogus');
  await page('/reset-password', { form: { token: 'bogus', password: 'short', password_confirmation: 'x' } }, 422);
  await page('/forgot-password/sent');
  await page(`/verify-email${resetLink.search}`); // a reset token is no confirm link: "not valid"
  await page('/settings', { cookie: bob });
  await page('/settings?notice=email', { cookie: bob });
  await page(
    '/settings/password',
    { cookie: bob, form: { current_password: 'wrong', password: 'x', password_confirmation: 'y' } },
    422,
  );
  await page('/settings/delete', { cookie: bob, form: { password: 'not the password' } }, 422);
  await page('/settings/tokens', { cookie: bob });
  await page('/settings/tokens', { cookie: bob, form: { name: 'CI', scopes: 'read' } }, 201);
  await page('/settings/tokens', { cookie: bob, form: { name: '' } }, 422);
  await page('/account-deleted');
  await page('/dev/outbox');
  await page('/signup');
  await page(
    '/api/auth/signup',
    {
      form: {
        username: 'dem0_alice',
        email: 'x@example.test',
        password: 'password1234',
        password_confirmation: 'password1234',
      },
    },
    422,
  );
  await page(`/api/bugs/similar?url=https://${host}/`);
  await page('/api/bugs', { form: { url: 'shop.example/cart', title: 'ab', description: 'kept' } }, 422);
  await page('/api/bugs', { form: { url: 'javascript:alert(1)', title: 'A valid enough title' } }, 422);
  await page('/api/auth/login', { form: { username: 'demo_alice', password: 'wrong password' } }, 401);
  await page('/api/auth/signup', { form: { username: 'x', email: 'nope', password: 'short' } }, 422);
  await page(`/api/bugs/${id}/comments`, { cookie: bob, form: { body: ' ' } }, 422);

  // Evidence (issue 11): screenshots, Markdown, Preview, an edit and its history, a removed comment.
  const images = await makeImages();
  const img = (key, name) => ({ name, type: 'image/png', bytes: Buffer.from(images[key].data, 'base64') });
  const markdown =
    '## Steps\n\n1. Open **cart**\n2. [Docs](https://docs.example/)\n\n```\ncurl -v <x>\n```\n\n![pic](https://img.example/a.png)';
  const shotHost = `shots-${stamp}.example`;
  const withShots = await postFiles(
    '/api/bugs',
    { url: `https://${shotHost}/`, title: `Screenshots check ${stamp}`, description: markdown },
    [img('png', 'a.png'), img('jpeg', 'b.jpg'), img('webp', 'c.webp'), img('gif', 'd.gif'), img('jpeg', 'e.jpg')],
    alice,
  );
  assert.equal(withShots.status, 303, 'report with five screenshots');
  const shotBug = withShots.headers.location;
  const shotId = shotBug.split('/').pop();
  const editForm = {
    url: `https://${shotHost}/x`,
    title: `Edited check ${stamp}`,
    description: `${markdown}\n\nMore.`,
    label: 'design',
    severity: 'low',
  };
  assert.equal((await fetchHtml(`${shotBug}/edit`, { cookie: alice, form: editForm })).status, 303);
  await fetchHtml(`/api/bugs/${shotId}/comments`, { cookie: bob, form: { body: 'To be *removed*' } });
  await fetchHtml(`/api/bugs/${shotId}/comments`, { cookie: bob, form: { body: 'Kept **comment**' } });
  const commentIds = [...(await fetchHtml(shotBug)).text.matchAll(/id="comment-(\d+)"/g)].map((m) => m[1]);
  assert.equal((await fetchHtml(`${shotBug}/comments/${commentIds[0]}/delete`, { cookie: bob, form: {} })).status, 303);
  await page(shotBug);
  await page(shotBug, { cookie: alice });
  await page(shotBug, { cookie: bob });
  await page(`${shotBug}/edit`, { cookie: alice });
  await page(`${shotBug}/history`);
  await page(`${shotBug}/edit`, { cookie: alice, form: { ...editForm, intent: 'preview' } });
  await page(`${shotBug}/edit`, { cookie: alice, form: { url: 'javascript:x', title: 'ab' } }, 422);
  await page('/api/bugs', { form: { url: 'x', title: 'ab', description: markdown, intent: 'preview' } });
  await page(`/api/bugs/${shotId}/comments`, { cookie: bob, form: { body: '*hi*', intent: 'preview' } });
  const badFile = await postFiles('/api/bugs', { url: `https://${shotHost}/`, title: 'A bad file here' }, [
    { name: 'x.png', type: 'image/png', bytes: Buffer.from('<html></html>') },
  ]);
  assert.equal(badFile.status, 422);
  docs.push(['POST /api/bugs with a file that is not an image', badFile.text, 'page']);
  const tooBig = await postFiles('/api/bugs', { url: `https://${shotHost}/`, title: 'Too big' }, [
    { name: 'big.png', type: 'image/png', bytes: Buffer.alloc(17 * 1024 * 1024) },
  ]);
  assert.equal(tooBig.status, 413);
  docs.push(['POST /api/bugs over 16 MiB', tooBig.text, 'page']);
  await fragment(`${shotBug}/edit`, { cookie: alice });
  await fragment(`${shotBug}/edit`, { cookie: alice, form: { ...editForm, intent: 'preview' } });
  await fragment('/api/bugs', { form: { url: 'x', title: 'ab', description: markdown, intent: 'preview' } });
  await fragment(`/api/bugs/${shotId}/comments`, { cookie: bob, form: { body: '*hi*', intent: 'preview' } });
  await fragment(`${shotBug}/comments/${commentIds[1]}/delete`, { cookie: bob, form: {} });

  await page('/no-such-page', {}, 404);
  await page('/bugs/999999999', {}, 404);
  await page('/users/nobody-here', {}, 404);
  await page('/bugs?limit=1000', {}, 400);
  // A foreign Origin: the 403 page.
  const refused = await get(`${server.base}/api/bugs`, {
    method: 'POST',
    headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'url=https%3A%2F%2Fx.example%2F&title=Cross-site',
  });
  assert.equal(refused.status, 403);
  docs.push(['POST /api/bugs from a foreign origin', refused.text, 'page']);

  // Fragments, each where htmx puts it.
  await fragment('/api/bugs', {}, 'list');
  await fragment(olderBugs, {}, 'list');
  await fragment('/bugs?label=security', {}, 'list');
  await fragment(`/api/bugs/${id}`, { cookie: bob });
  await fragment('/bugs/new', { cookie: bob });
  await fragment('/login');
  await fragment('/signup');
  await fragment('/api/leaderboard');
  await fragment(`/api/leaderboard?month=${month}`);
  await fragment(olderLeaders, {}, 'rows');
  await fragment('/api/stats');
  await fragment('/api/auth/me');
  await fragment('/api/auth/me', { cookie: bob });
  await fragment(`/api/bugs/similar?url=https://${host}/`);
  await fragment('/api/bugs/similar?url=nope');
  await fragment('/users/demo_alice');
  await fragment(`/domains/${host}`);
  await fragment('/api/bugs', { form: { url: 'shop.example/cart', title: 'ab' } }, 'main', 422);
  await fragment('/api/bugs', { cookie: bob, form: { url: `https://${host}/x`, title: `htmx report ${stamp}` } });
  await fragment(`/api/bugs/${id}/upvote`, { cookie: bob, form: {} });
  await fragment(`/api/bugs/${id}/comments`, { cookie: bob, form: { body: 'From htmx' } });
  await fragment(`/api/bugs/${id}/comments`, { cookie: bob, form: { body: '' } }, 'main', 422);
  await fragment('/api/auth/login', { form: { username: 'demo_alice', password: 'wrong password' } }, 'main', 401);
  await fragment('/api/auth/signup', { form: { username: 'x' } }, 'main', 422);
  await fragment('/forgot-password');
  await fragment('/forgot-password', { form: { email: '' } }, 'main', 422);
  await fragment('/reset-password', { form: { token: 'bogus', password: 'short' } }, 'main', 422);
  await fragment('/settings/email', { cookie: bob, form: { email: 'nope', password: '' } }, 'main', 422);
  await fragment('/settings/delete', { cookie: bob, form: { password: 'not the password' } }, 'main', 422);
  await fragment('/settings/tokens', { cookie: bob, form: { name: 'htmx token', scopes: 'report' } }, 'main', 201);
  await fragment('/settings/tokens', { cookie: bob, form: { name: '' } }, 'main', 422);
  await fragment('/api/bugs/999999999', {}, 'main', 404);

  // A report's life (issue 12): the admin's state form, the spam confirm step, the timeline,
  // the flag control and the flag queue. demo_carol becomes an admin as `npm run admin` does.
  const made = spawnSync('node', ['scripts/admin.mjs', 'demo_carol'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, BLT_PERSIST_TO: server.persist },
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  const carol = await logIn('demo_carol');
  await page(bug, { cookie: carol });
  await page(`/bugs/${id}/spam`, { cookie: carol });
  await fragment(`/bugs/${id}/spam`, { cookie: carol });
  await page(`/bugs/${id}/state`, { cookie: carol, form: { state: 'duplicate', duplicate_of: '' } }, 422);
  await fragment(`/bugs/${id}/state`, { cookie: carol, form: { state: 'nonsense' } }, 'main', 422);
  await fragment(`/bugs/${id}/state`, { cookie: carol, form: { state: 'triaged', note: 'Seen it <b>too</b>' } });
  await page(bug, { cookie: alice }); // the reporter's view: withdraw, and the timeline
  await fragment(`/bugs/${id}/flag`, { cookie: bob, form: { reason: 'nonsense' } }, 'main', 422);
  await fragment(`/bugs/${id}/flag`, { cookie: bob, form: { reason: 'fake' } });
  await page(bug, { cookie: bob }); // flagged
  await page('/admin/flags', { cookie: carol });
  await fragment(`/admin/flags/${id}/resolve`, { cookie: carol, form: { resolution: 'kept' } }, 'list');
  await page('/bugs?status=resolved');
  // Metrics (issue 17): the charts and tables of the last 24 hours, which this check's own
  // requests have filled.
  await page('/admin/metrics', { cookie: carol });

  // Domain owners and notifications (issue 13): alice's claim page, carol (admin) makes bob an
  // owner of the report's domain, bob's console, /owned and his move; alice's notifications.
  await page(`/domains/${host}/claim`, { cookie: alice });
  await fetchHtml(`/domains/${host}/claim/token`, { cookie: alice, form: {} });
  await page(`/domains/${host}/claim`, { cookie: alice });
  await page(`/domains/${host}/claim`, { cookie: alice, form: { method: 'smtp' } }, 422);
  await page(`/domains/${host}/owners`, { cookie: carol, form: { username: 'no_such_user_here' } }, 422);
  await fetchHtml(`/domains/${host}/owners`, { cookie: carol, form: { username: 'demo_bob' } });
  await page(`/domains/${host}/owners`, { cookie: bob });
  await page(`/domains/${host}/triage`, { cookie: bob });
  await page(`/domains/${host}/triage?state=triaged&label=general`, { cookie: bob });
  await fragment(`/domains/${host}/triage/${id}/state`, { cookie: bob, form: { state: 'accepted' } }, 'list');
  await page('/owned', { cookie: bob });
  await page('/notifications', { cookie: alice });
  await fragment('/notifications', { cookie: alice }, 'list');
  await fragment('/settings/notifications', { cookie: bob, form: { notify_email: 'off' } });
  // Disclosure, scorecards, feeds' pages (issue 14): the domain page's scorecard, the responsive
  // board (page, fragment, iframe), a private report's disclosure panel for its reporter and an
  // admin, and the admin's date form refused (422) and through htmx.
  await page(`/domains/${host}`);
  await page('/leaderboard/domains');
  await fragment('/api/leaderboard/domains', {}, 'main');
  await page('/embed/leaderboard/domains');
  const secret = await fetchHtml('/api/bugs', {
    cookie: alice,
    form: { url: `https://${host}/admin`, title: `Private finding ${stamp}`, private: 'on' },
  });
  assert.equal(secret.status, 303);
  const secretBug = secret.headers.location;
  await page(secretBug, { cookie: alice });
  await page(secretBug, { cookie: carol });
  await page(`${secretBug}/disclosure`, { cookie: carol, form: { disclose_at: 'soon', reason: 'x' } }, 422);
  await fragment(
    `${secretBug}/disclosure`,
    { cookie: carol, form: { disclose_at: '2031-01-02', reason: 'Vendor asked' } },
    'main',
  );

  // Every POST form carries the form token (lynx and w3m cannot post without it).
  for (const [name, html] of docs) {
    for (const m of html.matchAll(/<form\b[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/g)) {
      assert.match(m[1], /<input type="hidden" name="_form" value="[^"]+"/, `a POST form without _form in ${name}`);
    }
  }

  const files = docs.map(([name, html, kind], i) => {
    const file = join(dir, `${String(i).padStart(3, '0')}.html`);
    writeFileSync(file, kind === 'page' ? html : wrapFragment(html, kind));
    return { file, name, kind };
  });
  const r = spawnSync(JAVA, ['-jar', vnuJar, '--format', 'json', '--stdout', ...files.map((f) => f.file)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.ok(r.stdout, `vnu produced no report (is Java installed?)\n${r.stderr}`);
  const { messages } = JSON.parse(r.stdout);
  const byFile = new Map(files.map((f) => [`file:${f.file}`, f]));
  const errors = messages.filter((m) => m.type === 'error' || m.type === 'non-document-error');
  const report = errors.map(
    (m) => `${byFile.get(m.url)?.name ?? m.url}:${m.lastLine ?? '?'}: ${m.message}\n    ${m.extract ?? ''}`,
  );
  assert.deepEqual(report, [], `${errors.length} HTML errors in ${files.length} documents`);
  assert.ok(files.length >= 55, `checked ${files.length} documents`);
});
