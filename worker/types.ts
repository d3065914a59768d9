import type { FormTokenSource } from '../views/components/form';
import type { DB } from './db';
import type { D1Usage } from './db/metered';
import type { Role } from './db/schema';

/** Bindings from wrangler.toml, secrets from `.dev.vars` / `wrangler secret put`. */
export interface Env {
  DB: D1Database;
  /** Screenshots of reports (worker/db/screenshots.ts); never served straight from the bucket. */
  SCREENSHOTS: R2Bucket;
  ASSETS?: Fetcher;
  JWT_SECRET?: string;
  /** `off` only under `npm run bench`: embeddable fragments skip the Cache API (middleware/public.ts). */
  EMBED_CACHE?: string;
  /** Hourly write limits (worker/lib/limits.ts); whole numbers as text, set in wrangler.toml [vars]. */
  RATE_REPORTS_PER_USER?: string;
  RATE_REPORTS_PER_IP?: string;
  RATE_COMMENTS_PER_USER?: string;
  RATE_COMMENTS_PER_IP?: string;
  RATE_UPVOTES_PER_USER?: string;
  RATE_UPVOTES_PER_IP?: string;
  RATE_SIGNUPS_PER_IP?: string;
  RATE_FLAGS_PER_USER?: string;
  RATE_FLAGS_PER_IP?: string;
  /** Domain claim checks (each one fetches from the outside internet) per user and per IP. */
  RATE_CLAIM_CHECKS_PER_USER?: string;
  RATE_CLAIM_CHECKS_PER_IP?: string;
  /** Login throttle (worker/db/throttle.ts): failures per (account, IP), per account, per IP, window. */
  LOGIN_LIMIT_ACCOUNT_IP?: string;
  LOGIN_LIMIT_ACCOUNT?: string;
  LOGIN_LIMIT_IP?: string;
  LOGIN_WINDOW_SECONDS?: string;
  /** Workers Analytics Engine dataset for metrics (worker/lib/metrics.ts); simulated locally. */
  METRICS?: AnalyticsEngineDataset;
  /** Seconds between flushes of the hourly metric totals to D1 (default 30; tests use 0). */
  METRICS_FLUSH_SECONDS?: string;
  /** Email Sending binding (wrangler.toml [[send_email]]); the mail queue's consumer sends through it. */
  EMAIL: SendEmail;
  /** The mail queue (wrangler.toml [[queues.producers]]); messages carry an outbox id only. */
  MAIL_QUEUE: Queue<{ outbox_id: number }>;
  /** security.txt look-ups (wrangler.toml, worker/contact.ts): messages carry a domain id only. */
  CONTACT_QUEUE: Queue<{ domain_id: number }>;
  /** `off` only in the tests (vitest.config.ts): reports queue no security.txt look-up, so no test reaches the internet. */
  CONTACT_LOOKUP?: string;
  /** `development` only under `npm start` and the tests (never in wrangler.toml): turns on /dev/outbox. */
  ENVIRONMENT?: string;
  /** The origin mailed links point at, e.g. https://blt.owasp.org; `npm start` sets its own. */
  PUBLIC_ORIGIN?: string;
  /** Sender address and name of every message (an address on the Email Sending domain). */
  MAIL_FROM?: string;
  MAIL_FROM_NAME?: string;
  /** Send attempts before a message is dead (worker/queue.ts). */
  MAIL_MAX_ATTEMPTS?: string;
  /** Account mails per hour: reset links per account (silent past it) and per IP (429). */
  RATE_RESET_MAILS_PER_ACCOUNT?: string;
  RATE_RESET_MAILS_PER_IP?: string;
  /** Other mails one account may be sent per hour (confirm links again, "someone tried to sign up"); silent past it. */
  RATE_ACCOUNT_MAILS_PER_ACCOUNT?: string;
  /** DNS-over-HTTPS resolver (JSON API) for outbound checks (worker/lib/outbound.ts); Cloudflare's by default. */
  DOH_RESOLVER?: string;
}

/** Who the header shows as signed in (worker/db/users.ts reads it); null when nobody is. */
export interface SessionUser {
  id: number;
  username: string;
  role: Role;
  points: number;
  /** Unread notifications (issue 13), for the header; read with the session, one indexed count. */
  unread?: number;
}

/** What middleware puts on `c.var` for every request. */
export type Variables = {
  db: DB;
  /** What this request's D1 queries cost so far (middleware/database.ts). */
  d1Usage: D1Usage;
  requestId: string;
  /** The signed-in user, or null; set by the session middleware. */
  user: SessionUser | null;
  /** The token `<FormToken/>` puts in forms; set by middleware/form-token.ts. */
  formToken: FormTokenSource | null;
};

export type AppEnv = { Bindings: Env; Variables: Variables };

declare module 'hono' {
  /** The same variables, visible to validator hooks whose Context is not typed by route. */
  interface ContextVariableMap extends Variables {}
  /** What every full page passes to the layout: `c.render(content, { title, user })`. Hono merges
   * this interface (biome.json keeps it from being "simplified" into an unmergeable type alias). */
  interface ContextRenderer {
    (
      content: string | Promise<string>,
      props: {
        title: string;
        description?: string | undefined;
        user: SessionUser | null;
        /** An Atom feed the page's head announces (worker/routes/feeds.ts). */
        feed?: { href: string; title: string } | undefined;
      },
    ): Response | Promise<Response>;
  }
}
