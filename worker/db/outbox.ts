import type { CompiledQuery, Expression } from 'kysely';
import type { DB } from './index';
import type { OutboxStatus } from './schema';

/** One message as views/mail.tsx writes it: both parts, never a tracking pixel. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * The outbox insert for the same `db.batch()` as the change that causes the mail (a failed batch
 * leaves no message). Returns the new row's id, which the caller puts on the queue. `whenExists`
 * (a sub-select) makes the insert conditional on a row the batch just wrote (the account it created).
 */
export function insertMail(db: DB, mail: Mail, now: Date, whenExists?: Expression<unknown>): CompiledQuery {
  const values = {
    to_address: mail.to,
    subject: mail.subject,
    text_body: mail.text,
    html_body: mail.html,
    created_at: now.toISOString(),
  };
  if (!whenExists) return db.insertInto('outbox').values(values).returning('id').compile();
  return db
    .insertInto('outbox')
    .columns(['to_address', 'subject', 'text_body', 'html_body', 'created_at'])
    .expression(
      db
        .selectNoFrom((eb) => [
          eb.val(values.to_address).as('to_address'),
          eb.val(values.subject).as('subject'),
          eb.val(values.text_body).as('text_body'),
          eb.val(values.html_body).as('html_body'),
          eb.val(values.created_at).as('created_at'),
        ])
        .where((eb) => eb.exists(whenExists)),
    )
    .returning('id')
    .compile();
}

export interface OutboxRow {
  id: number;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

const COLUMNS = [
  'id',
  'to_address',
  'subject',
  'text_body',
  'html_body',
  'status',
  'attempts',
  'last_error',
  'created_at',
  'sent_at',
] as const;

/** Newest first: the dev outbox (every message) or the admins' view (`statuses`, e.g. failed and dead). */
export async function listMail(db: DB, opts: { limit: number; statuses?: OutboxStatus[] }): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').select(COLUMNS);
  if (opts.statuses) q = q.where('status', 'in', opts.statuses);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** How long one consumer may hold a message while sending it before another may try. */
export const SEND_LEASE_SECONDS = 120;

/**
 * Takes one message for sending: counts the attempt and holds a lease, in one conditional UPDATE,
 * only if it is still to be sent (pending or failed) and nobody holds it. Undefined otherwise:
 * a sent or dead message is never sent again, a message in flight is not sent twice at once.
 */
export async function claimMail(db: DB, id: number, now = new Date()): Promise<OutboxRow | undefined> {
  const iso = now.toISOString();
  return db
    .updateTable('outbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      locked_until: new Date(now.getTime() + SEND_LEASE_SECONDS * 1000).toISOString(),
    }))
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'failed'])
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', iso)]))
    .returning(COLUMNS)
    .executeTakeFirst();
}

export async function markSent(db: DB, id: number, now = new Date()): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'sent', sent_at: now.toISOString(), locked_until: null, last_error: null })
    .where('id', '=', id)
    .execute();
}

/** A failed send: 'failed' (to be retried) or 'dead' (no more tries; admins see it). */
export async function markFailed(db: DB, id: number, status: 'failed' | 'dead', error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status, last_error: error.slice(0, 500), locked_until: null })
    .where('id', '=', id)
    .execute();
}

/** Messages whose queue message was lost (still pending after `olderThanSeconds`): for the sweep. */
export async function stalePending(db: DB, olderThanSeconds: number, now = new Date()): Promise<number[]> {
  const before = new Date(now.getTime() - olderThanSeconds * 1000).toISOString();
  const rows = await db
    .selectFrom('outbox')
    .select('id')
    .where('status', '=', 'pending')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(100)
    .execute();
  return rows.map((r) => r.id);
}
