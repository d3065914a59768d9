import type { Context } from 'hono';
import type { AppEnv, Env } from '../types';
import { log } from './log';

/** What a queue message carries: only the outbox row's id. The mail itself (and any link token in it) stays in D1. */
export interface MailJob {
  outbox_id: number;
}

/**
 * Absolute link on the configured public origin (PUBLIC_ORIGIN), never the request's Host
 * header: a forged Host must not put someone else's site into a reset mail.
 */
export function publicLink(env: Env, path: string, query?: Record<string, string>): string {
  const origin = env.PUBLIC_ORIGIN;
  if (!origin || !/^https?:\/\/[^/]+$/.test(origin)) {
    throw new Error(`PUBLIC_ORIGIN must be set to an origin like https://blt.example (got ${JSON.stringify(origin)})`);
  }
  const url = new URL(path, origin);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

/** The sender every message uses (MAIL_FROM, an address on the domain set up for Email Sending). */
export function mailFrom(env: Env): { name: string; email: string } {
  const email = env.MAIL_FROM;
  if (!email || !/^[^\s@<>]+@[^\s@<>]+$/.test(email)) {
    throw new Error(`MAIL_FROM must be set to a sender address (got ${JSON.stringify(email)})`);
  }
  return { name: env.MAIL_FROM_NAME || 'BLT', email };
}

/**
 * Puts freshly written outbox rows on the mail queue, after the response (waitUntil), so how long
 * a request takes never depends on whether it mailed anyone. A lost queue send leaves the row
 * pending; the scheduled sweep (worker/queue.ts) enqueues it again.
 */
export function enqueueMail(c: Context<AppEnv>, ids: number[]): void {
  if (ids.length === 0) return;
  const queue = c.env.MAIL_QUEUE;
  const work = queue
    .sendBatch(ids.map((id) => ({ body: { outbox_id: id } satisfies MailJob })))
    .catch((err: unknown) => {
      log({
        level: 'error',
        type: 'event',
        name: 'mail_enqueue_failed',
        request_id: c.var.requestId,
        counts: { messages: ids.length },
        error: { name: err instanceof Error ? err.name : 'Error', message: String(err).slice(0, 300) },
      });
    });
  c.executionCtx.waitUntil(work);
}
