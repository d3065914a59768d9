import { createApp } from './app';
import { CONTACT_QUEUE_NAME, handleContactBatch } from './contact';
import { DAILY_CRON, dailyDisclosure } from './disclosure';
import { handleMailBatch, sweepOutbox } from './queue';
import type { Env } from './types';

const app = createApp();

/**
 * The Worker: static files in public/ are answered before this; everything else is Hono. The
 * mail queue's consumer and the cron sweep of the outbox live in the same Worker (worker/queue.ts),
 * as do the security.txt consumer (worker/contact.ts) and the daily disclosure run (worker/disclosure.ts).
 */
export default {
  fetch: app.fetch,
  // One consumer per queue (wrangler.toml): the security.txt look-ups, and mail (the default).
  queue: (batch, env) =>
    batch.queue === CONTACT_QUEUE_NAME ? handleContactBatch(batch, env) : handleMailBatch(batch, env),
  // The daily run (03:00 UTC) publishes due reports and sends digests; every run sweeps the outbox.
  scheduled: async (controller, env, ctx) => {
    const work = Promise.all([
      sweepOutbox(env),
      controller.cron === DAILY_CRON ? dailyDisclosure(env, new Date(controller.scheduledTime)) : null,
    ]);
    ctx.waitUntil(work);
    await work;
  },
} satisfies ExportedHandler<Env>;
