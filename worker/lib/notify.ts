import type { Context } from 'hono';
import { sql } from 'kysely';
import { commentMail, type NoticeBug, newReportMail, stateChangeMail } from '../../views/notify-mail';
import { Notices } from '../db/notifications';
import type { Mail } from '../db/outbox';
import { findDomain } from '../db/owners';
import type { State } from '../db/schema';
import type { AppEnv } from '../types';
import { publicLink } from './mail';

/**
 * The notifications each event writes (README "Notifications"), built by the routes, which know
 * the public origin the mails link to. The data functions put them in the event's own batch.
 */

/** The reporter's mail about a move of their report (changeState calls it once the move is known). */
export function stateMail(c: Context<AppEnv>, bug: NoticeBug, note: string) {
  return async ({ from, to }: { from: State; to: State }): Promise<Omit<Mail, 'to'>> =>
    stateChangeMail({
      bug,
      from,
      to,
      note,
      link: publicLink(c.env, `/bugs/${bug.id}`),
      settings: publicLink(c.env, '/settings'),
    });
}

/** A comment tells the reporter and the domain's owners (never its author). */
export async function commentNotices(
  c: Context<AppEnv>,
  bug: NoticeBug & { user_id: number | null; domain_id: number },
  author: { id: number; username: string },
): Promise<Notices> {
  const mail = await commentMail({
    bug,
    author: author.username,
    link: publicLink(c.env, `/bugs/${bug.id}`),
    settings: publicLink(c.env, '/settings'),
  });
  return new Notices(c.var.db).add({
    kind: 'comment',
    to: { users: [bug.user_id], ownersOf: bug.domain_id },
    bugId: bug.id,
    domainId: bug.domain_id,
    actorId: author.id,
    mail,
  });
}

/**
 * A new report tells the domain's owners (not its reporter, if they own it). The report's id is
 * the one its batch just inserted; a domain that does not exist yet has no owners to tell.
 */
export async function reportNotices(
  c: Context<AppEnv>,
  report: { hostname: string; title: string; userId: number | null },
): Promise<Notices> {
  const notices = new Notices(c.var.db);
  const domain = await findDomain(c.var.db, report.hostname);
  if (!domain) return notices;
  const mail = await newReportMail({
    hostname: domain.hostname,
    title: report.title,
    link: publicLink(c.env, `/domains/${domain.hostname}/triage`),
    settings: publicLink(c.env, '/settings'),
  });
  return notices.add({
    kind: 'new_report',
    to: { ownersOf: domain.id },
    bugId: sql<number>`(SELECT max(id) FROM bugs)`,
    domainId: domain.id,
    actorId: report.userId,
    mail,
  });
}
