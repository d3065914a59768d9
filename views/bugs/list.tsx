import { type BugFilters, type BugListItem, STATUS_FILTERS } from '../../worker/db/bugs';
import { LABELS, SEVERITIES } from '../../worker/db/schema';
import { BugItem } from '../components/bug-item';
import { Options } from '../components/form';
import { LABEL_NAMES, SEVERITY_NAMES, STATUS_FILTER_NAMES } from '../components/format';

export interface BugListProps {
  rows: BugListItem[];
  /** URL of the next page for a plain link, and the same for htmx to append. */
  nextHref: string | null;
  nextFragmentHref: string | null;
  emptyText?: string;
  /** False on a reporter's own profile, where "by <name>" would repeat the page's title. */
  showReporter?: boolean;
}

/**
 * The rows of a list plus its "Older bugs" item. htmx swaps this whole fragment over the old
 * "Older bugs" item, which appends the next page in place; without JS it is a plain link.
 */
export function BugRows({ rows, nextHref, nextFragmentHref, emptyText, showReporter }: BugListProps) {
  return (
    <>
      {rows.map((bug) => (
        <BugItem bug={bug} showReporter={showReporter} />
      ))}
      {rows.length === 0 && emptyText ? <li class="empty">{emptyText}</li> : null}
      {nextHref ? (
        <li class="more">
          <a
            href={nextHref}
            data-hx-get={nextFragmentHref ?? nextHref}
            data-hx-target="closest li"
            data-hx-swap="outerHTML"
            rel="next"
            data-hx-indicator="closest li"
            data-hx-sync="this:drop"
          >
            Older bugs
          </a>
        </li>
      ) : null}
    </>
  );
}

export function BugList(props: BugListProps & { id?: string; label: string }) {
  return (
    <ol class="bug-list" id={props.id} aria-label={props.label}>
      <BugRows {...props} />
    </ol>
  );
}

function Select<T extends string>(props: {
  name: string;
  label: string;
  values: readonly T[];
  names: Record<T, string>;
  selected: string | undefined;
  any?: string;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        {props.any ? <option value="">{props.any}</option> : null}
        <Options values={props.values} names={props.names} selected={props.selected} />
      </select>
    </label>
  );
}

/** "Label: Security · Open only", or "all bugs": what the collapsed filter form says it is showing. */
export function describeFilters(f: BugFilters): string {
  const parts = [
    f.q ? `Search: “${f.q}”` : null,
    f.label ? `Label: ${LABEL_NAMES[f.label]}` : null,
    f.severity ? `Severity: ${SEVERITY_NAMES[f.severity]}` : null,
    f.status ? `${STATUS_FILTER_NAMES[f.status]} only` : null,
    f.domain ? `Domain: ${f.domain}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(' · ') : 'all bugs';
}

/** The summary line of the filter panel; an htmx filter swaps it out of band. */
function ActiveFilters({ filters, oob = false }: { filters: BugFilters; oob?: boolean }) {
  return (
    <span class="active-filters" id="active-filters" data-hx-swap-oob={oob ? 'true' : undefined}>
      {describeFilters(filters)}
    </span>
  );
}

/** What the htmx filter form gets back: the new rows, and the summary updated in place. */
export function BugResults(props: { filters: BugFilters } & BugListProps) {
  return (
    <>
      <ActiveFilters filters={props.filters} oob />
      <BugRows {...props} emptyText="No bugs match these filters." />
    </>
  );
}

/**
 * `/bugs`: the filter form and the first page of the list. The form sits in a `<details>`
 * whose summary names the active filters, so on a phone the list, not the form, fills the
 * first screen; it works the same without JS.
 */
export function BugsPage(props: { filters: BugFilters } & BugListProps) {
  const f = props.filters;
  return (
    <>
      <h1>Bugs</h1>
      <details class="filter-panel">
        <summary>
          <span class="filter-toggle">Filter</span> <span class="muted">Showing:</span> <ActiveFilters filters={f} />
        </summary>
        <form
          class="filters"
          method="get"
          action="/bugs"
          aria-label="Filter bugs"
          data-hx-get="/bugs"
          data-hx-target="#bug-list"
          data-hx-swap="innerHTML"
          data-hx-indicator="this, #bug-list"
          data-hx-disable="find button"
          data-hx-sync="this:replace"
        >
          <label class="wide">
            Search titles
            <input type="search" name="q" value={f.q ?? ''} maxlength={200} />
          </label>
          <Select name="label" label="Label" values={LABELS} names={LABEL_NAMES} selected={f.label} any="Any label" />
          <Select
            name="severity"
            label="Severity"
            values={SEVERITIES}
            names={SEVERITY_NAMES}
            selected={f.severity}
            any="Any severity"
          />
          <Select
            name="status"
            label="Status"
            values={STATUS_FILTERS}
            names={STATUS_FILTER_NAMES}
            selected={f.status}
            any="Any state"
          />
          <label>
            Domain
            <input type="text" name="domain" value={f.domain ?? ''} placeholder="example.com" maxlength={253} />
          </label>
          <button type="submit">Filter</button>
        </form>
      </details>
      <BugList id="bug-list" label="Bugs, newest first" {...props} emptyText="No bugs match these filters." />
    </>
  );
}
