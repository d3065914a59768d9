import type { Revision } from '../../worker/db/revisions';
import { Field, HtmxForm } from '../components/form';
import { LABEL_NAMES, SEVERITY_NAMES } from '../components/format';
import { Markdown } from '../components/markdown';
import { When } from '../components/when';
import { PreviewButton } from './evidence';
import { DescriptionField, type FieldErrors, LabelAndSeverity, type ReportValues } from './report';

/**
 * The edit form: the report form's fields and names (url, title, description, label, severity),
 * posted to /bugs/:id/edit. Without JS a save is a 303 to the bug; with htmx the form swaps
 * itself (errors, preview) or the browser goes to the bug (HX-Redirect).
 */
export function EditForm({
  bugId,
  values,
  errors = {},
  preview,
}: {
  bugId: number;
  values: ReportValues;
  errors?: FieldErrors;
  preview?: string | undefined;
}) {
  return (
    <HtmxForm id="edit-form" class="report-form" action={`/bugs/${bugId}/edit`} errors={errors} novalidate>
      <Field
        name="url"
        label="Address of the page with the bug"
        errors={errors}
        type="text"
        inputmode="url"
        autocomplete="url"
        spellcheck={false}
        required
        maxlength={2048}
        value={values.url ?? ''}
      />
      <Field
        name="title"
        label="Title"
        errors={errors}
        type="text"
        required
        minlength={5}
        maxlength={200}
        value={values.title ?? ''}
      />
      <DescriptionField value={values.description} errors={errors} preview={preview} rows={8} />
      <LabelAndSeverity values={values} errors={errors} />
      <div class="form-actions">
        <button type="submit">Save changes</button>
        <PreviewButton />
        <a href={`/bugs/${bugId}`}>Cancel</a>
      </div>
    </HtmxForm>
  );
}

export function EditPage(props: Parameters<typeof EditForm>[0] & { title: string }) {
  return (
    <>
      <h1>Edit: {props.title}</h1>
      <p class="hint">Every edit is kept in the report's history, with the values it replaced.</p>
      <EditForm {...props} />
    </>
  );
}

/** The report's history: each edit with the values it replaced, newest first. */
export function HistoryPage({ bug, revisions }: { bug: { id: number; title: string }; revisions: Revision[] }) {
  return (
    <>
      <h1>History of “{bug.title}”</h1>
      <p>
        <a href={`/bugs/${bug.id}`}>Back to the report</a>
      </p>
      {revisions.length === 0 ? (
        <p class="muted">This report has not been edited.</p>
      ) : (
        <ol class="revision-list" reversed>
          {revisions.map((r) => (
            <li id={`revision-${r.id}`}>
              <h2 class="revision-title">
                Edited <When iso={r.created_at} /> by {r.username ?? 'a deleted account'}
              </h2>
              <p class="muted">Before that edit:</p>
              <dl class="facts">
                <dt>Title</dt>
                <dd>{r.title}</dd>
                <dt>Address</dt>
                <dd class="break">{r.url}</dd>
                <dt>Label</dt>
                <dd>{LABEL_NAMES[r.label]}</dd>
                <dt>Severity</dt>
                <dd>{SEVERITY_NAMES[r.severity]}</dd>
              </dl>
              {r.description ? (
                <Markdown text={r.description} class="description" />
              ) : (
                <p class="muted">No description.</p>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
