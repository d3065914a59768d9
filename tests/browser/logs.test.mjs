// Our log lines over a whole browser journey hold no password, email, cookie or token, and
// every request left exactly one line naming its route pattern (README "Where to look when
// something breaks"). Run: npm run test:browser
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { classifyLog, confirmEmail, mailLink, openBrowser, startServer } from './harness.mjs';

let server;
before(async () => {
  server = await startServer({ logLevel: 'log' });
});
after(async () => {
  await server?.stop();
});

test('a journey through sign-up, mailed links, a password reset, a private report and a comment leaves no secret in our logs', async () => {
  const browser = await openBrowser({ javaScriptEnabled: false });
  const secrets = new Set();
  const stamp = Date.now().toString(36);
  const username = `logs_${stamp}`;
  const email = `${username}@mail-${stamp}.test`;
  const password = `pw-${stamp}-never-logged`;
  secrets.add(email).add(password).add(`wrong-${password}`);
  try {
    const page = await browser.context.newPage();
    const served = [];
    page.on('response', (r) => {
      if (r.url().startsWith(server.base)) served.push(r);
    });
    const rememberTokens = async () => {
      for (const v of await page.locator('input[name="_form"]').evaluateAll((els) => els.map((e) => e.value)))
        if (v) secrets.add(v);
      for (const c of await browser.context.cookies()) if (c.value.length > 16) secrets.add(c.value);
    };

    await page.goto(`${server.base}/signup`);
    await page.fill('#username', username);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.fill('#password_confirmation', password);
    await rememberTokens();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForLoadState();
    const verify = await mailLink(server.base, email, '/verify-email');
    secrets.add(new URL(verify).searchParams.get('token'));
    await confirmEmail(page, server.base, email);
    await rememberTokens();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.base}/`);

    // Forgot, then reset: the mailed token travels in a link and a hidden field.
    await page.goto(`${server.base}/forgot-password`);
    await page.fill('#email', email);
    await page.getByRole('button', { name: /Send/ }).click();
    await page.waitForLoadState();
    const reset = await mailLink(server.base, email, '/reset-password');
    secrets.add(new URL(reset).searchParams.get('token'));
    await page.goto(reset);
    const newPassword = `${password}-new`;
    secrets.add(newPassword);
    await page.fill('#password', newPassword);
    await page.fill('#password_confirmation', newPassword);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL(`${server.base}/`); // signed in fresh; the static shell says nothing of it
    await page.goto(`${server.base}/bugs`);
    await rememberTokens();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.base}/`);

    await page.goto(`${server.base}/login?next=/bugs/new`);
    await page.fill('#username', username);
    await page.fill('#password', `wrong-${password}`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.error-summary').waitFor();
    await page.fill('#password', newPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/bugs/new');
    await rememberTokens();

    await page.fill('#url', `https://logs-${stamp}.example/private?token=query-secret-${stamp}`);
    secrets.add(`query-secret-${stamp}`);
    await page.fill('#title', `Private report for the log test ${stamp}`);
    await page.getByLabel(/Private report/).check();
    await page.getByRole('button', { name: /Report bug/ }).click();
    await page.waitForURL(/\/bugs\/\d+$/);
    await rememberTokens();
    await page.fill('#comment-body', `A comment that mentions ${email}`);
    await page.getByRole('button', { name: /Comment/ }).click();
    await page.waitForLoadState();
    await rememberTokens();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${server.base}/`);

    await new Promise((r) => setTimeout(r, 500)); // let the last lines reach the pipe
    const { ours, strangers } = classifyLog(server.log());
    assert.deepEqual(strangers, [], 'every line of output is ours or a known tool line');
    assert.ok(ours.length >= served.length / 2, `one line per Worker request (${ours.length} lines)`);
    for (const { text } of ours) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `a log line holds a secret: ${text}`);
      assert.doesNotMatch(text, /eyJ[\w-]{10,}/, 'no JWT in a log line');
    }
    const routes = new Set(ours.map((l) => l.parsed.route).filter(Boolean));
    // The mail went out through the queue, and its consumer said so in a line of its own.
    assert.ok(
      ours.some((l) => l.parsed.type === 'queue' && l.parsed.counts?.sent > 0),
      'a queue run line',
    );
    for (const r of [
      '/api/auth/signup',
      '/verify-email',
      '/reset-password',
      '/api/auth/login',
      '/api/bugs',
      '/bugs/:id{[0-9]{1,15}}',
    ]) {
      assert.ok(
        [...routes].some((x) => x === r || x.endsWith(r)),
        `a line for ${r} (have ${[...routes].join(', ')})`,
      );
    }
  } finally {
    await browser.close();
  }
});
