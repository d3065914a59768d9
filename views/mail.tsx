import type { Child } from 'hono/jsx';

/**
 * The messages BLT-Next sends, each as plain text and a simple HTML part written from the same
 * words. No images, no tracking pixels, no tracked links: every link is a plain URL on our own
 * public origin, and the HTML part shows the URL as its text too.
 */
export interface MailParts {
  subject: string;
  text: string;
  html: string;
}

function Frame(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{props.title}</title>
      </head>
      <body>
        {props.children}
        <p>— BLT, the OWASP Bug Logging Tool</p>
      </body>
    </html>
  );
}

function LinkLine({ href }: { href: string }) {
  return (
    <p>
      <a href={href}>{href}</a>
    </p>
  );
}

/** One message: the paragraphs, optionally one link after the first, in both parts (views/notify-mail.tsx uses it too). */
export async function compose(subject: string, paras: string[], link?: string): Promise<MailParts> {
  const [first = '', ...rest] = paras;
  const textParts = [first, ...(link ? [link] : []), ...rest, '— BLT, the OWASP Bug Logging Tool'];
  const html = (
    <Frame title={subject}>
      <p>{first}</p>
      {link ? <LinkLine href={link} /> : null}
      {rest.map((p) => (
        <p>{p}</p>
      ))}
    </Frame>
  );
  return { subject, text: `${textParts.join('\n\n')}\n`, html: `<!DOCTYPE html>${await html.toString()}` };
}

const IGNORE = 'If this was not you, you can ignore this message: nothing changes unless the link is used.';

export function verifyEmailMail(p: { username: string; link: string }) {
  return compose(
    'Confirm your email address for BLT',
    [
      `Hello ${p.username}, please confirm your email address to finish signing up. Open this link and press the button on the page (the link works for 24 hours):`,
      IGNORE,
    ],
    p.link,
  );
}

/** To the owner of an address someone tried to sign up with again: no account details, only help. */
export function signupAttemptMail(p: { username: string; loginLink: string; resetLink: string }) {
  return compose(
    'Someone tried to sign up to BLT with your address',
    [
      `Hello ${p.username}, someone (perhaps you) tried to create a new BLT account with this email address. It already belongs to your account, so no new account was made. You can log in here:`,
      `If you have forgotten your password, you can set a new one at ${p.resetLink}`,
      'If this was not you, there is nothing to do: your account is unchanged.',
    ],
    p.loginLink,
  );
}

export function resetPasswordMail(p: { username: string; link: string }) {
  return compose(
    'Reset your BLT password',
    [
      `Hello ${p.username}, someone (hopefully you) asked to reset the password of your BLT account. Open this link to choose a new one (it works once, for 1 hour):`,
      'Setting a new password signs you out everywhere else.',
      IGNORE,
    ],
    p.link,
  );
}

export function changeEmailMail(p: { username: string; link: string }) {
  return compose(
    'Confirm your new email address for BLT',
    [
      `Hello ${p.username}, please confirm that this is the new email address of your BLT account. Open this link and press the button on the page (the link works for 24 hours):`,
      IGNORE,
    ],
    p.link,
  );
}

/** To the old address when a change is asked for: the owner learns of it before it happens. */
export function emailChangeNoticeMail(p: { username: string; newEmail: string; resetLink: string }) {
  return compose('Your BLT email address is being changed', [
    `Hello ${p.username}, someone signed in to your BLT account asked to change its email address to ${p.newEmail}. The change happens when the link sent to that address is used.`,
    `If this was not you, set a new password now at ${p.resetLink} — that signs out every session and cancels the pending change.`,
  ]);
}
