import type { DisclosureEvent } from '../../worker/db/disclosure';
import type { DisclosureKind } from '../../worker/db/schema';
import { ErrorSummary, type Errors, Field, HtmxForm } from '../components/form';
import { day } from '../components/format';

/** A report's coordinated disclosure as this viewer may see and act on it; computed by the route. */
export interface DisclosureView {
  bugId: number;
  isPrivate: boolean;
  /** UTC date (YYYY-MM-DD) it becomes public; null once public. */
  discloseAt: string | null;
  /** Today (UTC), for the countdown. */
  today: string;
  events: DisclosureEvent[];
  /** An owner who has not used the one extension (up to `maxDate`). */
  canExtend: boolean;
  /** Admins set any date. */
  canSetDate: boolean;
  /** The latest date an owner's extension may choose. */
  maxDate: string | null;
  /** The reporter (report fixed, or an owner consented) or an admin. */
  canPublish: boolean;
  /** Why the reporter may not publish yet, when they may not. */
  publishBlocked: string | null;
  /** An owner who has not consented yet. */
  canConsent: boolean;
  /** The form again after a refusal. */
  values?: { disclose_at?: string | undefined; reason?: string | undefined };
  errors?: Errors;
}

const EVENT_TEXT: Record<DisclosureKind, string> = {
  date_set: 'Disclosure date set to',
  extended: 'Disclosure extended to',
  consented: 'Owner agreed to early publication',
  published: 'Published',
};

/** Whole days from `today` to `date` (both UTC dates). */
export function daysUntil(date: string, today: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

function Countdown({ date, today }: { date: string; today: string }) {
  const n = daysUntil(date, today);
  return (
    <p class="countdown">
      Becomes public on <strong>{date}</strong> (UTC){' '}
      {n > 1 ? `— in ${n} days.` : n === 1 ? '— tomorrow.' : '— at the next daily run (03:00 UTC).'}
    </p>
  );
}

/** The disclosure timeline, countdown and the viewer's actions (new part of the bug page). */
export function DisclosurePanel(props: { view: DisclosureView }) {
  const v = props.view;
  const errors = v.errors ?? {};
  const dateValue = v.values?.disclose_at ?? v.maxDate ?? v.discloseAt ?? '';
  // A date field cannot hold what is not a date: a refused value is shown as the text it was.
  const isDate = /^\d{4}-\d{2}-\d{2}$/.test(dateValue) || dateValue === '';
  return (
    <section class="disclosure" id="disclosure" aria-labelledby="disclosure-heading">
      <h2 id="disclosure-heading">Disclosure</h2>
      {v.isPrivate && v.discloseAt ? <Countdown date={v.discloseAt} today={v.today} /> : null}
      {v.isPrivate && !v.discloseAt ? <p>No disclosure date: spam and duplicates are never published.</p> : null}
      <ol class="timeline">
        {v.events.map((e) => (
          <li>
            <span>
              {EVENT_TEXT[e.kind]}
              {e.kind === 'date_set' || e.kind === 'extended' ? ` ${e.disclose_at}` : ''}
            </span>{' '}
            <span class="muted">
              on {day(e.created_at)} {e.username ? `by ${e.username}` : '(automatically)'}
            </span>
            {e.reason ? <p class="note">{e.reason}</p> : null}
          </li>
        ))}
        {v.events.length === 0 ? <li class="muted">Filed private; nothing changed since.</li> : null}
      </ol>
      {v.errors && !v.canExtend && !v.canSetDate ? <ErrorSummary errors={v.errors} /> : null}
      {v.canExtend || v.canSetDate ? (
        <HtmxForm action={`/bugs/${v.bugId}/disclosure`} target="#disclosure" errors={v.errors}>
          <Field
            name="disclose_at"
            label={v.canSetDate ? 'New disclosure date (UTC)' : 'Extend to (UTC, once, at most 30 days later)'}
            type={isDate ? 'date' : 'text'}
            hint="YYYY-MM-DD"
            errors={errors}
            required
            min={v.canSetDate || !isDate ? undefined : (v.discloseAt ?? undefined)}
            max={v.canSetDate || !isDate ? undefined : (v.maxDate ?? undefined)}
            value={dateValue}
          />
          <Field
            as="textarea"
            name="reason"
            label="Reason (shown on this timeline)"
            errors={errors}
            required
            maxlength={1000}
            rows={2}
          >
            {v.values?.reason ?? ''}
          </Field>
          <button type="submit">{v.canSetDate ? 'Set date' : 'Extend'}</button>
        </HtmxForm>
      ) : null}
      {v.canConsent ? (
        <HtmxForm action={`/bugs/${v.bugId}/publish`} target="#disclosure" class="inline">
          <button type="submit">Agree to publish now</button>
        </HtmxForm>
      ) : null}
      {v.canPublish ? (
        <HtmxForm action={`/bugs/${v.bugId}/publish`} target="#bug" class="inline">
          <button type="submit">Publish now</button>
        </HtmxForm>
      ) : v.publishBlocked ? (
        <p class="muted">{v.publishBlocked}</p>
      ) : null}
    </section>
  );
}
