import type { OutboxRow } from '../worker/db/outbox';
import type { NotifyEmail } from '../worker/db/schema';
import type { TokenState } from '../worker/db/tokens';
import { NewPasswordFields, PASSWORD } from './auth';
import { Field, HtmxForm } from './components/form';
import { When } from './components/when';
import { NotifyEmailSection } from './notifications';

export type FormErrors = Partial<Record<string, string>>;

/** The one answer to every sign-up that passed validation: the same whether or not the address had an account. */
export function CheckEmailPage() {
  return (
    <>
      <h1>Check your email</h1>
      <p class="notice" role="status">
        We sent a message to the address you gave. Open the link in it to confirm your address and sign in. If that
        address already has an account, the message says so instead.
      </p>
      <p>
        No message after a few minutes? Look in your spam folder, or <a href="/login">log in</a> — logging in to an
        unconfirmed account sends the link again.
      </p>
    </>
  );
}

const LINK_TROUBLE: Record<Exclude<TokenState, 'valid'>, string> = {
  used: 'This link has already been used.',
  expired: 'This link has expired.',
  unknown: 'This link is not valid. It may have been copied incompletely.',
};

/** GET /verify-email: only a button (mail scanners open links; nothing changes until it is pressed). */
export function VerifyEmailPage(props: { state: TokenState; token: string }) {
  if (props.state !== 'valid') {
    return (
      <>
        <h1>Confirm your email address</h1>
        <p class="notice" role="alert">
          {LINK_TROUBLE[props.state]}
        </p>
        <p>
          To get a new confirmation link, <a href="/login">log in</a>: an unconfirmed account is sent a fresh link. To
          change your address again, use your <a href="/settings">settings</a>.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Confirm your email address</h1>
      <p>Press the button to confirm this address for your BLT account.</p>
      <HtmxForm id="verify-form" action="/verify-email">
        <input type="hidden" name="token" value={props.token} />
        <button type="submit">Confirm my address</button>
      </HtmxForm>
    </>
  );
}

/** After an address change was confirmed, or could not be (another account took the address meanwhile). */
export function EmailChangedPage(props: { ok: boolean }) {
  return (
    <>
      <h1>{props.ok ? 'Email address changed' : 'Address not changed'}</h1>
      <p class="notice" role="status">
        {props.ok
          ? 'Your account now uses the new address.'
          : 'That address belongs to another account now, so your address stays as it was.'}
      </p>
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>
  );
}

export function ForgotForm({ email = '', errors = {} }: { email?: string; errors?: FormErrors }) {
  return (
    <HtmxForm id="forgot-form" class="auth-form" action="/forgot-password" errors={errors} novalidate>
      <Field
        name="email"
        label="Email"
        errors={errors}
        type="email"
        autocomplete="email"
        required
        maxlength={254}
        value={email}
      />
      <button type="submit">Send me a reset link</button>
    </HtmxForm>
  );
}

export function ForgotPage(props: { email?: string; errors?: FormErrors }) {
  return (
    <>
      <h1>Forgot your password?</h1>
      <p>Give the address of your account and we will mail you a link to choose a new password.</p>
      <ForgotForm {...props} />
    </>
  );
}

/** The one answer to every reset request that passed validation, account or not. */
export function ForgotSentPage() {
  return (
    <>
      <h1>Check your email</h1>
      <p class="notice" role="status">
        If an account uses that address, we sent it a link to reset the password. The link works once, for 1 hour.
      </p>
      <p>
        <a href="/login">Back to log in</a>
      </p>
    </>
  );
}

export function ResetForm({ token, errors = {} }: { token: string; errors?: FormErrors }) {
  return (
    <HtmxForm id="reset-form" class="auth-form" action="/reset-password" errors={errors} novalidate>
      <input type="hidden" name="token" value={token} />
      <NewPasswordFields errors={errors} label="New password" />
      <button type="submit">Set new password</button>
    </HtmxForm>
  );
}

/** GET /reset-password: the form when the link is good, else why not and a way to a new one. */
export function ResetPage(props: { state: TokenState; token: string; errors?: FormErrors }) {
  return (
    <>
      <h1>Choose a new password</h1>
      {props.state === 'valid' ? (
        <ResetForm token={props.token} errors={props.errors} />
      ) : (
        <ResetLinkTrouble state={props.state} />
      )}
    </>
  );
}

export function ResetLinkTrouble({ state }: { state: Exclude<TokenState, 'valid'> }) {
  return (
    <div id="reset-form">
      <p class="notice" role="alert">
        {LINK_TROUBLE[state]}
      </p>
      <p>
        <a href="/forgot-password">Get a new reset link</a>
      </p>
    </div>
  );
}

export const SETTINGS_NOTICES = {
  password: 'Your password was changed. Other sessions were signed out.',
  email: 'We sent a confirmation link to the new address. Your old address was told about the change.',
  verified: 'Your email address is confirmed. Welcome!',
} as const;
export type SettingsNotice = keyof typeof SETTINGS_NOTICES;

export interface SettingsProps {
  username: string;
  email: string;
  notice?: SettingsNotice | undefined;
  /** Errors of the one form that was just sent, and its name. */
  form?: 'password' | 'email' | 'delete';
  errors?: FormErrors;
  newEmail?: string;
  /** The notification mail choice (issue 13, views/notifications.tsx). */
  notifyEmail?: NotifyEmail;
}

export function PasswordSettingsForm({ errors = {} }: { errors?: FormErrors }) {
  return (
    <HtmxForm id="password-form" class="auth-form" action="/settings/password" errors={errors} novalidate>
      <Field
        name="current_password"
        label="Current password"
        errors={errors}
        {...PASSWORD}
        autocomplete="current-password"
      />
      <NewPasswordFields errors={errors} label="New password" />
      <button type="submit">Change password</button>
    </HtmxForm>
  );
}

export function EmailSettingsForm({ errors = {}, email = '' }: { errors?: FormErrors; email?: string }) {
  return (
    <HtmxForm
      id="email-form"
      class="auth-form"
      action="/settings/email"
      errors={errors}
      fieldIds={{ email: 'new-email', password: 'email-password' }}
      novalidate
    >
      <Field
        name="email"
        id="new-email"
        label="New email address"
        errors={errors}
        type="email"
        autocomplete="email"
        required
        maxlength={254}
        value={email}
      />
      <Field
        name="password"
        id="email-password"
        errorId="email-password-error"
        label="Your password"
        errors={errors}
        {...PASSWORD}
        autocomplete="current-password"
      />
      <button type="submit">Change email</button>
    </HtmxForm>
  );
}

export function DeleteAccountForm({ errors = {} }: { errors?: FormErrors }) {
  return (
    <HtmxForm
      id="delete-form"
      class="auth-form"
      action="/settings/delete"
      errors={errors}
      fieldIds={{ password: 'delete-password' }}
      novalidate
    >
      <Field
        name="password"
        id="delete-password"
        errorId="delete-password-error"
        label="Your password, to confirm"
        errors={errors}
        {...PASSWORD}
        autocomplete="current-password"
      />
      <button type="submit" class="danger">
        Delete my account
      </button>
    </HtmxForm>
  );
}

/** /settings: each form posts to its own path, so each works alone with or without JS. */
export function SettingsPage(p: SettingsProps) {
  const errs = (form: SettingsProps['form']) => (p.form === form ? p.errors : undefined);
  return (
    <>
      <h1>Settings</h1>
      {p.notice ? (
        <p class="notice" role="status">
          {SETTINGS_NOTICES[p.notice]}
        </p>
      ) : null}
      <p>
        Signed in as <a href={`/users/${encodeURIComponent(p.username)}`}>{p.username}</a>, {p.email}.
      </p>
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Change password</h2>
        <PasswordSettingsForm errors={errs('password')} />
      </section>
      <section aria-labelledby="email-heading">
        <h2 id="email-heading">Change email address</h2>
        <p>We mail a link to the new address; the change happens when it is used. Your current address is told.</p>
        <EmailSettingsForm errors={errs('email')} email={p.form === 'email' ? p.newEmail : ''} />
      </section>
      <section aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        <HtmxForm id="sessions-form" action="/settings/sessions">
          <button type="submit">Sign out everywhere</button>
        </HtmxForm>
      </section>
      {p.notifyEmail ? <NotifyEmailSection value={p.notifyEmail} /> : null}
      <section aria-labelledby="export-heading">
        <h2 id="export-heading">Your data</h2>
        <p>
          <a href="/settings/export.json" download="blt-account.json">
            Download my data
          </a>{' '}
          (account, reports, comments, points) as JSON.
        </p>
      </section>
      <section aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete account</h2>
        <p>
          Your private reports are deleted. Your public reports and comments stay, shown as written by "deleted user";
          your upvotes and points go. Your address can sign up again.
        </p>
        <DeleteAccountForm errors={errs('delete')} />
      </section>
    </>
  );
}

export function AccountDeletedPage() {
  return (
    <>
      <h1>Account deleted</h1>
      <p class="notice" role="status">
        Your account is deleted and you are signed out everywhere.
      </p>
      <p>
        <a href="/">Home</a>
      </p>
    </>
  );
}

/** A mail's text part as paragraphs, its http(s) links clickable (the dev outbox is read to follow them). */
function MailText({ text }: { text: string }) {
  return (
    <div class="mail-text">
      {text
        .trim()
        .split(/\n{2,}/)
        .map((para) => (
          <p>{para.split(/(https?:\/\/\S+)/).map((part, i) => (i % 2 === 1 ? <a href={part}>{part}</a> : part))}</p>
        ))}
    </div>
  );
}

/** Mail as the outbox holds it: the dev outbox shows everything, the admins' view no bodies. */
export function OutboxPage(props: { messages: OutboxRow[]; bodies: boolean; title: string }) {
  return (
    <>
      <h1>{props.title}</h1>
      {props.messages.length === 0 ? <p class="muted">No messages.</p> : null}
      <ol class="outbox">
        {props.messages.map((m) => (
          <li class="outbox-message">
            <h2>{m.subject}</h2>
            <p class="bug-meta">
              To {m.to_address} · <When iso={m.created_at} /> · {m.status}
              {m.attempts > 0 ? ` after ${m.attempts} attempt${m.attempts === 1 ? '' : 's'}` : ''}
            </p>
            {m.last_error ? <p class="field-error">Last error: {m.last_error}</p> : null}
            {props.bodies ? <MailText text={m.text_body} /> : null}
          </li>
        ))}
      </ol>
    </>
  );
}
