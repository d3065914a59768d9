import type { Child } from 'hono/jsx';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { SessionUser } from '../worker/types';
import { Field, HtmxForm } from './components/form';

export interface AuthValues {
  username?: string | undefined;
  email?: string | undefined;
  next?: string | undefined;
}
export type AuthErrors = Partial<Record<'username' | 'email' | 'password' | 'password_confirmation' | 'form', string>>;
type AuthFormProps = { values?: AuthValues; errors?: AuthErrors };

/** The frame both account forms share: htmx form, error summary and the `next` page carried through. */
function AuthForm(props: { id: string; action: string; values: AuthValues; errors: AuthErrors; children: Child }) {
  return (
    <HtmxForm id={props.id} class="auth-form" action={props.action} errors={props.errors} novalidate>
      <input type="hidden" name="next" value={props.values.next ?? ''} />
      {props.children}
    </HtmxForm>
  );
}

/** What every password field says; the Worker refuses more than 256 characters before hashing. */
export const PASSWORD = { type: 'password', required: true, maxlength: 256 } as const;

/**
 * A new password and its confirmation: sign-up, reset and the settings page ask the same way
 * (`label` is "Password" or "New password"; the second field adds "again").
 */
export function NewPasswordFields({
  errors,
  label = 'Password',
}: {
  errors: Partial<Record<string, string>>;
  label?: string;
}) {
  return (
    <>
      <Field
        name="password"
        label={label}
        hint="At least 12 characters, and not a common password."
        errors={errors}
        {...PASSWORD}
        autocomplete="new-password"
        minlength={12}
      />
      <Field
        name="password_confirmation"
        label={`${label} again`}
        errors={errors}
        {...PASSWORD}
        autocomplete="new-password"
      />
    </>
  );
}

/** Sign-up form; passwords are never echoed back, everything else is. */
export function SignupForm({ values = {}, errors = {} }: AuthFormProps) {
  return (
    <AuthForm id="signup-form" action="/api/auth/signup" values={values} errors={errors}>
      <Field
        name="username"
        label="Username"
        hint="3–30 letters, digits, _ or -. Shown on the leaderboard."
        errors={errors}
        type="text"
        autocomplete="username"
        required
        minlength={3}
        maxlength={30}
        value={values.username ?? ''}
      />
      <Field
        name="email"
        label="Email"
        errors={errors}
        type="email"
        autocomplete="email"
        required
        maxlength={254}
        value={values.email ?? ''}
      />
      <NewPasswordFields errors={errors} />
      <button type="submit">Sign up</button>
    </AuthForm>
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

export function LoginForm({ values = {}, errors = {} }: AuthFormProps) {
  return (
    <AuthForm id="login-form" action="/api/auth/login" values={values} errors={errors}>
      <Field
        name="username"
        label="Username or email"
        errors={errors}
        type="text"
        autocomplete="username"
        required
        maxlength={254}
        value={values.username ?? ''}
      />
      <Field name="password" label="Password" errors={errors} {...PASSWORD} autocomplete="current-password" />
      <button type="submit">Log in</button>
      <p>
        <a href="/forgot-password">Forgot your password?</a>
      </p>
    </AuthForm>
  );
}

export function LoginPage(props: AuthPageProps) {
  return (
    <AuthPage
      {...props}
      title="Log in"
      form={<LoginForm values={props.values} errors={props.errors} />}
      other={{ text: 'New here?', link: 'Sign up', path: '/signup' }}
    />
  );
}

/** `/api/auth/me` as a page: who is signed in, or where to sign in. */
export function AccountView({ user }: { user: Pick<SessionUser, 'username' | 'points'> | null }) {
  return (
    <>
      <h1>Your account</h1>
      {user ? (
        <p>
          Signed in as <a href={`/users/${encodeURIComponent(user.username)}`}>{user.username}</a> with {user.points}{' '}
          points.
        </p>
      ) : (
        <p>
          You are not signed in. <a href="/login">Log in</a> or <a href="/signup">sign up</a>.
        </p>
      )}
    </>
  );
}
