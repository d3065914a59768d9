// Accounts with real email, in Debian's Chromium against `npm start` (issue 10): every mail is
// read from the dev outbox (/dev/outbox), as a person would open it. Run: npm run test:browser
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { confirmEmail, get, mailLink, openBrowser, reportBug, startServer, unexpected, watchPage } from './harness.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

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

const stamp = Date.now().toString(36);

async function signUp(page, username, password) {
  await page.goto(`${server.base}/signup`);
  await page.fill('#username', username);
  await page.fill('#email', `${username}@example.test`);
  await page.fill('#password', password);
  await page.fill('#password_confirmation', password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL('**/signup/check-email');
  assert.match(await page.locator('h1').textContent(), /Check your email/);
}

async function logOut(page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${server.base}/`);
}

async function logIn(page, username, password) {
  await page.goto(`${server.base}/login?next=/settings`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The status the dev outbox shows for the newest mail to `to`, once the queue has sent it. */
async function sentStatus(to) {
  for (let i = 0; i < 40; i++) {
    const { messages } = JSON.parse(
      (await get(`${server.base}/dev/outbox`, { headers: { Accept: 'application/json' } })).text,
    );
    const status = messages.find((m) => m.to === to)?.status;
    if (status === 'sent') return status;
    await new Promise((r) => setTimeout(r, 250));
  }
  return 'not sent';
}

for (const [name, opts] of [
  ['JavaScript disabled', { javaScriptEnabled: false }],
  ['JavaScript enabled', {}],
]) {
  describe(`Journey M: sign up, confirm, forget, reset (${name})`, () => {
    const s = useBrowser(opts);

    test('sign up → confirm via the dev outbox → log out → forgot → reset → log in with the new password', async () => {
      const { page, problems } = s;
      const username = `mail_${opts.javaScriptEnabled === false ? 'nojs' : 'js'}_${stamp}`;
      const email = `${username}@example.test`;
      const first = 'the first long password';
      const second = 'the second long password';
      await signUp(page, username, first);
      // Not signed in yet: logging in says to confirm first (and mails the link again).
      await logIn(page, username, first);
      await page.locator('.error-summary', { hasText: 'Please confirm your email address first' }).waitFor();
      await confirmEmail(page, server.base, email);
      assert.match(await page.locator('.notice').textContent(), /Your email address is confirmed/);
      assert.match(await page.locator('#user-slot').textContent(), new RegExp(username));
      // npm start runs the queue and the Email binding locally: the mail was really handed over.
      assert.equal(await sentStatus(email), 'sent');
      await logOut(page);

      await page.goto(`${server.base}/login`);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL('**/forgot-password');
      await page.fill('#email', email);
      await page.getByRole('button', { name: 'Send me a reset link' }).click();
      await page.waitForURL('**/forgot-password/sent');
      const link = await mailLink(server.base, email, '/reset-password');
      const res = await page.goto(link);
      assert.equal(res.headers()['referrer-policy'], 'no-referrer');
      await page.fill('#password', second);
      await page.fill('#password_confirmation', 'not the same at all');
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.locator('#password_confirmation-error').waitFor();
      await page.fill('#password', second);
      await page.fill('#password_confirmation', second);
      await page.getByRole('button', { name: 'Set new password' }).click();
      await page.waitForURL(`${server.base}/`);
      await page.goto(`${server.base}/settings`);
      assert.match(await page.locator('#user-slot').textContent(), new RegExp(username));
      await logOut(page);

      // The link works once: a second visit says so and offers a new one.
      await page.goto(link);
      assert.match(await page.locator('main').textContent(), /already been used/);
      assert.ok(await page.getByRole('link', { name: 'Get a new reset link' }).isVisible());

      await logIn(page, username, first);
      await page.locator('.error-summary', { hasText: 'Wrong username or password' }).waitFor();
      await logIn(page, username, second);
      await page.waitForURL((url) => url.pathname === '/settings');
      assert.deepEqual(unexpected(problems, [401, 403, 410, 422]), []);
    });
  });
}

describe('Journey N: change email, then delete the account (JavaScript enabled)', () => {
  const s = useBrowser();

  test('change the address by its link, log in with it, then delete the account', async () => {
    const { page, problems } = s;
    const username = `moving_${stamp}`;
    const password = 'a long moving password';
    const newEmail = `moved_${stamp}@example.test`;
    await signUp(page, username, password);
    await confirmEmail(page, server.base, `${username}@example.test`);

    await page.fill('#new-email', newEmail);
    await page.fill('#email-password', 'not my password');
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.locator('#email-password-error', { hasText: 'That is not your password.' }).waitFor();
    assert.equal(await page.inputValue('#new-email'), newEmail);
    await page.fill('#email-password', password);
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.waitForURL('**/settings?notice=email');
    await page.goto(await mailLink(server.base, newEmail, '/verify-email'));
    await page.getByRole('button', { name: 'Confirm my address' }).click();
    await page.getByRole('heading', { name: 'Email address changed' }).waitFor();
    const { messages } = JSON.parse(
      (await get(`${server.base}/dev/outbox`, { headers: { Accept: 'application/json' } })).text,
    );
    assert.ok(messages.some((m) => m.to === `${username}@example.test` && /being changed/.test(m.subject)));

    await page.goto(`${server.base}/settings`);
    await logOut(page);
    await logIn(page, newEmail, password);
    await page.waitForURL((url) => url.pathname === '/settings');
    assert.match(await page.locator('main').textContent(), new RegExp(newEmail));

    const title = `Left behind by a leaver ${stamp}`;
    const bugPath = await reportBug(page, server.base, { title, host: `leaver-${stamp}.example` });
    await page.goto(`${server.base}/settings`);
    await page.fill('#delete-password', password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL('**/account-deleted');
    await page.goto(`${server.base}${bugPath}`);
    assert.match(await page.locator('main').textContent(), /deleted user/);
    assert.doesNotMatch(await page.locator('main').textContent(), new RegExp(username));
    await logIn(page, newEmail, password);
    await page.locator('.error-summary', { hasText: 'Wrong username or password' }).waitFor();
    assert.deepEqual(unexpected(problems, [401, 422]), []);
  });
});

describe('Journey O: delete the account with JavaScript disabled', () => {
  const s = useBrowser({ javaScriptEnabled: false });

  test('a wrong password keeps the account; the right one deletes it and signs out', async () => {
    const { page, problems } = s;
    const username = `leaving_${stamp}`;
    const password = 'a long leaving password';
    await signUp(page, username, password);
    await confirmEmail(page, server.base, `${username}@example.test`);
    await page.fill('#delete-password', 'not my password');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.locator('#delete-password-error').waitFor();
    await page.fill('#delete-password', password);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL('**/account-deleted');
    const res = await page.goto(`${server.base}/settings`);
    assert.equal(res.status(), 401);
    // The address can sign up again.
    await signUp(page, username, password);
    await confirmEmail(page, server.base, `${username}@example.test`);
    assert.match(await page.locator('#user-slot').textContent(), new RegExp(username));
    assert.deepEqual(unexpected(problems, [401, 422]), []);
  });
});
