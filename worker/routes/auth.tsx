import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { CheckEmailPage } from '../../views/account';
import {
  AccountView,
  type AuthErrors,
  type AuthValues,
  LoginForm,
  LoginPage,
  SignupForm,
  SignupPage,
} from '../../views/auth';
import { UserSlot } from '../../views/layout';
import { signupAttemptMail, verifyEmailMail } from '../../views/mail';
import { createAccount, findAccountByEmail, findAccountById, writeMail, writeNoMail } from '../db/accounts';
import { takeWriteSlot } from '../db/limits';
import { attemptFor, clearAttempts, loginLimits, reserveAttempt } from '../db/throttle';
import { bumpSessionVersion, ensureSessionKey, findUserByLogin, usernameUnavailable } from '../db/users';
import * as api from '../lib/api-schemas';
import { passwordProblem, RESERVED_USERNAME_RE, usernameSkeleton } from '../lib/credentials';
import { apiError, fail, jsonError } from '../lib/errors';
import { limitOf, writeSlot } from '../lib/limits';
import { enqueueMail, publicLink } from '../lib/mail';
import { recordEvent } from '../lib/metrics';
import { headerSafePath, representation, safeNextPath } from '../lib/negotiate';
import { operation } from '../lib/openapi';
import { hashPassword, verifyPassword } from '../lib/password';
import { afterWrite, respond } from '../lib/respond';
import { clearSessionCookie, sessionKey, signSession, writeSessionCookie } from '../lib/session';
import { newToken } from '../lib/tokens';
import { fieldErrors, keptFields, plainText, usernameSchema } from '../lib/validation';
import type { AppEnv, Env } from '../types';

/** What the user typed, for re-rendering a form; passwords are deliberately absent. */
function keptValues(raw: unknown) {
  const kept = keptFields(raw, ['username', 'email', 'next']);
  return { ...kept, next: safeNextPath(kept.next) ?? undefined };
}

/** An email address as every form takes it: trimmed, at most 254 characters, plain text, valid. */
export const emailSchema = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'That email address is too long.')
  .check(plainText('The email address'))
  .pipe(z.email({ error: 'Enter a valid email address.' }));

export const signupSchema = z
  .object({
    username: z
      .string({ error: 'Choose a username.' })
      .trim()
      .pipe(usernameSchema)
      .refine((u) => !RESERVED_USERNAME_RE.test(u), 'That username is reserved.'),
    email: emailSchema,
    // Length is checked here, before any hashing, so a huge password costs nothing.
    password: z
      .string({ error: 'Choose a password.' })
      .min(12, 'The password needs at least 12 characters.')
      .max(256, 'The password can be at most 256 characters.'),
    password_confirmation: z.string({ error: 'Type the password again.' }).max(256),
    next: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    const weak = passwordProblem(v.password, v);
    if (weak) ctx.addIssue({ code: 'custom', path: ['password'], message: weak });
    if (v.password !== v.password_confirmation) {
      ctx.addIssue({ code: 'custom', path: ['password_confirmation'], message: 'The two passwords do not match.' });
    }
  });

export const loginSchema = z.object({
  username: z
    .string({ error: 'Enter your username or email.' })
    .trim()
    .min(1, 'Enter your username or email.')
    .max(254, 'Wrong username or password.')
    .check(plainText('The username')),
  password: z
    .string({ error: 'Enter your password.' })
    .min(1, 'Enter your password.')
    .max(256, 'Wrong username or password.'),
  next: z.string().optional(),
});

/** Signs the user in and sends them on: 303 (no JS), HX-Redirect (htmx), or JSON. */
export async function signedIn(
  c: Context<AppEnv>,
  user: { id: number; username: string; session_version: number; session_key: string | null },
  next: string | undefined,
  status: 200 | 201,
) {
  const token = await signSession(sessionKey(c.env.JWT_SECRET), {
    userId: user.id,
    version: user.session_version,
    sessionKey: await ensureSessionKey(c.var.db, user),
  });
  writeSessionCookie(c, token);
  const to = headerSafePath(safeNextPath(next) ?? '/');
  // htmx navigates (no fragment), so the header's user slot and every page reflect the session.
  return afterWrite(c, { to, status, json: () => ({ user: { id: user.id, username: user.username }, next: to }) });
}

/** The sign-up or login form again, with messages and what was typed (never the password). */
function formAgain(
  c: Context,
  kind: 'signup' | 'login',
  status: 401 | 403 | 422 | 429,
  values: AuthValues,
  errors: AuthErrors,
  json: () => unknown = () => apiError('validation_failed', undefined, errors),
) {
  const [Page, Form] = kind === 'signup' ? [SignupPage, SignupForm] : [LoginPage, LoginForm];
  return respond(c, {
    status,
    title: kind === 'signup' ? 'Sign up' : 'Log in',
    page: () => <Page values={values} errors={errors} />,
    fragment: () => <Form values={values} errors={errors} />,
    json,
  });
}

const auth = new Hono<AppEnv>();

auth.get(
  '/signup',
  operation({ summary: 'The sign-up form', tokens: false, tags: ['browser'], responses: { 200: api.FieldsResponse } }),
  (c) => {
    const values = { next: safeNextPath(c.req.query('next')) ?? undefined };
    return respond(c, {
      title: 'Sign up',
      page: () => <SignupPage values={values} user={c.var.user} />,
      fragment: () => <SignupForm values={values} />,
      json: () => ({ fields: ['username', 'email', 'password', 'password_confirmation', 'next'] }),
    });
  },
);

auth.post(
  '/api/auth/signup',
  operation({
    summary: 'Sign up (the same answer whether or not the address is registered)',
    tokens: false,
    tags: ['browser'],
    body: signupSchema,
    responses: { 202: api.CheckEmailResponse },
  }),
  zValidator('form', signupSchema, async (result, c) => {
    if (result.success) return;
    return formAgain(c, 'signup', 422, keptValues(await c.req.parseBody()), fieldErrors(result.error));
  }),
  async (c) => {
    const form = c.req.valid('form');
    const db = c.var.db;
    const values = { username: form.username, email: form.email, next: safeNextPath(form.next) ?? undefined };
    // Counted before any lookup or hashing, so a refused sign-up costs nothing and reveals nothing.
    const refusal = await writeSlot(c, 'signup');
    if (refusal) {
      return formAgain(c, 'signup', 429, values, { form: refusal.message }, () =>
        apiError('rate_limited', refusal.message),
      );
    }
    const unavailable = async () => {
      const why = await usernameUnavailable(db, form.username);
      return why && formAgain(c, 'signup', 422, values, { username: USERNAME_MESSAGES[why] });
    };
    // Usernames are public (profiles, leaderboard), so saying one is taken reveals nothing.
    const refused = await unavailable();
    if (refused) return refused;
    // Hashed and a token made before we know whether the address is free, and either way one
    // batch written and one mail queued: both answers cost the same and look the same.
    const passwordHash = await hashPassword(form.password);
    const { token, hash } = await newToken();
    const existing = await findAccountByEmail(db, form.email);
    // One counter on the address as typed for both answers: mails about one address are limited
    // (nobody can flood a mailbox with "someone tried to sign up"), silently past the limit.
    const mailAllowed = await addressMailAllowed(c.env, db, form.email);
    if (existing) {
      if (mailAllowed) {
        const mail = await signupAttemptMail({
          username: existing.username,
          loginLink: publicLink(c.env, '/login'),
          resetLink: publicLink(c.env, '/forgot-password'),
        });
        enqueueMail(c, await writeMail(db, [{ to: existing.email, ...mail }]));
      } else {
        await writeNoMail(db);
      }
      return checkEmail(c);
    }
    const mail = await verifyEmailMail({
      username: form.username,
      link: publicLink(c.env, '/verify-email', { token }),
    });
    const made = await createAccount(
      db,
      { username: form.username, email: form.email, passwordHash, skeleton: usernameSkeleton(form.username) },
      { hash, mail: { to: form.email, ...mail } },
    );
    // Not created: a sign-up of the same or a look-alike username, or of the same address, won a
    // race just now: the username is said to be taken; the address is answered as if created.
    if (!made.created) {
      const lost = await unavailable();
      if (lost) return lost;
    } else recordEvent(c.env, 'signup');
    enqueueMail(c, made.outboxIds);
    return checkEmail(c);
  },
);

/**
 * Confirmation links mailed again (login to an unconfirmed account): RATE_ACCOUNT_MAILS_PER_ACCOUNT
 * an hour, then silently none, so nobody can flood a mailbox.
 */
async function accountMailAllowed(env: Env, db: AppEnv['Variables']['db'], userId: number): Promise<boolean> {
  const wait = await takeWriteSlot(db, [
    { key: `mail:account:${userId}`, max: limitOf(env, 'RATE_ACCOUNT_MAILS_PER_ACCOUNT') },
  ]);
  return wait === 0;
}

/** The same limit for mails a sign-up causes, counted on the address typed (it may have no account yet). */
async function addressMailAllowed(env: Env, db: AppEnv['Variables']['db'], email: string): Promise<boolean> {
  const wait = await takeWriteSlot(db, [
    { key: `mail:address:${email.toLowerCase()}`, max: limitOf(env, 'RATE_ACCOUNT_MAILS_PER_ACCOUNT') },
  ]);
  return wait === 0;
}

const USERNAME_MESSAGES = {
  taken: 'That username is taken.',
  similar: 'That username is too similar to an existing one.',
} as const;

/**
 * The one answer to every sign-up that passed validation, whether an account was created or the
 * address was already registered (README "Accounts and email"): check your email.
 */
function checkEmail(c: Context<AppEnv>) {
  return afterWrite(c, { to: '/signup/check-email', status: 202, json: () => ({ status: 'check_email' }) });
}

auth.get(
  '/signup/check-email',
  operation({
    summary: 'After signing up',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.CheckEmailResponse },
  }),
  (c) =>
    respond(c, {
      title: 'Check your email',
      page: () => <CheckEmailPage />,
      json: () => ({ status: 'check_email' }),
    }),
);

auth.get(
  '/login',
  operation({ summary: 'The log-in form', tokens: false, tags: ['browser'], responses: { 200: api.FieldsResponse } }),
  (c) => {
    const values = { next: safeNextPath(c.req.query('next')) ?? undefined };
    return respond(c, {
      title: 'Log in',
      page: () => <LoginPage values={values} user={c.var.user} />,
      fragment: () => <LoginForm values={values} />,
      json: () => ({ fields: ['username', 'password', 'next'] }),
    });
  },
);

const WRONG = 'Wrong username or password.';
const UNCONFIRMED =
  'Please confirm your email address first. We sent the confirmation link to it again: open it and press the button.';

auth.post(
  '/api/auth/login',
  operation({
    summary: 'Log in (sets the session cookie)',
    tokens: false,
    tags: ['browser'],
    body: loginSchema,
    responses: { 200: api.SignedInResponse },
  }),
  zValidator('form', loginSchema, async (result, c) => {
    if (result.success) return;
    return formAgain(c, 'login', 422, keptValues(await c.req.parseBody()), fieldErrors(result.error));
  }),
  async (c) => {
    const form = c.req.valid('form');
    const db = c.var.db;
    const user = await findUserByLogin(db, form.username);
    // Counted on the account (not on what was typed) and the IP, reserved before any hashing.
    const attempt = attemptFor(user?.id, form.username, c.req.header('CF-Connecting-IP') ?? 'unknown');
    const reserved = await reserveAttempt(db, attempt, loginLimits(c.env));
    if (!reserved.ok)
      fail(429, `Too many failed logins. Try again in ${Math.ceil(reserved.retryAfter / 60)} minutes.`, {
        'Retry-After': String(reserved.retryAfter),
      });

    // Always one full hash, user or not: the answer takes as long either way.
    const ok = await verifyPassword(form.password, user?.password_hash);
    if (!ok || !user) {
      // The reserved attempt stays: it is now one of the window's failures.
      const values = { username: form.username, next: safeNextPath(form.next) ?? undefined };
      return formAgain(c, 'login', 401, values, { form: WRONG }, () => apiError('unauthorized', WRONG));
    }
    await clearAttempts(db, attempt);
    if (!user.email_verified_at) {
      // The right password, so saying the address is unconfirmed reveals nothing new; the link
      // goes out again (a few times an hour at most).
      if (await accountMailAllowed(c.env, db, user.id)) {
        const { token, hash } = await newToken();
        const mail = await verifyEmailMail({
          username: user.username,
          link: publicLink(c.env, '/verify-email', { token }),
        });
        const ids = await writeMail(db, [{ to: user.email, ...mail }], {
          hash,
          userId: user.id,
          purpose: 'verify',
          email: user.email,
        });
        enqueueMail(c, ids);
      }
      const values = { username: form.username, next: safeNextPath(form.next) ?? undefined };
      return formAgain(c, 'login', 403, values, { form: UNCONFIRMED }, () => apiError('forbidden', UNCONFIRMED));
    }
    return signedIn(c, user, form.next, 200);
  },
);

auth.post(
  '/api/auth/logout',
  operation({
    summary: 'Log out everywhere',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.SignedOutResponse },
  }),
  async (c) => {
    const user = c.var.user;
    if (user) await bumpSessionVersion(c.var.db, user.id);
    clearSessionCookie(c);
    return afterWrite(c, { to: '/', json: () => ({ signed_out: true }) });
  },
);

auth.get(
  '/api/auth/me',
  operation({
    summary: 'Who is signed in (or whose token this is)',
    tags: ['account'],
    responses: { 200: api.MeResponse },
  }),
  async (c) => {
    const user = c.var.user;
    const rep = representation(c);
    if (rep === 'json' && !user) return jsonError(c, apiError('unauthorized', 'You are not signed in.'));
    const account = rep === 'json' && user ? await findAccountById(c.var.db, user.id) : undefined;
    return respond(c, {
      title: 'Your account',
      page: () => <AccountView user={user} />,
      fragment: () => <UserSlot user={user} />,
      json: () => ({
        username: user?.username,
        points: user?.points,
        role: user?.role,
        email_verified: Boolean(account?.email_verified_at),
        unread_notifications: user?.unread ?? 0,
      }),
    });
  },
);

/**
 * The static shell's neutral "Account" link (public/index.html cannot know who is signed in):
 * the profile for a signed-in reader, the login page (coming back here) for anyone else.
 */
auth.get('/account', (c) => {
  c.header('Cache-Control', 'private, no-store');
  c.header('Vary', 'Cookie');
  const user = c.var.user;
  return c.redirect(user ? `/users/${encodeURIComponent(user.username)}` : '/login?next=%2Faccount', 303);
});

export default auth;
