import { FLAG_REASONS, type FlagReason, type State } from '../../worker/db/schema';
import type { LinkedBug } from '../../worker/db/states';
import { NEXT_STATE } from '../../worker/lib/states';
import { ErrorSummary, type Errors, Field, FormToken, HtmxForm, Options } from '../components/form';
import { STATE_NAMES } from '../components/format';

/** Where a report is in its life and what this viewer may do about it; computed by the route. */
export interface LifecycleView {
  state: State;
  /** The original when this is a duplicate (null when there is none, or the viewer may not see it). */
  original: LinkedBug | null;
  /** Reports marked duplicates of this one that the viewer may see. */
  duplicates: LinkedBug[];
  /** States the viewer may move the report to (the form's choices), spam excluded: it has its own step. */
  moves: State[];
  /** Where a reopen would go, when the viewer may reopen (undo spam is a reopen). */
  reopenTo: State | null;
  canMarkSpam: boolean;
  /** Admin (and, after issue 13, owners): the full state form. Otherwise reporter buttons only. */
  manages: boolean;
  /** Signed in, not the reporter: may flag; `flagged` once they have. */
  canFlag: boolean;
  flagged: boolean;
  /** The state form again after a refusal: what was sent and why. */
  values?: { state?: string | undefined; note?: string | undefined; duplicate_of?: string | undefined };
  errors?: Errors;
}

const FLAG_REASON_NAMES: Record<FlagReason, string> = {
  spam: 'Spam or advertising',
  fake: 'Not a real bug / made up',
  abusive: 'Abusive or offensive',
  personal_data: 'Exposes personal data',
  other: 'Something else',
};

function OneButton(props: { bugId: number; state: State; label: string; note?: boolean; cls?: string }) {
  return (
    <HtmxForm action={`/bugs/${props.bugId}/state`} target="#bug" class="inline">
      <input type="hidden" name="state" value={props.state} />
      {props.note ? (
        <label>
          Why (optional) <input type="text" name="note" maxlength={2000} />
        </label>
      ) : null}
      <button type="submit" class={props.cls ?? 'secondary'}>
        {props.label}
      </button>
    </HtmxForm>
  );
}

/** "Flag as suspicious": a reason from a short list, once per user. */
export function FlagControl({ bugId, flagged, error }: { bugId: number; flagged: boolean; error?: string }) {
  if (flagged) {
    return (
      <p class="flag muted" id="flag">
        You flagged this report as suspicious; an admin will look at it.
      </p>
    );
  }
  return (
    <details class="flag" id="flag" open={error ? true : undefined}>
      <summary class="flag-toggle">Flag as suspicious</summary>
      <HtmxForm action={`/bugs/${bugId}/flag`} target="#flag" errors={error ? { reason: error } : undefined}>
        <Field as="select" name="reason" id="flag-reason" label="What is wrong with it?" errors={{}} required>
          <option value="">Choose a reason</option>
          <Options values={FLAG_REASONS} names={FLAG_REASON_NAMES} selected={undefined} />
        </Field>
        <button type="submit" class="secondary">
          Flag report
        </button>
      </HtmxForm>
    </details>
  );
}

/**
 * The report's state, its duplicate links, and the controls this viewer has: the state form
 * (admins), "withdraw" / "ask for a retest" / "reopen" buttons (the reporter), "Mark as
 * spam…" (a link to the confirm step, which htmx swaps in here), and the flag control.
 */
export function StatePanel({ bugId, life }: { bugId: number; life: LifecycleView }) {
  const values = life.values ?? {};
  const errors = life.errors ?? {};
  return (
    <section class="state-panel" id="state-panel" aria-label="State">
      {life.original ? (
        <p class="state-line">
          Duplicate of <a href={`/bugs/${life.original.id}`}>#{life.original.id}</a> {life.original.title}
        </p>
      ) : null}
      {life.duplicates.length > 0 ? (
        <div class="duplicates">
          <h2 id="duplicates-heading">Duplicates of this report ({life.duplicates.length})</h2>
          <ul aria-labelledby="duplicates-heading">
            {life.duplicates.map((d) => (
              <li>
                <a href={`/bugs/${d.id}`}>#{d.id}</a> {d.title}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {life.manages && life.moves.length > 0 ? (
        <HtmxForm action={`/bugs/${bugId}/state`} target="#bug" class="state-form" errors={errors} novalidate>
          <Field as="select" name="state" label="Move to" errors={errors}>
            <Options values={life.moves} names={STATE_NAMES} selected={values.state ?? NEXT_STATE[life.state]} />
          </Field>
          <Field
            name="duplicate_of"
            label="Duplicate of report number"
            hint="Only for Duplicate: a report on the same site."
            errors={errors}
            inputmode="numeric"
            value={values.duplicate_of ?? ''}
          />
          <Field as="textarea" name="note" label="Note (optional)" errors={errors} rows={2} maxlength={2000}>
            {values.note ?? ''}
          </Field>
          <button type="submit">Change state</button>
        </HtmxForm>
      ) : null}
      {!life.manages && life.moves.length > 0 ? (
        <div class="bug-actions">
          {life.moves.includes('closed') ? <OneButton bugId={bugId} state="closed" label="Withdraw report" /> : null}
          {life.moves.includes('accepted') && life.state === 'fixed' ? (
            <OneButton bugId={bugId} state="accepted" label="Ask for a retest" note />
          ) : null}
        </div>
      ) : null}
      {life.reopenTo || life.canMarkSpam ? (
        <div class="bug-actions">
          {life.reopenTo ? (
            <OneButton
              bugId={bugId}
              state={life.reopenTo}
              label={
                life.state === 'spam'
                  ? `Undo spam (back to ${STATE_NAMES[life.reopenTo]})`
                  : `Reopen (back to ${STATE_NAMES[life.reopenTo]})`
              }
            />
          ) : null}
          {life.canMarkSpam ? (
            <a
              class="button danger"
              href={`/bugs/${bugId}/spam`}
              data-hx-get={`/bugs/${bugId}/spam`}
              data-hx-target="#state-panel"
              data-hx-swap="outerHTML"
            >
              Mark as spam…
            </a>
          ) : null}
        </div>
      ) : null}
      {life.canFlag ? <FlagControl bugId={bugId} flagged={life.flagged} /> : null}
    </section>
  );
}

/**
 * "Mark as spam?": the confirm step. A page of its own without JS; with htmx it replaces the
 * state panel in place (`inPlace`), and confirming swaps the whole report.
 */
export function SpamConfirm(props: { bugId: number; title: string; inPlace: boolean; errors?: Errors }) {
  const action = `/bugs/${props.bugId}/state`;
  const fields = (
    <>
      <input type="hidden" name="state" value="spam" />
      <label for="spam-note">Note (optional)</label>
      <input type="text" id="spam-note" name="note" maxlength={2000} />
      <p class="bug-actions">
        <button type="submit" class="danger">
          Yes, mark as spam
        </button>{' '}
        <a href={`/bugs/${props.bugId}`}>Cancel</a>
      </p>
    </>
  );
  return (
    <section class="state-panel spam-confirm" id="state-panel" aria-labelledby="spam-heading">
      {props.inPlace ? (
        <h2 id="spam-heading">Mark this report as spam?</h2>
      ) : (
        <h1 id="spam-heading">Mark “{props.title}” as spam?</h1>
      )}
      <p>
        It disappears from every list and count, and the reporter loses the points it earned. An admin can undo it
        later, which gives the points back.
      </p>
      {props.inPlace ? (
        <HtmxForm action={action} target="#bug" errors={props.errors}>
          {fields}
        </HtmxForm>
      ) : (
        <form method="post" action={action}>
          <FormToken />
          {props.errors ? <ErrorSummary errors={props.errors} /> : null}
          {fields}
        </form>
      )}
    </section>
  );
}
