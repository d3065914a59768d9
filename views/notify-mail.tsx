import type { State } from '../worker/db/schema';
import { STATE_NAMES } from './components/format';
import { compose } from './mail';

/**
 * The mails of notifications (issue 13), one text for every recipient of an event: no name in
 * them, so one outbox insert serves them all. Each says why it came and where to stop it.
 */
export interface NoticeBug {
  id: number;
  title: string;
  hostname: string;
}

const STOP = (settings: string) => `You get these mails because of your notification setting; change it at ${settings}`;

export function stateChangeMail(p: {
  bug: NoticeBug;
  from: State;
  to: State;
  note: string;
  link: string;
  settings: string;
}) {
  return compose(
    `Your report #${p.bug.id} is now ${STATE_NAMES[p.to].toLowerCase()}`,
    [
      `Your report “${p.bug.title}” on ${p.bug.hostname} moved from ${STATE_NAMES[p.from].toLowerCase()} to ${STATE_NAMES[p.to].toLowerCase()}.`,
      ...(p.note ? [`Note: ${p.note}`] : []),
      STOP(p.settings),
    ],
    p.link,
  );
}

export function commentMail(p: { bug: NoticeBug; author: string; link: string; settings: string }) {
  return compose(
    `New comment on report #${p.bug.id}`,
    [`${p.author} commented on “${p.bug.title}” on ${p.bug.hostname}.`, STOP(p.settings)],
    p.link,
  );
}

export function newReportMail(p: { hostname: string; title: string; link: string; settings: string }) {
  return compose(
    `New report on ${p.hostname}`,
    [`A new report arrived on ${p.hostname}, which you own: “${p.title}”.`, STOP(p.settings)],
    p.link,
  );
}
