import { z } from 'zod';
import { createDb, type DB } from './db';
import { type D1Usage, meteredD1, newD1Usage } from './db/metered';
import { claimMail, markFailed, markSent, stalePending } from './db/outbox';
import { log } from './lib/log';
import { type MailJob, mailFrom } from './lib/mail';
import { flushMetrics, recordEvent } from './lib/metrics';
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

type Outcome = { kind: 'done'; result: 'sent' | 'dead' | 'skipped' } | { kind: 'retry'; delaySeconds: number };

/**
 * Sends one outbox message, if it is still to be sent: claimed (attempt counted, lease taken) in
 * one conditional UPDATE, sent through the send_email binding, then marked sent — or failed (to
 * retry with backoff) or dead after the last attempt. Logs say which row and what kind of error,
 * never what the message says (it may hold a link token) nor the error's text (it may name the
 * address); the text is kept in `last_error` for /admin/outbox.
 */
export async function deliver(db: DB, env: Env, id: number): Promise<Outcome> {
  const row = await claimMail(db, id);
  if (!row) return { kind: 'done', result: 'skipped' }; // already sent, dead, gone, or in another consumer's hands
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
    recordEvent(env, dead ? 'mail_dead' : 'mail_failed');
    log({
      level: dead ? 'error' : 'warn',
      type: 'queue',
      name: dead ? 'mail_dead' : 'mail_failed',
      counts: { outbox_id: row.id, attempts: row.attempts },
      error: { name: err instanceof Error ? err.name : 'Error', message: 'send_email refused the message' },
    });
    return dead ? { kind: 'done', result: 'dead' } : { kind: 'retry', delaySeconds: backoffSeconds(row.attempts) };
  }
  await markSent(db, row.id);
  recordEvent(env, 'mail_sent');
  return { kind: 'done', result: 'sent' };
}

/** The mail queue's consumer: each message names one outbox row; anything else is dropped. */
export async function handleMailBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const started = Date.now();
  const usage = newD1Usage();
  const db = createDb(meteredD1(env.DB, usage));
  const counts = { messages: batch.messages.length, sent: 0, retried: 0, dead: 0, skipped: 0, dropped: 0 };
  for (const msg of batch.messages) {
    const job = jobSchema.safeParse(msg.body);
    if (!job.success) {
      counts.dropped += 1;
      msg.ack();
      continue;
    }
    const outcome = await deliver(db, env, job.data.outbox_id);
    if (outcome.kind === 'retry') {
      counts.retried += 1;
      msg.retry({ delaySeconds: outcome.delaySeconds });
    } else {
      counts[outcome.result] += 1;
      msg.ack();
    }
  }
  log({ type: 'queue', name: batch.queue, counts, duration_ms: Date.now() - started, d1: usageFields(usage) });
  await flushMetrics(env, createDb(env.DB), { force: true });
}

/** A run's D1 cost in the shape of the log line (as requests report it). */
function usageFields(u: D1Usage) {
  return { queries: u.queries, rows_read: u.rowsRead, rows_written: u.rowsWritten, ms: Math.round(u.ms * 1000) / 1000 };
}

/** Cron: messages still pending 10 minutes after they were written lost their queue message; send them again. */
export async function sweepOutbox(env: Env): Promise<void> {
  const started = Date.now();
  const usage = newD1Usage();
  const ids = await stalePending(createDb(meteredD1(env.DB, usage)), 600);
  if (ids.length) await env.MAIL_QUEUE.sendBatch(ids.map((id) => ({ body: { outbox_id: id } satisfies MailJob })));
  log({
    type: 'cron',
    name: 'outbox_sweep',
    counts: { requeued: ids.length },
    duration_ms: Date.now() - started,
    d1: usageFields(usage),
  });
  await flushMetrics(env, createDb(env.DB), { force: true });
}
