import type { JSX } from 'hono/jsx/jsx-runtime';
import type { SessionUser } from '../worker/types';
import { ErrorSummary, FieldError, FormToken, fieldAria } from './components/form';

export interface AuthValues {
  username?: string | undefined;
  email?: string | undefined;
  next?: string | undefined;
}
export type AuthErrors = Partial<Record<'username' | 'email' | 'password' | 'password_confirmation' | 'form', string>>;

/** Sign-up form; passwords are never echoed back, everything else is. */
export function SignupForm({ values = {}, errors = {} }: { values?: AuthValues; errors?: AuthErrors }) {
  return (
    <form
      id="signup-form"
      class="auth-form"
      method="post"
      action="/api/auth/signup"
      data-hx-post="/api/auth/signup"
      data-hx-target="this"
      data-hx-swap="outerHTML"
      data-hx-disable="find button[type=submit]"
      data-hx-sync="this:drop"
      novalidate
    >
      <FormToken />
      <ErrorSummary errors={errors} />
      <input type="hidden" name="next" value={values.next ?? ''} />
      <label for="username">Username</label>
      <p class="hint" id="username-hint">
        3–30 letters, digits, _ or -. Shown on the leaderboard.
      </p>
      <input
        id="username"
        name="username"
        type="text"
        autocomplete="username"
        required
        minlength={3}
        maxlength={30}
        value={values.username ?? ''}
        {...fieldAria('username', errors, 'username-hint')}
      />
      <FieldError name="username" errors={errors} />
      <label for="email">Email</label>
      <input
        id="email"
        name="email"
        type="email"
        autocomplete="email"
        required
        maxlength={254}
        value={values.email ?? ''}
        {...fieldAria('email', errors)}
      />
      <FieldError name="email" errors={errors} />
      <label for="password">Password</label>
      <p class="hint" id="password-hint">
        At least 12 characters, and not a common password.
      </p>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minlength={12}
        maxlength={256}
        {...fieldAria('password', errors, 'password-hint')}
      />
      <FieldError name="password" errors={errors} />
      <label for="password_confirmation">Password again</label>
      <input
        id="password_confirmation"
        name="password_confirmation"
        type="password"
        autocomplete="new-password"
        required
        maxlength={256}
        {...fieldAria('password_confirmation', errors)}
      />
      <FieldError name="password_confirmation" errors={errors} />
      <button type="submit">Sign up</button>
    </form>
  );
}

type AuthPageProps = { values?: AuthValues; errors?: AuthErrors; user?: SessionUser | null; notice?: JSX.Element };

/** Shared frame of the sign-up and log-in pages: the form, or a note when already signed in. */
function AuthPage(
  props: AuthPageProps & { title: string; form: JSX.Element; other: { text: string; link: string; path: string } },
) {
  const next = props.values?.next;
  return (
    <>
      <h1>{props.title}</h1>
      {props.user ? (
        <p>You are signed in as {props.user.username}.</p>
      ) : (
        <>
          {props.notice}
          {props.form}
          <p>
            {props.other.text}{' '}
            <a href={`${props.other.path}${next ? `?next=${encodeURIComponent(next)}` : ''}`}>{props.other.link}</a>
          </p>
        </>
      )}
    </>
  );
}

export function SignupPage(props: AuthPageProps) {
  return (
    <AuthPage
      {...props}
      title="Sign up"
      form={<SignupForm values={props.values} errors={props.errors} />}
      other={{ text: 'Already have an account?', link: 'Log in', path: '/login' }}
    />
  );
}

export function LoginForm({ values = {}, errors = {} }: { values?: AuthValues; errors?: AuthErrors }) {
  return (
    <form
      id="login-form"
      class="auth-form"
      method="post"
      action="/api/auth/login"
      data-hx-post="/api/auth/login"
      data-hx-target="this"
      data-hx-swap="outerHTML"
      data-hx-disable="find button[type=submit]"
      data-hx-sync="this:drop"
      novalidate
    >
      <FormToken />
      <ErrorSummary errors={errors} />
      <input type="hidden" name="next" value={values.next ?? ''} />
      <label for="username">Username or email</label>
      <input
        id="username"
        name="username"
        type="text"
        autocomplete="username"
        required
        maxlength={254}
        value={values.username ?? ''}
        {...fieldAria('username', errors)}
      />
      <FieldError name="username" errors={errors} />
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        maxlength={256}
        {...fieldAria('password', errors)}
      />
      <FieldError name="password" errors={errors} />
      <button type="submit">Log in</button>
    </form>
  );
}

/**
 * `signedUp`: arriving from sign-up. The notice is the same whether the account was created or
 * the address was already registered, so it cannot tell anyone which addresses have accounts.
 */
export function LoginPage(props: AuthPageProps & { signedUp?: boolean }) {
  return (
    <AuthPage
      {...props}
      notice={
        props.signedUp ? (
          <p class="notice" role="status">
            If that username and address were free, your account is ready: log in below. If the address was already
            registered, log in with that account.
          </p>
        ) : undefined
      }
      title="Log in"
      form={<LoginForm values={props.values} errors={props.errors} />}
      other={{ text: 'New here?', link: 'Sign up', path: '/signup' }}
    />
  );
}
