import { z } from 'zod';
import { createDb, type DB } from './db';
import { claimMail, markFailed, markSent, stalePending } from './db/outbox';
import { type MailJob, mailFrom } from './lib/mail';
import type { Env } from './types';

const jobSchema = z.object({ outbox_id: z.number().int().positive() });

/** Attempts before a message is dead (MAIL_MAX_ATTEMPTS; admins see dead mail at /admin/outbox). */
export function maxAttempts(env: Env): number {
  const n = Number(env.MAIL_MAX_ATTEMPTS ?? '5');
  return Number.isSafeInteger(n) && n >= 1 ? n : 5;
}

/** Seconds before retry number `attempt` + 1: 30 s, 1 min, 2 min, … at most an hour. */
export function backoffSeconds(attempt: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));
}

type Outcome = { kind: 'done' } | { kind: 'retry'; delaySeconds: number };

/**
 * Sends one outbox message, if it is still to be sent: claimed (attempt counted, lease taken) in
 * one conditional UPDATE, sent through the send_email binding, then marked sent — or failed (to
 * retry with backoff) or dead after the last attempt. Logs say which row and why, never what the
 * message says (it may hold a link token).
 */
export async function deliver(db: DB, env: Env, id: number): Promise<Outcome> {
  const row = await claimMail(db, id);
  if (!row) return { kind: 'done' }; // already sent, dead, gone, or in another consumer's hands
  try {
    await env.EMAIL.send({
      from: mailFrom(env),
      to: row.to_address,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
    });
  } catch (err) {
    const dead = row.attempts >= maxAttempts(env);
    const error = err instanceof Error ? err.message : String(err);
    await markFailed(db, row.id, dead ? 'dead' : 'failed', error);
    console.error(
      JSON.stringify({
        level: dead ? 'error' : 'warn',
        what: 'mail send failed',
        outbox_id: row.id,
        attempts: row.attempts,
        dead,
        error,
      }),
    );
    return dead ? { kind: 'done' } : { kind: 'retry', delaySeconds: backoffSeconds(row.attempts) };
  }
  await markSent(db, row.id);
  return { kind: 'done' };
}

/** The mail queue's consumer: each message names one outbox row; anything else is dropped. */
export async function handleMailBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDb(env.DB);
  for (const msg of batch.messages) {
    const job = jobSchema.safeParse(msg.body);
    if (!job.success) {
      msg.ack();
      continue;
    }
    const outcome = await deliver(db, env, job.data.outbox_id);
    if (outcome.kind === 'retry') msg.retry({ delaySeconds: outcome.delaySeconds });
    else msg.ack();
  }
}

/** Cron: messages still pending 10 minutes after they were written lost their queue message; send them again. */
export async function sweepOutbox(env: Env): Promise<void> {
  const ids = await stalePending(createDb(env.DB), 600);
  if (ids.length) await env.MAIL_QUEUE.sendBatch(ids.map((id) => ({ body: { outbox_id: id } satisfies MailJob })));
}
