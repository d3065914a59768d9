import { Hono } from 'hono';
import { OutboxPage } from '../../views/account';
import { listMail } from '../db/outbox';
import * as api from '../lib/api-schemas';
import { fail } from '../lib/errors';
import { operation } from '../lib/openapi';
import { respond } from '../lib/respond';
import type { AppEnv } from '../types';

/** Messages either outbox page lists: enough to find the one just sent, never the whole table. */
const OUTBOX_PAGE_SIZE = 50;

const outbox = new Hono<AppEnv>();

/**
 * GET /dev/outbox: every message, newest first, with its text (the links in it), for reading mail
 * under `npm start` and in the browser tests. Only when ENVIRONMENT is `development` (npm start
 * and the tests set it; wrangler.toml never does): anywhere else it is the ordinary 404.
 */
outbox.get(
  '/dev/outbox',
  operation({
    summary: 'Mail written locally (development only, 404 elsewhere)',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.DevOutboxResponse },
  }),
  async (c) => {
    if (c.env.ENVIRONMENT !== 'development') fail(404);
    const rows = await listMail(c.var.db, { limit: OUTBOX_PAGE_SIZE });
    return respond(c, {
      title: 'Dev outbox',
      page: () => <OutboxPage messages={rows} bodies title="Dev outbox" />,
      json: () => ({
        messages: rows.map((m) => ({
          to: m.to_address,
          subject: m.subject,
          text: m.text_body,
          html: m.html_body,
          created_at: m.created_at,
          status: m.status,
        })),
      }),
    });
  },
);

/**
 * GET /admin/outbox: mail that could not be sent (failed, still being retried, or dead), for
 * admins; 404 for anyone else. Bodies are not shown: they may hold someone's link token.
 */
outbox.get(
  '/admin/outbox',
  operation({
    summary: 'Mail that could not be delivered (admins)',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.AdminOutboxResponse },
  }),
  async (c) => {
    if (c.var.user?.role !== 'admin') fail(404);
    const rows = await listMail(c.var.db, { limit: OUTBOX_PAGE_SIZE, statuses: ['failed', 'dead'] });
    return respond(c, {
      title: 'Undelivered mail',
      page: () => <OutboxPage messages={rows} bodies={false} title="Undelivered mail" />,
      json: () => ({
        messages: rows.map((m) => ({
          id: m.id,
          to: m.to_address,
          subject: m.subject,
          status: m.status,
          attempts: m.attempts,
          last_error: m.last_error,
          created_at: m.created_at,
        })),
      }),
    });
  },
);

export default outbox;
