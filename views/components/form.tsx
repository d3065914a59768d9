import { createContext, useContext } from 'hono/jsx';

/** Field messages keyed by field name; `form` is a message about the whole form. */
export type Errors = Partial<Record<string, string>>;

/** The message under a field, linked to it by id for screen readers. */
export function FieldError({ name, errors }: { name: string; errors: Errors }) {
  const msg = errors[name];
  return msg ? (
    <p class="field-error" id={`${name}-error`}>
      {msg}
    </p>
  ) : null;
}

/** aria-describedby (hint and error) and aria-invalid for a field. */
export function fieldAria(name: string, errors: Errors, hint?: string) {
  const ids = [hint, errors[name] ? `${name}-error` : undefined].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': errors[name] ? 'true' : undefined };
}

/** The list of problems at the top of a form, each linking to its field. */
export function ErrorSummary({ errors }: { errors: Errors }) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert">
      <h2>Please fix {entries.length === 1 ? 'this' : 'these'}:</h2>
      <ul>
        {entries.map(([name, msg]) => (
          <li>{name === 'form' ? msg : <a href={`#${name}`}>{msg}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

/** What the Worker hands views for the form token; reading `value` marks the token as used. */
export interface FormTokenSource {
  readonly value: string;
}

/**
 * Carries the form token down to forms without a Hono Context (views stay functions of their
 * props). The Worker provides it around every page (app.tsx) and fragment (lib/respond.ts).
 */
export const FormTokenContext = createContext<FormTokenSource | null>(null);

/**
 * The hidden `_form` field every `<form method="post">` starts with. Browsers that send Origin or
 * Sec-Fetch-Site do not need it; lynx, w3m and older browsers send neither, and this field is how
 * the Worker knows their form came from BLT-Next (worker/middleware/form-token.ts).
 */
export function FormToken() {
  const source = useContext(FormTokenContext);
  return source ? <input type="hidden" name="_form" value={source.value} /> : null;
}
