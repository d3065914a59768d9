import { sql } from 'kysely';
import { z } from 'zod';
import { securityNoticeMail } from '../views/disclosure-mail';
import { createDb, type DB } from './db';
import { insertMail } from './db/outbox';
import type { ContactStatus } from './db/schema';
import { log } from './lib/log';
import { type MailJob, publicLink } from './lib/mail';
import { OutboundError, safeFetch } from './lib/outbound';
import { parseSecurityTxt, SECURITY_TXT_MAX_BYTES } from './lib/securitytxt';
import type { Env } from './types';

/** The queue whose messages are security.txt look-ups (wrangler.toml [[queues.consumers]]). */
export const CONTACT_QUEUE_NAME = 'blt-next-contact';

/** A domain is looked up at most this often (its first report always triggers one). */
export const CONTACT_INTERVAL_MS = 86_400_000;
/** Public reports a notice names; more are one line with the domain's link. */
export const NOTICE_MAX_LISTED = 10;

/**
 * After a report: claims the domain's look-up slot (at most one a day) in one conditional upsert
 * and, when it got it, puts the domain on the contact queue. Never throws: the report is filed
 * whatever happens here; a lost message is taken again by the next report after a day.
 */
export async function requestContactLookup(db: DB, env: Env, hostname: string, now = new Date()): Promise<boolean> {
  if (env.CONTACT_LOOKUP === 'off') return false;
  try {
    const cutoff = new Date(now.getTime() - CONTACT_INTERVAL_MS).toISOString();
    const row = await sql<{ domain_id: number }>`
      INSERT INTO domain_contacts (domain_id, requested_at)
      SELECT id, ${now.toISOString()} FROM domains WHERE hostname = ${hostname}
      ON CONFLICT (domain_id) DO UPDATE SET requested_at = excluded.requested_at
        WHERE domain_contacts.requested_at <= ${cutoff}
      RETURNING domain_id`.execute(db);
    const id = row.rows[0]?.domain_id;
    if (id === undefined) return false;
    await env.CONTACT_QUEUE.send({ domain_id: id });
    return true;
  } catch (err) {
    log({
      level: 'error',
      type: 'event',
      name: 'contact_enqueue_failed',
      error: { name: err instanceof Error ? err.name : 'Error', message: String(err).slice(0, 300) },
    });
    return false;
  }
}

export interface LookupResult {
  status: ContactStatus;
  email: string | null;
  /** Why it was not found (an OutboundError reason, or the HTTP status). */
  detail?: string;
}

/** Fetches and reads https://<host>/.well-known/security.txt under the outbound rules. */
export async function lookupSecurityTxt(env: Env, hostname: string, now = new Date()): Promise<LookupResult> {
  let text: string;
  try {
    const res = await safeFetch(`https://${hostname}/.well-known/security.txt`, {
      resolver: env.DOH_RESOLVER,
      // One byte more than the parser takes, so an oversized file is seen as such, not cut short.
      maxBytes: SECURITY_TXT_MAX_BYTES + 1,
      accept: 'text/plain',
    });
    if (res.status !== 200) return { status: 'not_found', email: null, detail: `HTTP ${res.status}` };
    // Sites that answer every path with their HTML page have no security.txt.
    if (/html/i.test(res.contentType) || /^\s*</.test(res.text)) {
      return { status: 'not_found', email: null, detail: 'html' };
    }
    text = res.text;
  } catch (err) {
    if (err instanceof OutboundError) return { status: 'not_found', email: null, detail: err.reason };
    throw err;
  }
  const parsed = parseSecurityTxt(text, now);
  return { status: parsed.status, email: parsed.status === 'found' ? parsed.email : null };
}

/**
 * One domain's look-up: reads its security.txt, records what was found, and — when it names a
 * mailto: Contact, nobody has claimed the domain, and reports arrived since the last notice —
 * writes the notice to the outbox with the contact row's update in one batch (guarded by the
 * last report the previous notice covered, so two consumers never both mail). Returns the new
 * outbox id, if any, for the mail queue.
 */
export async function checkDomainContact(db: DB, env: Env, domainId: number, now = new Date()): Promise<number | null> {
  const domain = await db
    .selectFrom('domains')
    .select(['id', 'hostname'])
    .where('id', '=', domainId)
    .executeTakeFirst();
  if (!domain) return null;
  const found = await lookupSecurityTxt(env, domain.hostname, now);
  const iso = now.toISOString();
  const record = db
    .updateTable('domain_contacts')
    .set({ status: found.status, contact: found.email, checked_at: iso })
    .where('domain_id', '=', domainId);
  if (found.status !== 'found' || !found.email) {
    await record.execute();
    return null;
  }
  const [contact, owners] = await Promise.all([
    db.selectFrom('domain_contacts').select('notified_through').where('domain_id', '=', domainId).executeTakeFirst(),
    db.selectFrom('domain_owners').select('user_id').where('domain_id', '=', domainId).limit(1).execute(),
  ]);
  const through = contact?.notified_through ?? 0;
  // Claimed domains hear of reports through their owners' notifications instead.
  const reports =
    owners.length > 0
      ? []
      : await db
          .selectFrom('bugs')
          .select(['id', 'title', 'is_hidden'])
          .where('domain_id', '=', domainId)
          .where('id', '>', through)
          .where('state', 'not in', ['spam', 'duplicate'])
          .orderBy('id', 'asc')
          .limit(500)
          .execute();
  if (reports.length === 0) {
    await record.execute();
    return null;
  }
  const last = Math.max(...reports.map((r) => r.id));
  const pub = reports.filter((r) => r.is_hidden === 0);
  const mail = await securityNoticeMail({
    hostname: domain.hostname,
    publicReports: pub
      .slice(-NOTICE_MAX_LISTED)
      .reverse()
      .map((r) => ({ title: r.title, link: publicLink(env, `/bugs/${r.id}`) })),
    morePublic: Math.max(0, pub.length - NOTICE_MAX_LISTED),
    privateReports: reports.length - pub.length,
    domainLink: publicLink(env, `/domains/${domain.hostname}`),
    claimLink: publicLink(env, `/domains/${domain.hostname}/claim`),
  });
  const results = await db.batch<{ id: number }>([
    db
      .updateTable('domain_contacts')
      .set({ status: found.status, contact: found.email, checked_at: iso, notified_at: iso, notified_through: last })
      .where('domain_id', '=', domainId)
      .where('notified_through', '=', through)
      .compile(),
    insertMail(
      db,
      { to: found.email, ...mail },
      now,
      sql`(SELECT 1 FROM domain_contacts WHERE domain_id = ${domainId} AND notified_through = ${last} AND notified_at = ${iso})`,
    ),
  ]);
  return results[1]?.results[0]?.id ?? null;
}

const contactJob = z.object({ domain_id: z.number().int().positive() });

/** The contact queue's consumer: each message names one domain; anything else is dropped. */
export async function handleContactBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDb(env.DB);
  const counts = { messages: batch.messages.length, notices: 0, retried: 0, dropped: 0 };
  for (const msg of batch.messages) {
    const job = contactJob.safeParse(msg.body);
    if (!job.success) {
      counts.dropped += 1;
      msg.ack();
      continue;
    }
    try {
      const mailId = await checkDomainContact(db, env, job.data.domain_id);
      if (mailId !== null) {
        counts.notices += 1;
        await env.MAIL_QUEUE.send({ outbox_id: mailId } satisfies MailJob);
      }
      msg.ack();
    } catch {
      counts.retried += 1;
      msg.retry({ delaySeconds: 300 });
    }
  }
  log({ type: 'queue', name: batch.queue, counts });
}
