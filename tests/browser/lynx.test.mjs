// The lynx journey: sign up, confirm the address, log in, report a bug, comment, log out, in the text browser lynx,
// driven by keystrokes (-cmd_script) as a person would type them. lynx sends neither Origin nor
// Sec-Fetch-Site, so every form here goes through the form token (worker/middleware/form-token.tsx).
// lynx never sends a Secure cookie over http, so the server runs with `--local-protocol https`
// and lynx accepts its self-signed certificate (FORCE_SSL_PROMPT). Run: npm run test:browser
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { d1Query } from '../../scripts/lib.mjs';
import { get, mailLink, startServer } from './harness.mjs';

const LYNX = process.env.LYNX_PATH ?? '/usr/bin/lynx';

let server;
let dir;
const jar = () => join(dir, 'cookies.txt');

before(async () => {
  assert.ok(existsSync(LYNX), `lynx not found at ${LYNX} (apt-get install lynx)`);
  server = await startServer({ https: true });
  dir = mkdtempSync(join(tmpdir(), 'blt-lynx-'));
  writeFileSync(jar(), '');
  writeFileSync(
    join(dir, 'lynx.cfg'),
    [
      'INCLUDE:/etc/lynx/lynx.cfg',
      // The local server's certificate is self-signed and issued for localhost: go on anyway.
      'FORCE_SSL_PROMPT:yes',
      'ACCEPT_ALL_COOKIES:TRUE',
      // Keep cookies between the steps (each step is one lynx run), as one browser would.
      'PERSISTENT_COOKIES:TRUE',
      '',
    ].join('\n'),
  );
});
after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The cookies lynx keeps (its Netscape-format jar), as a Cookie header for our own checks. */
function lynxCookies() {
  const cookies = Object.fromEntries(
    readFileSync(jar(), 'utf8')
      .split('\n')
      .map((line) => line.split('\t'))
      .filter((f) => f.length === 7)
      .map((f) => [f[5], f[6]]),
  );
  return cookies;
}
const cookieHeader = (cookies) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

/**
 * The links and form fields of a page in the order lynx's Down Arrow visits them: the head's
 * alternate links, links with an href, visible inputs, selects, buttons, and one stop per line of a textarea.
 */
function stops(html) {
  const body = html.slice(html.indexOf('<body'));
  const out = [];
  // lynx lists the head's <link rel="alternate"> (the Atom feeds) first, as links of their own.
  for (const m of html.slice(0, html.indexOf('<body')).matchAll(/<link\b([^>]*)>/g)) {
    if (/\srel="alternate"/.test(m[1]) && /\shref=/.test(m[1])) out.push({ tag: 'a', id: undefined, text: '' });
  }
  for (const m of body.matchAll(/<(a|input|select|textarea|button)\b([^>]*)>/g)) {
    const [, tag, attrs] = m;
    if (tag === 'a' && !/\shref=/.test(attrs)) continue;
    if (tag === 'input' && /\stype="hidden"/.test(attrs)) continue;
    const id = /\sid="([^"]*)"/.exec(attrs)?.[1];
    const text = tag === 'button' ? /^<button[^>]*>([\s\S]*?)<\/button>/.exec(body.slice(m.index))?.[1] : '';
    const rows = tag === 'textarea' ? Number(/\srows="(\d+)"/.exec(attrs)?.[1] ?? 4) : 1;
    for (let i = 0; i < rows; i++) out.push({ tag, id, text: text?.replace(/<[^>]+>/g, '').trim() });
  }
  return out;
}

/** Keystrokes for one visit, written as lynx's -cmd_script lines. */
class Keys {
  constructor(html) {
    this.stops = stops(html);
    this.at = 0; // lynx starts on the first link of a page
    this.lines = [];
  }
  /** Down Arrow until the field with this id (or the button whose text starts so) is current. */
  to(target) {
    const i = this.stops.findIndex(
      (s, n) =>
        n >= this.at &&
        (target.startsWith('#') ? s.id === target.slice(1) : s.tag === 'button' && s.text.startsWith(target)),
    );
    assert.ok(i >= 0, `no ${target} on the page after stop ${this.at}`);
    for (; this.at < i; this.at++) this.lines.push('key Down Arrow');
    return this;
  }
  type(text) {
    for (const ch of text) this.lines.push(ch === ' ' ? 'key <space>' : `key ${ch}`);
    return this;
  }
  enter() {
    this.lines.push('key ^J');
    return this;
  }
  script() {
    // q, then y to "Are you sure you want to quit?": lynx saves its cookies as it quits.
    return [...this.lines, 'key q', 'key y', ''].join('\n');
  }
}

/** What lynx is shown at `path`: fetched with lynx's own cookies, so the same page it gets. */
async function pageFor(path) {
  const res = await get(`${server.base}${path}`, { headers: { Cookie: cookieHeader(lynxCookies()) } });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.text;
}

/** Opens lynx at `path` and types `keys`; returns what the terminal showed (for failures). */
async function lynx(path, build) {
  const keys = build(new Keys(await pageFor(path)));
  const scriptFile = join(dir, 'keys.txt');
  writeFileSync(scriptFile, keys.script());
  const cmd = [
    LYNX,
    `-cfg=${join(dir, 'lynx.cfg')}`,
    '-nopause',
    '-accept_all_cookies',
    `-cookie_file=${jar()}`,
    `-cookie_save_file=${jar()}`,
    `-cmd_script=${scriptFile}`,
    `${server.base}${path}`,
  ].join(' ');
  // lynx needs a terminal: script(1) gives it one.
  const r = spawnSync('script', ['-qec', cmd, join(dir, 'screen.txt')], {
    env: { ...process.env, HOME: dir, TERM: 'vt100', LANG: 'C.UTF-8' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  // Terminal escape sequences (ESC [ … letter) dropped, so a failure shows readable text.
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
  const screen = readFileSync(join(dir, 'screen.txt'), 'utf8').replace(ansi, '');
  assert.equal(r.status, 0, `lynx at ${path} failed: ${r.error ?? ''}\n${screen.slice(-2000)}`);
  return screen;
}

/** Where /account sends these cookies: the profile when signed in, the login page when not. */
async function accountFor(cookies) {
  const res = await get(`${server.base}/account`, { headers: { Cookie: cookieHeader(cookies) } });
  assert.equal(res.status, 303);
  return res.headers.location;
}

describe('Journey L: lynx, keyboard only, no Origin header', () => {
  const stamp = Date.now().toString(36);
  const username = `lynx_${stamp}`;
  const password = `lynx-password-${stamp}`;
  const host = `lynx-${stamp}.example`;
  const title = `Checkout button does nothing ${stamp}`;
  const comment = `Still broken today ${stamp}`;
  let bugId;

  test('sign up', async () => {
    const screen = await lynx('/signup', (k) =>
      k
        .to('#username')
        .type(username)
        .to('#email')
        .type(`${username}@example.test`)
        .to('#password')
        .type(password)
        .to('#password_confirmation')
        .type(password)
        .to('Sign up')
        .enter(),
    );
    const users = d1Query(`SELECT count(*) AS n FROM users WHERE username = '${username}'`, server.persist);
    assert.equal(users[0].n, 1, `the account exists\n${screen.slice(-1500)}`);
  });

  test('confirm the address with the mailed link', async () => {
    // Sign-up starts no session: the link mailed to the address (read from the dev outbox) has a
    // button that confirms it and signs in.
    const link = new URL(await mailLink(server.base, `${username}@example.test`, '/verify-email'));
    const screen = await lynx(`${link.pathname}${link.search}`, (k) => k.to('Confirm my address').enter());
    const rows = d1Query(`SELECT email_verified_at FROM users WHERE username = '${username}'`, server.persist);
    assert.ok(rows[0].email_verified_at, `the address is confirmed\n${screen.slice(-1500)}`);
  });

  test('log in', async () => {
    // Sign-up may or may not start a session; if it did, log out first, as a person would.
    if ((await accountFor(lynxCookies())).startsWith('/users/')) {
      await lynx('/bugs', (k) => k.to('Log out').enter());
    }
    assert.match(await accountFor(lynxCookies()), /^\/login/);
    const screen = await lynx('/login', (k) =>
      k.to('#username').type(username).to('#password').type(password).to('Log in').enter(),
    );
    assert.equal(await accountFor(lynxCookies()), `/users/${username}`, `signed in\n${screen.slice(-1500)}`);
  });

  test('report a bug', async () => {
    const screen = await lynx('/bugs/new', (k) =>
      k
        .to('#url')
        .type(`https://${host}/checkout`)
        .to('#title')
        .type(title)
        .to('#description')
        .type('Nothing happens when I press it.')
        .to('Report bug')
        .enter(),
    );
    const rows = d1Query(
      `SELECT b.id, b.url, b.description, u.username FROM bugs b JOIN users u ON u.id = b.user_id WHERE b.title = '${title}'`,
      server.persist,
    );
    assert.equal(rows.length, 1, `one bug stored\n${screen.slice(-1500)}`);
    assert.equal(rows[0].username, username);
    assert.equal(rows[0].url, `https://${host}/checkout`);
    assert.equal(rows[0].description, 'Nothing happens when I press it.');
    bugId = rows[0].id;
    const page = await get(`${server.base}/bugs/${bugId}`);
    assert.match(page.text, new RegExp(title));
  });

  test('comment on it', async () => {
    const screen = await lynx(`/bugs/${bugId}`, (k) => k.to('#comment-body').type(comment).to('Comment').enter());
    const page = await get(`${server.base}/bugs/${bugId}`);
    assert.ok(page.text.includes(comment), `the comment is on the bug's page\n${screen.slice(-1500)}`);
    const rows = d1Query(
      `SELECT u.username FROM comments c JOIN users u ON u.id = c.user_id WHERE c.bug_id = ${bugId} AND c.body = '${comment}'`,
      server.persist,
    );
    assert.deepEqual(
      rows.map((r) => r.username),
      [username],
    );
  });

  test('log out', async () => {
    const before = lynxCookies();
    assert.equal(await accountFor(before), `/users/${username}`);
    await lynx(`/bugs/${bugId}`, (k) => k.to('Log out').enter());
    assert.match(await accountFor(lynxCookies()), /^\/login/, 'lynx is signed out');
    // The server ended the session itself: the cookie lynx had before no longer signs anyone in.
    assert.match(await accountFor(before), /^\/login/, 'the old session cookie is dead');
  });
});
