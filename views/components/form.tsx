import type { Child } from 'hono/jsx';
import { createContext, useContext } from 'hono/jsx';
import type { JSX } from 'hono/jsx/jsx-runtime';

/** Field messages keyed by field name; `form` is a message about the whole form. */
export type Errors = Partial<Record<string, string>>;

/**
 * The message under a field, linked to it by id for screen readers. `alert` where no
 * ErrorSummary (itself an alert) announces it.
 */
export function FieldError({
  name,
  errors,
  id = `${name}-error`,
  alert = false,
}: {
  name: string;
  errors: Errors;
  id?: string;
  alert?: boolean;
}) {
  const msg = errors[name];
  return msg ? (
    <p class="field-error" id={id} role={alert ? 'alert' : undefined}>
      {msg}
    </p>
  ) : null;
}

/** aria-describedby (hint and error) and aria-invalid for a field. */
export function fieldAria(name: string, errors: Errors, hint?: string, errorId = `${name}-error`) {
  const ids = [hint, errors[name] ? errorId : undefined].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': errors[name] ? 'true' : undefined };
}

interface FieldBase {
  name: string;
  label: string;
  errors: Errors;
  /** Shown between label and control, as `<name>-hint`, and read out with the control. */
  hint?: Child;
  /** The control's id; the name unless two forms on one page would clash. */
  id?: string;
  errorId?: string;
  /** Announce the error itself (forms without an ErrorSummary). */
  errorAlert?: boolean;
}
type FieldProps =
  | (FieldBase & { as?: 'input' } & JSX.IntrinsicElements['input'])
  | (FieldBase & { as: 'textarea'; children?: Child } & JSX.IntrinsicElements['textarea'])
  | (FieldBase & { as: 'select'; children?: Child } & JSX.IntrinsicElements['select']);

/**
 * One form field said once: label, optional hint, the control and its error, tied together by
 * ids (`for`, `<name>-hint`, `<name>-error`, aria-describedby, aria-invalid). The ErrorSummary
 * links to `#<name>`, so the control's id is its name by default.
 */
export function Field(props: FieldProps) {
  const { name, label, errors, hint, id = name, errorId = `${name}-error`, errorAlert, as, children, ...attrs } = props;
  const hintId = hint ? `${name}-hint` : undefined;
  const control = { id, name, ...attrs, ...fieldAria(name, errors, hintId, errorId) };
  return (
    <>
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {as === 'textarea' ? (
        <textarea {...control}>{children}</textarea>
      ) : as === 'select' ? (
        <select {...control}>{children}</select>
      ) : (
        <input {...control} />
      )}
      <FieldError name={name} errors={errors} id={errorId} alert={errorAlert} />
    </>
  );
}

/** The `<option>`s of a closed list of values, with their display names. */
export function Options<T extends string>(props: {
  values: readonly T[];
  names: Record<T, string>;
  selected: string | undefined;
}) {
  return (
    <>
      {props.values.map((v) => (
        <option value={v} selected={props.selected === v}>
          {props.names[v]}
        </option>
      ))}
    </>
  );
}

/**
 * A POST form that works without JS and, with htmx, swaps its answer in place: the form token,
 * then (when `errors` is given) the ErrorSummary, then the fields. `drop` sync ignores a second
 * submit while the first is in flight.
 */
export function HtmxForm(props: {
  action: string;
  id?: string;
  class?: string;
  /** Where htmx puts the answer: the form itself unless said otherwise. */
  target?: string;
  /** What htmx disables while the request runs. */
  disable?: string;
  novalidate?: boolean;
  /** `multipart/form-data` for a form with files; htmx 4 sends what the form says. */
  enctype?: 'multipart/form-data';
  errors?: Errors;
  /** Control ids that differ from their field names (two forms on one page), for the summary's links. */
  fieldIds?: Record<string, string>;
  children?: Child;
}) {
  return (
    <form
      id={props.id}
      class={props.class}
      method="post"
      action={props.action}
      enctype={props.enctype}
      data-hx-post={props.action}
      data-hx-target={props.target ?? 'this'}
      data-hx-swap="outerHTML"
      data-hx-disable={props.disable ?? 'find button[type=submit]'}
      data-hx-sync="this:drop"
      novalidate={props.novalidate}
    >
      <FormToken />
      {props.errors ? <ErrorSummary errors={props.errors} ids={props.fieldIds} /> : null}
      {props.children}
    </form>
  );
}

/** The list of problems at the top of a form, each linking to its field (by `ids[name]`, else its name). */
export function ErrorSummary({ errors, ids }: { errors: Errors; ids?: Record<string, string> | undefined }) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert">
      <h2>Please fix {entries.length === 1 ? 'this' : 'these'}:</h2>
      <ul>
        {entries.map(([name, msg]) => (
          <li>{name === 'form' ? msg : <a href={`#${ids?.[name] ?? name}`}>{msg}</a>}</li>
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
