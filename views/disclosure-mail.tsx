import type { Child } from 'hono/jsx';
import type { MailParts } from './mail';

/**
 * The disclosure issue's messages (security.txt notices, publication, daily digests), written
 * like views/mail.tsx: plain text and a simple HTML part from the same words, links on our own
 * public origin shown as their own text, nothing a reporter wrote except report titles.
 */
async function compose(subject: string, blocks: { text: string; link?: string }[]): Promise<MailParts> {
  const sign = '— BLT, the OWASP Bug Logging Tool';
  const text = [...blocks.map((b) => (b.link ? `${b.text}\n${b.link}` : b.text)), sign].join('\n\n');
  const html = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{subject}</title>
      </head>
      <body>
        {blocks.map(
          (b): Child => (
            <p>
              {b.text}
              {b.link ? (
                <>
                  <br />
                  <a href={b.link}>{b.link}</a>
                </>
              ) : null}
            </p>
          ),
        )}
        <p>{sign}</p>
      </body>
    </html>
  );
  return { subject, text: `${text}\n`, html: `<!DOCTYPE html>${await html.toString()}` };
}

export interface NoticeReport {
  title: string;
  link: string;
}

/**
 * To a site's security.txt contact: what was reported (public reports: title and link; private
 * ones: only that they exist and how to claim the domain to read them). Never the reporter.
 */
export function securityNoticeMail(p: {
  hostname: string;
  publicReports: NoticeReport[];
  morePublic: number;
  privateReports: number;
  domainLink: string;
  claimLink: string;
}) {
  const blocks: { text: string; link?: string }[] = [
    {
      text: `Hello, this address is the Contact in the security.txt of ${p.hostname}. People reported issues on ${p.hostname} on BLT, the OWASP Bug Logging Tool, and we want them to reach you.`,
    },
  ];
  for (const r of p.publicReports) blocks.push({ text: `Public report: ${r.title}`, link: r.link });
  if (p.morePublic > 0) blocks.push({ text: `…and ${p.morePublic} more public reports:`, link: p.domainLink });
  if (p.privateReports > 0) {
    blocks.push({
      text: `${p.privateReports === 1 ? 'A private report was' : `${p.privateReports} private reports were`} also filed. Only the reporter and the domain's verified owners can read private reports; they become public on their disclosure date (90 days after filing unless an owner extends it). Claim ${p.hostname} (a DNS TXT record or a file on the site) to read them and answer:`,
      link: p.claimLink,
    });
  } else {
    blocks.push({ text: `Claim ${p.hostname} to triage its reports and be told of new ones:`, link: p.claimLink });
  }
  blocks.push({ text: 'We send at most one such notice a day, and only when there are new reports.' });
  return compose(`Bug reports about ${p.hostname} on BLT`, blocks);
}

/** To a reporter and owners: a private report was published (its disclosure date came, or it was published early). */
export function publishedMail(p: { title: string; link: string; why: string }) {
  return compose(`Report published: ${p.title}`, [
    { text: `The report "${p.title}" is now public (${p.why}).`, link: p.link },
  ]);
}

/** A user's daily digest of their unread notifications. */
export function digestMail(p: { count: number; lines: string[]; link: string; settingsLink: string }) {
  return compose(`BLT: ${p.count} new notification${p.count === 1 ? '' : 's'}`, [
    { text: `You have ${p.count} unread notification${p.count === 1 ? '' : 's'} from the last day:` },
    ...p.lines.map((text) => ({ text })),
    { text: 'Read them all:', link: p.link },
    { text: 'You get this once a day because of your email setting. Change it:', link: p.settingsLink },
  ]);
}
