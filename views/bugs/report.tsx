import type { BugListItem } from '../../worker/db/bugs';
import { LABELS, SEVERITIES } from '../../worker/db/schema';
import { Field, HtmxForm, Options } from '../components/form';
import { LABEL_NAMES, SEVERITY_NAMES } from '../components/format';
import { MarkdownPreview, PreviewButton, ScreenshotField } from './evidence';

export interface ReportValues {
  url?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  label?: string | undefined;
  severity?: string | undefined;
  private?: boolean | undefined;
}
export type FieldErrors = Partial<Record<keyof ReportValues | 'form' | 'screenshots', string>>;

/** What the report form shows: on /bugs/new, after a refused post, and under the similar bugs. */
export interface ReportFormProps {
  values?: ReportValues;
  errors?: FieldErrors;
  signedIn?: boolean;
  /** A private report arrived without a valid session: it was not stored; say so and how to log in. */
  privateRefused?: boolean;
  /** Already-known bugs like this one, shown under the address (422 page, no-JS check). */
  similar?: SimilarResult | undefined;
  /** The description rendered (the Preview button); nothing was stored. */
  preview?: string | undefined;
  /** Files were sent with a form that came back: say they must be chosen again. */
  filesRefused?: boolean;
}

/**
 * The report form. Posted without JS it answers 303 or this form again at 422; with htmx it
 * swaps itself (errors) or is replaced by the new bug. `novalidate` so the server's messages,
 * not the browser's, are what a user sees either way.
 */
export function ReportForm({
  values = {},
  errors = {},
  signedIn = false,
  privateRefused = false,
  similar,
  preview,
  filesRefused = false,
}: ReportFormProps) {
  return (
    <HtmxForm
      id="report-form"
      class="report-form"
      action="/api/bugs"
      errors={errors}
      enctype="multipart/form-data"
      novalidate
    >
      {privateRefused ? <PrivateRefused /> : null}
      <Field
        name="url"
        label="Address of the page with the bug"
        hint="Such as shop.example/cart (https:// is added when you leave it out). The site's domain is taken from it."
        errors={errors}
        type="text"
        inputmode="url"
        autocomplete="url"
        spellcheck={false}
        required
        maxlength={2048}
        value={values.url ?? ''}
        placeholder="shop.example/cart"
        data-hx-trigger="input changed delay:400ms, change"
        {...similarLookup('#title')}
      />
      <div id="similar" class="similar" aria-live="polite">
        {similar ? <SimilarBugs {...similar} /> : null}
      </div>

      <Field
        name="title"
        label="Title"
        errors={errors}
        type="text"
        required
        minlength={5}
        maxlength={200}
        value={values.title ?? ''}
        data-hx-trigger="change"
        {...similarLookup('#url')}
      />

      <DescriptionField value={values.description} errors={errors} preview={preview} rows={6} />
      <ScreenshotField error={errors.screenshots} refused={filesRefused} />

      <LabelAndSeverity values={values} errors={errors} />
      {signedIn || values.private ? (
        <label class="check">
          <input type="checkbox" name="private" value="on" checked={values.private === true} /> Private report (only you
          and the admins can see it)
        </label>
      ) : (
        <p class="hint">
          You are reporting anonymously. <a href="/login?next=/bugs/new">Log in</a> to earn points and report privately.
        </p>
      )}
      <div class="form-actions">
        <button type="submit">Report bug</button>
        <PreviewButton />
        <p class="htmx-indicator sending" aria-hidden="true">
          Sending… screenshots can take a moment.
        </p>
        <noscript>
          <button type="submit" class="secondary" formaction="/api/bugs/similar" formmethod="get" formnovalidate>
            Check for similar bugs
          </button>
        </noscript>
      </div>
    </HtmxForm>
  );
}

/** The address and title fields ask for similar bugs as they change, each sending the other along. */
function similarLookup(other: string) {
  return {
    'data-hx-get': '/api/bugs/similar',
    'data-hx-include': other,
    'data-hx-target': '#similar',
    'data-hx-swap': 'innerHTML',
    'data-hx-indicator': '#similar',
  };
}

/** Shown when a private report came without a valid session: nothing was stored. */
function PrivateRefused() {
  return (
    <div class="error-summary" role="alert">
      <h2>Nothing was published</h2>
      <p>
        A private report needs you to be logged in, and you are not: your session may have expired, or you logged out on
        another device. Your report was not saved, and everything you typed is still below.
      </p>
      <p>
        <a href="/login?next=/bugs/new" target="_blank" rel="noopener">
          Log in
        </a>{' '}
        (it opens in a new tab, so this form stays as it is), then send the report again.
      </p>
    </div>
  );
}

export function ReportPage(props: ReportFormProps) {
  return (
    <>
      <h1>Report a bug</h1>
      <ReportForm {...props} />
    </>
  );
}

/** Bugs that may already be the one being reported. */
export interface SimilarResult {
  /** Host of the address typed, when it is one. */
  hostname: string | null;
  /** The title typed, when there is one. */
  title: string | null;
  /** Open bugs on that host. */
  rows: BugListItem[];
  /** Open bugs elsewhere whose titles share words with it. */
  titleRows: BugListItem[];
}

function SimilarList({ rows }: { rows: BugListItem[] }) {
  return (
    <ul class="similar-list">
      {rows.map((b) => (
        <li>
          <a href={`/bugs/${b.id}`}>{b.title}</a> <span class="muted">({b.hostname})</span>
        </li>
      ))}
    </ul>
  );
}

/** "Is it one of these?": open bugs on the same host first, then ones with similar titles. */
export function SimilarBugs({ hostname, title, rows, titleRows }: SimilarResult) {
  if (!hostname && !title) {
    return <p class="hint">Type the page's address or a title to see bugs already reported.</p>;
  }
  if (rows.length === 0 && titleRows.length === 0) {
    return (
      <p class="muted">
        {hostname ? `No open bugs reported on ${hostname} yet.` : 'No open bugs with a similar title yet.'}
        {hostname && title ? ' None elsewhere with a similar title either.' : ''}
      </p>
    );
  }
  return (
    <section aria-labelledby="similar-heading">
      <h2 id="similar-heading">Is it one of these?</h2>
      {rows.length > 0 ? (
        <>
          <p class="hint">Open bugs already reported on {hostname}:</p>
          <SimilarList rows={rows} />
        </>
      ) : null}
      {titleRows.length > 0 ? (
        <>
          <p class="hint">Open bugs with a similar title{hostname ? ' on other sites' : ''}:</p>
          <SimilarList rows={titleRows} />
        </>
      ) : null}
    </section>
  );
}

/** Without JS: the hint as a page of its own, with the form filled in to carry on. */
export function SimilarPage({
  similar,
  values,
  signedIn,
}: {
  similar: SimilarResult;
  values: ReportValues;
  signedIn: boolean;
}) {
  return (
    <>
      <h1>Similar bugs</h1>
      <SimilarBugs {...similar} />
      <h2>Not there? Report it</h2>
      <ReportForm values={values} signedIn={signedIn} />
    </>
  );
}

/** The description (Markdown) and, after a Preview, how it renders: the report and edit forms. */
export function DescriptionField(props: {
  value?: string | undefined;
  errors: FieldErrors;
  preview?: string | undefined;
  rows: number;
}) {
  return (
    <>
      <Field
        as="textarea"
        name="description"
        label="What happens, and what should happen instead?"
        hint="Markdown: **bold**, `code`, ``` fenced code ```, [links](https://example.com)."
        errors={props.errors}
        rows={props.rows}
        maxlength={10000}
      >
        {props.value ?? ''}
      </Field>
      {props.preview !== undefined ? <MarkdownPreview text={props.preview} label="Preview of the description" /> : null}
    </>
  );
}

/** Label and severity side by side: the report and edit forms. */
export function LabelAndSeverity({ values, errors }: { values: ReportValues; errors: FieldErrors }) {
  return (
    <div class="row">
      <div>
        <Field as="select" name="label" label="Label" errors={errors}>
          <Options values={LABELS} names={LABEL_NAMES} selected={values.label ?? 'general'} />
        </Field>
      </div>
      <div>
        <Field as="select" name="severity" label="Severity" errors={errors}>
          <Options values={SEVERITIES} names={SEVERITY_NAMES} selected={values.severity ?? 'none'} />
        </Field>
      </div>
    </div>
  );
}
