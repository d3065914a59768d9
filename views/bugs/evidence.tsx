import type { Screenshot } from '../../worker/db/screenshots';
import { FormToken, HtmxForm } from '../components/form';
import { Markdown } from '../components/markdown';
import { When } from '../components/when';

/** Screenshot rules as the form states them (worker/db/screenshots.ts has the numbers). */
export const SCREENSHOT_HINT =
  'Up to 5 images (PNG, JPEG, WebP or GIF), at most 5 MB each and 15 MB together. ' +
  'Location and camera details are removed before they are stored.';

/** The thumbnails on a bug page: sized (no layout shift), lazy, each a link to the full image. */
export function ScreenshotGallery({
  bugId,
  shots,
  canRemove,
}: {
  bugId: number;
  shots: (Screenshot & { url: string })[];
  canRemove: boolean;
}) {
  if (shots.length === 0) return null;
  return (
    <section class="screenshots" aria-labelledby="screenshots-heading">
      <h2 id="screenshots-heading">Screenshots ({shots.length})</h2>
      <ul class="screenshot-list">
        {shots.map((s, i) => (
          <li>
            <a href={s.url}>
              <img
                src={s.url}
                width={s.width}
                height={s.height}
                loading="lazy"
                decoding="async"
                alt={`Screenshot ${i + 1} of ${shots.length} (${s.width} × ${s.height}, opens the full image)`}
              />
            </a>
            {canRemove ? (
              <form method="post" action={`/bugs/${bugId}/screenshots/${s.key}/delete`} class="inline">
                <FormToken />
                <button type="submit" class="danger small">
                  Remove screenshot {i + 1}
                </button>
              </form>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The file field of the report form; after a refused post the browser has forgotten the files. */
export function ScreenshotField({ error, refused }: { error?: string | undefined; refused?: boolean }) {
  return (
    <>
      <label for="screenshots">Screenshots (optional)</label>
      <p class="hint" id="screenshots-hint">
        {SCREENSHOT_HINT}
      </p>
      {refused ? (
        <p class="hint" id="screenshots-again">
          <strong>Choose your screenshots again:</strong> a browser does not keep chosen files when a form comes back.
        </p>
      ) : null}
      <input
        type="file"
        id="screenshots"
        name="screenshots"
        multiple
        data-hx-preserve
        accept="image/png,image/jpeg,image/webp,image/gif"
        aria-describedby={['screenshots-hint', refused ? 'screenshots-again' : '', error ? 'screenshots-error' : '']
          .filter(Boolean)
          .join(' ')}
        aria-invalid={error ? 'true' : undefined}
      />
      {error ? (
        <p class="field-error" id="screenshots-error">
          {error}
        </p>
      ) : null}
    </>
  );
}

/** What Preview shows: the Markdown as it will look, nothing stored. */
export function MarkdownPreview({ text, label }: { text: string; label: string }) {
  return (
    <section class="preview" aria-label={label}>
      <h2 class="preview-title">{label}</h2>
      {text.trim() ? <Markdown text={text} class="description" /> : <p class="muted">Nothing to preview yet.</p>}
    </section>
  );
}

/** The second submit button of a form with Markdown: shows the rendered text, stores nothing. */
export function PreviewButton() {
  return (
    <button type="submit" name="intent" value="preview" class="secondary">
      Preview
    </button>
  );
}

/** "Edited …" with the history link, and the Edit link for who may edit. */
export function EditedNote({ bugId, editedAt, canEdit }: { bugId: number; editedAt: string | null; canEdit: boolean }) {
  if (!editedAt && !canEdit) return null;
  return (
    <p class="edited">
      {editedAt ? (
        <>
          Edited <When iso={editedAt} /> · <a href={`/bugs/${bugId}/history`}>History</a>
        </>
      ) : null}
      {editedAt && canEdit ? ' · ' : null}
      {canEdit ? <a href={`/bugs/${bugId}/edit`}>Edit report</a> : null}
    </p>
  );
}

/** A comment's text (Markdown), or "Comment removed", and its Delete button for who may. */
export function CommentBody({
  bugId,
  comment,
  canDelete,
}: {
  bugId: number;
  comment: { id: number; body: string; deleted: boolean };
  canDelete: boolean;
}) {
  if (comment.deleted) return <p class="comment-body muted">Comment removed.</p>;
  return (
    <>
      <Markdown text={comment.body} class="comment-body" />
      {canDelete ? (
        <HtmxForm
          action={`/bugs/${bugId}/comments/${comment.id}/delete`}
          class="inline comment-delete"
          target="#comments"
        >
          <button type="submit" class="danger small">
            Delete comment
          </button>
        </HtmxForm>
      ) : null}
    </>
  );
}
