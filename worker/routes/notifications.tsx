import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import {
  NOTIFY_EMAIL_CHOICES,
  NotificationItemView,
  NotificationRows,
  NotificationsPage,
  NotifyEmailSection,
} from '../../views/notifications';
import { setNotifyEmail } from '../db/accounts';
import { listNotifications, markRead, unreadCount } from '../db/notifications';
import * as api from '../lib/api-schemas';
import { fail } from '../lib/errors';
import { representation } from '../lib/negotiate';
import { operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import { formOrJson, rejectInvalid } from '../lib/validation';
import type { AppEnv, SessionUser } from '../types';

/**
 * A user's notifications (issue 13, README "Notifications"): one URL as page, fragment (the rows,
 * for "Older notifications") and JSON `{"notifications": […], "unread": n}`; marking read is a
 * POST of `id` or `all=1`. Personal, so never cached (middleware/cache.ts marks it private).
 */
const notifications = new Hono<AppEnv>();

const PER_PAGE = 25;

function signedInUser(c: Context): SessionUser {
  const user = c.var.user;
  if (!user) fail(401, 'Log in to see your notifications.');
  return user;
}

export const listQuery = z.object({
  before: z
    .string()
    .regex(/^\d{1,15}$/, 'Malformed page cursor.')
    .transform(Number)
    .optional(),
});

notifications.on(
  'GET',
  ['/notifications', '/api/notifications'],
  operation({
    summary: "The caller's notifications, newest first, and how many are unread",
    tags: ['notifications'],
    query: listQuery,
    responses: { 200: api.NotificationsResponse },
  }),
  zValidator('query', listQuery, rejectInvalid()),
  async (c) => {
    const user = signedInUser(c);
    const { before } = c.req.valid('query');
    // The session (or API token) read already counts the unread ones for the header, in this
    // request: counted again only if it does not. Read after the batch: a session check riding
    // in it (middleware/session.ts) refreshes `user.unread` when it answers.
    const [page, counted] = await Promise.all([
      listNotifications(c.var.db, user.id, { before: before ?? null, limit: PER_PAGE }),
      user.unread === undefined ? unreadCount(c.var.db, user.id) : undefined,
    ]);
    const unread = counted ?? user.unread ?? 0;
    const view = { rows: page.rows, unread, next: page.next };
    return respond(c, {
      title: 'Notifications',
      page: () => <NotificationsPage {...view} />,
      fragment: () => <NotificationRows {...view} />,
      json: () => ({ notifications: page.rows, unread, next: page.next }),
    });
  },
);

export const readForm = z
  .object({
    // A form sends strings; an API client may send JSON types (`"id": 12`, `"all": true`).
    id: z
      .union(
        [
          z.int().positive().max(Number.MAX_SAFE_INTEGER),
          z
            .string()
            .regex(/^\d{1,15}$/)
            .transform(Number),
        ],
        {
          error: 'Give the number of a notification.',
        },
      )
      .optional(),
    all: z
      .union([z.literal('1'), z.literal(1), z.literal(true)], { error: 'Send all=1 to mark every notification read.' })
      .optional(),
  })
  .refine((f) => f.id !== undefined || f.all !== undefined, { message: 'Send id, or all=1.' });

const readOp = operation({
  summary: 'Mark one notification (`id`) or all of them (`all=1`) read',
  tags: ['notifications'],
  // Only the caller's own read markers change: what a reading client (a notifier) does.
  scope: 'read',
  body: readForm,
  responses: { 200: api.NotificationsReadResponse },
});
const readBody = formOrJson((target) => zValidator(target, readForm, rejectInvalid()));

notifications.post('/notifications/read', readOp, readBody, async (c) => {
  const user = signedInUser(c);
  const form = c.req.valid('form');
  const db = c.var.db;
  const changed = await markRead(db, user.id, form.all ? 'all' : { id: form.id ?? 0 });
  const single = !form.all && form.id !== undefined ? form.id : null;
  return afterWrite(c, {
    to: '/notifications',
    json: async () => ({ changed, unread: await unreadCount(db, user.id) }),
    // htmx: one notification swaps itself (now read); "mark all" reloads the page.
    fragment:
      single !== null && representation(c) === 'fragment'
        ? async () => {
            const row = (await listNotifications(db, user.id, { before: single + 1, limit: 1 })).rows[0];
            if (!row || row.id !== single) fail(404, 'There is no such notification.');
            return <NotificationItemView n={row} />;
          }
        : undefined,
  });
});

export const notifyEmailForm = z.object({
  notify_email: z.enum(NOTIFY_EMAIL_CHOICES, { error: 'Choose when to be mailed.' }),
});

const notifyEmailOp = operation({
  summary: 'When to be mailed about notifications',
  tags: ['notifications'],
  // An account setting: a read-only token must not silence the mails that tell of triage moves.
  scope: 'triage',
  body: notifyEmailForm,
  responses: { 200: api.NotifyEmailResponse },
});
const notifyEmailBody = formOrJson((target) => zValidator(target, notifyEmailForm, rejectInvalid()));

notifications.post('/settings/notifications', notifyEmailOp, notifyEmailBody, async (c) => {
  const user = signedInUser(c);
  const { notify_email } = c.req.valid('form');
  await setNotifyEmail(c.var.db, user.id, notify_email);
  return afterWrite(c, {
    to: '/settings#notify',
    json: () => ({ notify_email }),
    fragment: () => <NotifyEmailSection value={notify_email} saved />,
  });
});

export default notifications;
