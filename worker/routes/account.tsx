import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  AccountDeletedPage,
  DeleteAccountForm,
  EmailChangedPage,
  EmailSettingsForm,
  ForgotForm,
  ForgotPage,
  ForgotSentPage,
  type FormErrors,
  PasswordSettingsForm,
  ResetForm,
  ResetLinkTrouble,
  ResetPage,
  SETTINGS_NOTICES,
  type SettingsNotice,
  SettingsPage,
  VerifyEmailPage,
} from '../../views/account';
import { changeEmailMail, emailChangeNoticeMail, resetPasswordMail } from '../../views/mail';
import {
  type AccountRow,
  applyEmailChange,
  changePassword,
  deleteAccount,
  endAllSessions,
  exportAccount,
  findAccountByEmail,
  findAccountById,
  markEmailVerified,
  resetPassword,
  writeMail,
  writeNoMail,
} from '../db/accounts';
import { takeWriteSlot } from '../db/limits';
import { discardScreenshots } from '../db/screenshots';
import { consumeToken, tokenState } from '../db/tokens';
import * as api from '../lib/api-schemas';
import { passwordProblem } from '../lib/credentials';
import { apiError, fail } from '../lib/errors';
import { clientIp, limitOf } from '../lib/limits';
import { enqueueMail, publicLink } from '../lib/mail';
import { operation } from '../lib/openapi';
import { hashPassword, verifyPassword } from '../lib/password';
import { afterWrite, respond } from '../lib/respond';
import { clearSessionCookie } from '../lib/session';
import { hashToken, newToken, TOKEN_RE } from '../lib/tokens';
import { fieldErrors, keptFields } from '../lib/validation';
import type { AppEnv } from '../types';
import { emailSchema, signedIn } from './auth';

/** A link token as it arrives (query or hidden field); anything else is simply an unknown link. */
const tokenField = z.string().max(200).optional().default('');

/** A new password and its confirmation, checked as at sign-up (length first, before any hashing). */
const newPassword = {
  password: z
    .string({ error: 'Choose a password.' })
    .min(12, 'The password needs at least 12 characters.')
    .max(256, 'The password can be at most 256 characters.'),
  password_confirmation: z.string({ error: 'Type the password again.' }).max(256),
};
function matching(
  v: { password: string; password_confirmation: string },
  ctx: z.RefinementCtx,
  who?: { username: string; email: string },
) {
  const weak = passwordProblem(v.password, who ?? { username: '', email: '' });
  if (weak) ctx.addIssue({ code: 'custom', path: ['password'], message: weak });
  if (v.password !== v.password_confirmation) {
    ctx.addIssue({ code: 'custom', path: ['password_confirmation'], message: 'The two passwords do not match.' });
  }
}
const currentPassword = z
  .string({ error: 'Enter your password.' })
  .min(1, 'Enter your password.')
  .max(256, 'That is not your password.');

const account = new Hono<AppEnv>();

// ---- Confirm an address (sign-up, or a new address from settings) ----

account.get(
  '/verify-email',
  operation({
    summary: 'A mailed confirmation link: is it still good?',
    tokens: false,
    tags: ['browser'],
    query: z.object({ token: tokenField }),
    responses: { 200: api.LinkStateResponse },
  }),
  zValidator('query', z.object({ token: tokenField }), (r) => {
    if (!r.success) fail(400);
  }),
  async (c) => {
    const { token } = c.req.valid('query');
    const state = TOKEN_RE.test(token)
      ? await tokenState(c.var.db, await hashToken(token), ['verify', 'change_email'])
      : 'unknown';
    return respond(c, {
      title: 'Confirm your email address',
      page: () => <VerifyEmailPage state={state} token={token} />,
      json: () => ({ state }),
    });
  },
);

account.post(
  '/verify-email',
  operation({
    summary: 'Confirm an address (signs in)',
    tokens: false,
    tags: ['browser'],
    body: z.object({ token: tokenField }),
    responses: { 200: z.union([api.SignedInResponse, z.object({ email_changed: z.literal(true) })]) },
  }),
  zValidator('form', z.object({ token: tokenField }), (r) => {
    if (!r.success) fail(400);
  }),
  async (c) => {
    const { token } = c.req.valid('form');
    const db = c.var.db;
    const hash = TOKEN_RE.test(token) ? await hashToken(token) : null;
    const used = hash ? await consumeToken(db, hash, ['verify', 'change_email']) : undefined;
    if (!used || !hash) {
      const state = hash ? await tokenState(db, hash, ['verify', 'change_email']) : 'unknown';
      const shown = state === 'valid' ? 'used' : state;
      return respond(c, {
        status: 410,
        title: 'Confirm your email address',
        page: () => <VerifyEmailPage state={shown} token="" />,
        json: () => apiError('gone', 'This link is not valid any more.'),
      });
    }
    if (used.purpose === 'change_email') {
      const ok = await applyEmailChange(db, used.user_id, used.email);
      return respond(c, {
        status: ok ? 200 : 409,
        title: ok ? 'Email address changed' : 'Address not changed',
        page: () => <EmailChangedPage ok={ok} />,
        json: () =>
          ok ? { email_changed: true } : apiError('conflict', 'That address belongs to another account now.'),
      });
    }
    await markEmailVerified(db, used.user_id);
    const user = await findAccountById(db, used.user_id);
    if (!user) fail(404);
    return signedIn(c, user, '/settings?notice=verified', 200);
  },
);

// ---- Forgot / reset password ----

account.get(
  '/forgot-password',
  operation({
    summary: 'The forgot-password form',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.FieldsResponse },
  }),
  (c) =>
    respond(c, {
      title: 'Forgot your password?',
      page: () => <ForgotPage />,
      fragment: () => <ForgotForm />,
      json: () => ({ fields: ['email'] }),
    }),
);

account.post(
  '/forgot-password',
  operation({
    summary: 'Mail a reset link (the same answer for any address)',
    tokens: false,
    tags: ['browser'],
    body: z.object({ email: emailSchema }),
    responses: { 202: api.CheckEmailResponse },
  }),
  zValidator('form', z.object({ email: emailSchema }), async (result, c) => {
    if (result.success) return;
    const { email } = keptFields(await c.req.parseBody(), ['email']);
    const errors = fieldErrors(result.error);
    return respond(c, {
      status: 422,
      title: 'Forgot your password?',
      page: () => <ForgotPage email={email} errors={errors} />,
      fragment: () => <ForgotForm email={email} errors={errors} />,
      json: () => apiError('validation_failed', undefined, errors),
    });
  }),
  async (c) => {
    const { email } = c.req.valid('form');
    const db = c.var.db;
    // Per IP, counted before anything is looked up: the same 429 for any address.
    const ipWait = await takeWriteSlot(db, [
      { key: `reset:ip:${clientIp(c)}`, max: limitOf(c.env, 'RATE_RESET_MAILS_PER_IP') },
    ]);
    if (ipWait > 0) {
      c.header('Retry-After', String(ipWait));
      const message = `That is more reset requests from your network in this hour than we accept. Please try again in ${Math.ceil(ipWait / 60)} minutes.`;
      return respond(c, {
        status: 429,
        title: 'Forgot your password?',
        page: () => <ForgotPage email={email} errors={{ form: message }} />,
        fragment: () => <ForgotForm email={email} errors={{ form: message }} />,
        json: () => apiError('rate_limited', message),
      });
    }
    // The same work whether or not the address has an account, and whether or not its limit is
    // reached: one lookup, one token made, one mail written out, one counter taken (keyed on the
    // address as typed, so it exists for unknown addresses too), then one batch written.
    const user = await findAccountByEmail(db, email);
    const { token, hash } = await newToken();
    const mail = await resetPasswordMail({
      username: user?.username ?? email,
      link: publicLink(c.env, '/reset-password', { token }),
    });
    const accountWait = await takeWriteSlot(db, [
      { key: `reset:email:${email.toLowerCase()}`, max: limitOf(c.env, 'RATE_RESET_MAILS_PER_ACCOUNT') },
    ]);
    if (user && accountWait === 0) {
      const ids = await writeMail(db, [{ to: user.email, ...mail }], {
        hash,
        userId: user.id,
        purpose: 'reset',
        email: user.email,
      });
      enqueueMail(c, ids);
    } else {
      await writeNoMail(db);
    }
    return afterWrite(c, { to: '/forgot-password/sent', status: 202, json: () => ({ status: 'check_email' }) });
  },
);

account.get(
  '/forgot-password/sent',
  operation({
    summary: 'After asking for a reset link',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.CheckEmailResponse },
  }),
  (c) =>
    respond(c, { title: 'Check your email', page: () => <ForgotSentPage />, json: () => ({ status: 'check_email' }) }),
);

const resetSchema = z.object({ token: tokenField, ...newPassword }).superRefine((v, ctx) => matching(v, ctx));

account.get(
  '/reset-password',
  operation({
    summary: 'A mailed reset link: is it still good?',
    tokens: false,
    tags: ['browser'],
    query: z.object({ token: tokenField }),
    responses: { 200: api.LinkStateResponse },
  }),
  zValidator('query', z.object({ token: tokenField }), (r) => {
    if (!r.success) fail(400);
  }),
  async (c) => {
    const { token } = c.req.valid('query');
    const state = TOKEN_RE.test(token) ? await tokenState(c.var.db, await hashToken(token), ['reset']) : 'unknown';
    return respond(c, {
      title: 'Choose a new password',
      page: () => <ResetPage state={state} token={token} />,
      json: () => ({ state }),
    });
  },
);

account.post(
  '/reset-password',
  operation({
    summary: 'Choose a new password with a reset link (signs in)',
    tokens: false,
    tags: ['browser'],
    body: resetSchema,
    responses: { 200: api.SignedInResponse },
  }),
  zValidator('form', resetSchema, async (result, c) => {
    if (result.success) return;
    const { token = '' } = keptFields(await c.req.parseBody(), ['token']);
    const errors = fieldErrors(result.error);
    return respond(c, {
      status: 422,
      title: 'Choose a new password',
      page: () => <ResetPage state="valid" token={token} errors={errors} />,
      fragment: () => <ResetForm token={token} errors={errors} />,
      json: () => apiError('validation_failed', undefined, errors),
    });
  }),
  async (c) => {
    const form = c.req.valid('form');
    const db = c.var.db;
    const hash = TOKEN_RE.test(form.token) ? await hashToken(form.token) : null;
    // Hashed before the link is used up, so a slow hash cannot widen a race, and the link is
    // used by one conditional UPDATE: of two requests with it, exactly one gets it.
    const passwordHash = await hashPassword(form.password);
    const used = hash ? await consumeToken(db, hash, ['reset']) : undefined;
    if (!used || !hash) {
      const state = hash ? await tokenState(db, hash, ['reset']) : 'unknown';
      const shown = state === 'valid' ? 'used' : state;
      return respond(c, {
        status: 410,
        title: 'Choose a new password',
        page: () => <ResetPage state={shown} token="" />,
        fragment: () => <ResetLinkTrouble state={shown} />,
        json: () => apiError('gone', 'This reset link is not valid any more. Ask for a new one.'),
      });
    }
    await resetPassword(db, used.user_id, passwordHash);
    const user = await findAccountById(db, used.user_id);
    if (!user) fail(404);
    return signedIn(c, user, '/', 200);
  },
);

// ---- Settings (signed in) ----

/** The signed-in account, or 401 (a page that says to log in). */
async function me(c: Context): Promise<AccountRow> {
  const user = c.var.user;
  const row = user ? await findAccountById(c.var.db, user.id) : undefined;
  if (!row) fail(401);
  return row;
}

const noticeSchema = z.object({
  notice: z
    .enum(Object.keys(SETTINGS_NOTICES) as [SettingsNotice])
    .optional()
    .catch(undefined),
});

account.get(
  '/settings',
  operation({
    summary: 'Your account settings',
    tokens: false,
    tags: ['browser'],
    query: noticeSchema,
    responses: { 200: api.SettingsResponse },
  }),
  zValidator('query', noticeSchema),
  async (c) => {
    const row = await me(c);
    const { notice } = c.req.valid('query');
    return respond(c, {
      title: 'Settings',
      page: () => (
        <SettingsPage username={row.username} email={row.email} notice={notice} notifyEmail={row.notify_email} />
      ),
      json: () => ({
        username: row.username,
        email: row.email,
        email_verified: Boolean(row.email_verified_at),
        notify_email: row.notify_email,
      }),
    });
  },
);

/** A settings form again with its errors: the page without JS, the form alone for htmx. */
function settingsAgain(
  c: Context,
  row: AccountRow,
  form: 'password' | 'email' | 'delete',
  status: 401 | 422,
  errors: FormErrors,
  newEmail?: string,
) {
  const fragments = {
    password: () => <PasswordSettingsForm errors={errors} />,
    email: () => <EmailSettingsForm errors={errors} email={newEmail} />,
    delete: () => <DeleteAccountForm errors={errors} />,
  };
  return respond(c, {
    status,
    title: 'Settings',
    page: () => (
      <SettingsPage
        username={row.username}
        email={row.email}
        form={form}
        errors={errors}
        newEmail={newEmail}
        notifyEmail={row.notify_email}
      />
    ),
    fragment: fragments[form],
    json: () => apiError(status === 401 ? 'unauthorized' : 'validation_failed', Object.values(errors)[0], errors),
  });
}

const WRONG_PASSWORD = 'That is not your password.';

const passwordChangeSchema = z
  .object({ current_password: currentPassword, ...newPassword })
  .superRefine((v, ctx) => matching(v, ctx));

account.post(
  '/settings/password',
  operation({
    summary: 'Change your password (other sessions and every API token end)',
    tokens: false,
    tags: ['browser'],
    body: passwordChangeSchema,
    responses: { 200: api.SignedInResponse },
  }),
  zValidator('form', passwordChangeSchema, async (result, c) => {
    if (result.success) return;
    return settingsAgain(c, await me(c), 'password', 422, fieldErrors(result.error));
  }),
  async (c) => {
    const row = await me(c);
    const form = c.req.valid('form');
    const ok = await verifyPassword(form.current_password, row.password_hash);
    if (!ok) return settingsAgain(c, row, 'password', 422, { current_password: WRONG_PASSWORD });
    const weak = passwordProblem(form.password, row);
    if (weak) return settingsAgain(c, row, 'password', 422, { password: weak });
    await changePassword(c.var.db, row.id, await hashPassword(form.password));
    // Other sessions stop matching the bumped version; this one is signed in again.
    return signedIn(c, { ...row, session_version: row.session_version + 1 }, '/settings?notice=password', 200);
  },
);

const emailChangeSchema = z.object({ email: emailSchema, password: currentPassword });

account.post(
  '/settings/email',
  operation({
    summary: 'Change your address (confirmed by a mailed link)',
    tokens: false,
    tags: ['browser'],
    body: emailChangeSchema,
    responses: { 202: api.CheckEmailResponse },
  }),
  zValidator('form', emailChangeSchema, async (result, c) => {
    if (result.success) return;
    const { email } = keptFields(await c.req.parseBody(), ['email']);
    return settingsAgain(c, await me(c), 'email', 422, fieldErrors(result.error), email);
  }),
  async (c) => {
    const row = await me(c);
    const form = c.req.valid('form');
    if (!(await verifyPassword(form.password, row.password_hash))) {
      return settingsAgain(c, row, 'email', 422, { password: WRONG_PASSWORD }, form.email);
    }
    if (form.email.toLowerCase() === row.email.toLowerCase()) {
      return settingsAgain(c, row, 'email', 422, { email: 'That is already your address.' }, form.email);
    }
    // Whether the new address has an account is not said here (it would tell any signed-in user
    // which addresses are registered): the link goes out, and using it says so if it is taken.
    const { token, hash } = await newToken();
    const confirm = await changeEmailMail({
      username: row.username,
      link: publicLink(c.env, '/verify-email', { token }),
    });
    const notice = await emailChangeNoticeMail({
      username: row.username,
      newEmail: form.email,
      resetLink: publicLink(c.env, '/forgot-password'),
    });
    const ids = await writeMail(
      c.var.db,
      [
        { to: form.email, ...confirm },
        { to: row.email, ...notice },
      ],
      { hash, userId: row.id, purpose: 'change_email', email: form.email },
    );
    enqueueMail(c, ids);
    return afterWrite(c, { to: '/settings?notice=email', status: 202, json: () => ({ status: 'check_email' }) });
  },
);

account.post(
  '/settings/sessions',
  operation({
    summary: 'Sign out everywhere',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.SignedOutResponse },
  }),
  async (c) => {
    const row = await me(c);
    await endAllSessions(c.var.db, row.id);
    clearSessionCookie(c);
    return afterWrite(c, { to: '/login', json: () => ({ signed_out: true }) });
  },
);

account.get(
  '/settings/export.json',
  operation({
    summary: 'Download your data',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.ExportResponse },
  }),
  async (c) => {
    const row = await me(c);
    c.header('Content-Disposition', 'attachment; filename="blt-account.json"');
    return c.json(await exportAccount(c.var.db, row.id));
  },
);

const deleteSchema = z.object({ password: currentPassword });

account.post(
  '/settings/delete',
  operation({
    summary: 'Delete your account',
    tokens: false,
    tags: ['browser'],
    body: deleteSchema,
    responses: { 200: api.DeletedResponse },
  }),
  zValidator('form', deleteSchema, async (result, c) => {
    if (result.success) return;
    return settingsAgain(c, await me(c), 'delete', 422, fieldErrors(result.error));
  }),
  async (c) => {
    const row = await me(c);
    const form = c.req.valid('form');
    if (!(await verifyPassword(form.password, row.password_hash))) {
      return settingsAgain(c, row, 'delete', 422, { password: WRONG_PASSWORD });
    }
    const gone = await deleteAccount(c.var.db, row.id);
    // The private reports' screenshots, once D1 no longer points at them.
    await discardScreenshots(c.env.SCREENSHOTS, gone.screenshots);
    clearSessionCookie(c);
    return afterWrite(c, { to: '/account-deleted', json: () => ({ deleted: true }) });
  },
);

account.get(
  '/account-deleted',
  operation({
    summary: 'After deleting an account',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.DeletedResponse },
  }),
  (c) => respond(c, { title: 'Account deleted', page: () => <AccountDeletedPage />, json: () => ({ deleted: true }) }),
);

export default account;
