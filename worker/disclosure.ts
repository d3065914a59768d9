import { sql } from 'kysely';
import { STATE_NAMES } from '../views/components/format';
import { digestMail, publishedMail } from '../views/disclosure-mail';
import { createDb, type DB } from './db';
import { dueReports, publishBug } from './db/disclosure';
import { listNotifications } from './db/notifications';
import { insertMail } from './db/outbox';
import { log } from './lib/log';
import { type MailJob, publicLink } from './lib/mail';
import type { Env } from './types';

/** The daily Cron Trigger (wrangler.toml [triggers]): disclosure and digests. */
export const DAILY_CRON = '0 3 * * *';
/** Reports published per batch of the daily run, and at most this many batches per run. */
export const PUBLISH_BATCH = 25;
export const PUBLISH_MAX_BATCHES = 40;
/** Digests written per run at most (the rest wait for the next day's window). */
export const DIGEST_MAX_USERS = 1000;

/**
 * Publishes every private report whose disclosure date has come (UTC), in batches: each report in
 * its own D1 batch (publishBug), with its timeline event and the reporter's and owners'
 * notifications and mail. Returns how many it published.
 */
export async function publishDue(
  db: DB,
  env: Env,
  now = new Date(),
): Promise<{ published: number; mailIds: number[] }> {
  const today = now.toISOString().slice(0, 10);
  let published = 0;
  const mailIds: number[] = [];
  const skipped = new Set<number>();
  for (let round = 0; round < PUBLISH_MAX_BATCHES; round++) {
    const due = (await dueReports(db, today, PUBLISH_BATCH + skipped.size)).filter((b) => !skipped.has(b.id));
    if (due.length === 0) break;
    for (const bug of due.slice(0, PUBLISH_BATCH)) {
      const mail = await publishedMail({
        title: bug.title,
        link: publicLink(env, `/bugs/${bug.id}`),
        why: `its disclosure date, ${bug.disclose_at}, has come`,
      });
      const ids = await publishBug(
        db,
        bug,
        { actorId: null, why: `Disclosure date ${bug.disclose_at} reached.`, mail },
        now,
      );
      if (ids === null) skipped.add(bug.id);
      else {
        published += 1;
        mailIds.push(...ids);
      }
    }
  }
  return { published, mailIds };
}

const KIND_TEXT: Record<string, string> = {
  state_changed: 'state changed',
  comment: 'new comment',
  new_report: 'new report',
  published: 'published',
  disclosure_date: 'disclosure date moved',
};

/**
 * One digest mail to each user who chose daily mail and has unread notifications from the day
 * before `now` (the 24 hours up to this run). Each digest is written to the outbox alone.
 */
export async function sendDigests(db: DB, env: Env, now = new Date()): Promise<number[]> {
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  const users = await db
    .selectFrom('notifications as n')
    .innerJoin('users as u', 'u.id', 'n.user_id')
    .select(['u.id', 'u.email', sql<number>`count(*)`.as('n')])
    .where('u.notify_email', '=', 'daily')
    .where('u.deleted_at', 'is', null)
    .where('u.email_verified_at', 'is not', null)
    .where('n.read_at', 'is', null)
    .where('n.created_at', '>', since)
    .where('n.created_at', '<=', now.toISOString())
    .groupBy('u.id')
    .limit(DIGEST_MAX_USERS)
    .execute();
  const ids: number[] = [];
  for (const u of users) {
    const { rows } = await listNotifications(db, u.id, { limit: 10 });
    const lines = rows
      .filter((r) => r.read_at === null && r.created_at > since)
      .map((r) => {
        const what = KIND_TEXT[r.kind] ?? r.kind.replaceAll('_', ' ');
        const move = r.to_state ? ` (now ${STATE_NAMES[r.to_state]})` : '';
        const about = r.bug_title ? `: ${r.bug_title}` : r.hostname ? ` on ${r.hostname}` : '';
        return `• ${what}${about}${move}`;
      });
    const mail = await digestMail({
      count: u.n,
      lines,
      link: publicLink(env, '/notifications'),
      settingsLink: publicLink(env, '/settings'),
    });
    const [res] = await db.batch<{ id: number }>([insertMail(db, { to: u.email, ...mail }, now)]);
    const id = res?.results[0]?.id;
    if (typeof id === 'number') ids.push(id);
  }
  return ids;
}

/** The daily run: publication first (its notifications make the digest), then the digests. */
export async function dailyDisclosure(env: Env, now = new Date()): Promise<void> {
  const started = Date.now();
  const db = createDb(env.DB);
  const { published, mailIds } = await publishDue(db, env, now);
  const digests = await sendDigests(db, env, now);
  const all = [...mailIds, ...digests];
  for (let i = 0; i < all.length; i += 100) {
    await env.MAIL_QUEUE.sendBatch(all.slice(i, i + 100).map((id) => ({ body: { outbox_id: id } satisfies MailJob })));
  }
  log({
    type: 'cron',
    name: 'daily_disclosure',
    counts: { published, digests: digests.length, mails: all.length },
    duration_ms: Date.now() - started,
  });
}
