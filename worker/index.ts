import { createApp } from './app';
import { handleMailBatch, sweepOutbox } from './queue';
import type { Env } from './types';

const app = createApp();

/**
 * The Worker: static files in public/ are answered before this; everything else is Hono. The
 * mail queue's consumer and the cron sweep of the outbox live in the same Worker (worker/queue.ts).
 */
export default {
  fetch: app.fetch,
  queue: (batch, env) => handleMailBatch(batch, env),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(sweepOutbox(env)),
} satisfies ExportedHandler<Env>;
