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
