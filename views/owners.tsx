import { type Cursor, encodeCursor } from '../worker/db/bugs';
import type { Claim, OwnedDomain, OwnerRow, TriageFilters, TriageRow } from '../worker/db/owners';
import { LABELS, SEVERITIES, STATES, type State } from '../worker/db/schema';
import { ErrorSummary, type Errors, Field, FormToken, HtmxForm, Options } from './components/form';
import { absolute, LABEL_NAMES, qs, SEVERITY_NAMES, STATE_NAMES } from './components/format';
import { UserName } from './components/user-name';
import { When } from './components/when';

/**
 * Domain owners' pages (README "Domain owners"): claiming a domain, its owners, the triage
 * console and /owned. Pure functions of their props, like every view.
 */

const enc = encodeURIComponent;

// ——— Claim ———

export interface ClaimView {
  hostname: string;
  claim: Claim | null;
  /** The claim is past its 7 days: a new token is needed. */
  expired: boolean;
  isOwner: boolean;
  errors?: Errors;
  /** The method last tried (kept selected after a failed check). */
  method?: string | undefined;
}

export function ClaimPage(v: ClaimView) {
  const h = v.hostname;
  return (
    <>
      <h1>Claim {h}</h1>
      {v.isOwner ? (
        <p class="notice" role="status">
          You own {h}. Open its <a href={`/domains/${enc(h)}/triage`}>triage console</a> or manage its{' '}
          <a href={`/domains/${enc(h)}/owners`}>owners</a>.
        </p>
      ) : null}
      <p>
        Prove that you run {h} and you will see every report on it, private ones included, and move them through triage.
        Publish the token below in one of two ways, then press the matching button.
      </p>
      {v.claim && !v.expired ? (
        <ClaimToken hostname={h} claim={v.claim} errors={v.errors ?? {}} method={v.method} />
      ) : (
        <form method="post" action={`/domains/${enc(h)}/claim/token`}>
          <FormToken />
          {v.expired ? <p>Your token for {h} has expired (tokens last 7 days).</p> : null}
          <button type="submit">{v.expired ? 'Get a new token' : 'Get a verification token'}</button>
        </form>
      )}
    </>
  );
}

function ClaimToken(p: { hostname: string; claim: Claim; errors: Errors; method?: string | undefined }) {
  const h = p.hostname;
  return (
    <div id="claim">
      <p>
        Your token (valid until <time datetime={p.claim.expires_at}>{absolute(p.claim.expires_at)}</time>):{' '}
        <code class="break">{p.claim.token}</code>
      </p>
      <ErrorSummary errors={p.errors} />
      <h2>Either: a DNS TXT record</h2>
      <p>
        Add a TXT record named <code class="break">_blt-verify.{h}</code> with the value{' '}
        <code class="break">blt-verify={p.claim.token}</code>. DNS changes can take a few minutes to show.
      </p>
      <form method="post" action={`/domains/${enc(h)}/claim`}>
        <FormToken />
        <input type="hidden" name="method" value="dns" />
        <button type="submit">Check the DNS record</button>
      </form>
      <h2>Or: a file on the site</h2>
      <p>
        Serve <code class="break">https://{h}/.well-known/blt-verify.txt</code> with the token as its first line.
      </p>
      <form method="post" action={`/domains/${enc(h)}/claim`}>
        <FormToken />
        <input type="hidden" name="method" value="file" />
        <button type="submit">Check the file</button>
      </form>
    </div>
  );
}

// ——— Owners ———

export interface OwnersView {
  hostname: string;
  owners: OwnerRow[];
  viewerId: number;
  admin: boolean;
  errors?: Errors;
  values?: { username?: string | undefined };
}

export function OwnersPage(v: OwnersView) {
  const h = v.hostname;
  const last = v.owners.length <= 1;
  return (
    <>
      <h1>Owners of {h}</h1>
      <p>
        <a href={`/domains/${enc(h)}/triage`}>Triage console</a> · <a href={`/domains/${enc(h)}/claim`}>Claim page</a>
      </p>
      {v.owners.length === 0 ? <p>Nobody owns {h} yet.</p> : null}
      <ul class="owner-list">
        {v.owners.map((o) => (
          <li>
            <UserName username={o.username} /> <span class="muted">{ownerHow(o)}</span>{' '}
            {!last || v.admin ? (
              <form method="post" action={`/domains/${enc(h)}/owners/remove`} class="inline">
                <FormToken />
                <input type="hidden" name="username" value={o.username} />
                <button type="submit" class="link">
                  {o.user_id === v.viewerId ? 'Leave' : `Remove ${o.username}`}
                </button>
              </form>
            ) : (
              <span class="muted">(the only owner: an admin can remove them)</span>
            )}
          </li>
        ))}
      </ul>
      <h2>Add an owner</h2>
      <form method="post" action={`/domains/${enc(h)}/owners`} class="auth-form" novalidate>
        <FormToken />
        <ErrorSummary errors={v.errors ?? {}} />
        <Field
          name="username"
          label="Username"
          type="text"
          errors={v.errors ?? {}}
          value={v.values?.username ?? ''}
          required
          maxlength={30}
          autocomplete="off"
        />
        <button type="submit">Add owner</button>
      </form>
    </>
  );
}

function ownerHow(o: OwnerRow): string {
  if (o.method === 'dns') return '(proved by DNS)';
  if (o.method === 'file') return '(proved by a file)';
  return o.added_by_username ? `(added by ${o.added_by_username})` : '(added)';
}

// ——— Owned ———

export function OwnedPage({ domains }: { domains: OwnedDomain[] }) {
  return (
    <>
      <h1>Your domains</h1>
      {domains.length === 0 ? (
        <p>
          You own no domain yet. To claim one, open <code>/domains/&lt;host&gt;/claim</code> — for example from a
          domain's page.
        </p>
      ) : (
        <ul class="owned-list">
          {domains.map((d) => (
            <li>
              <a href={`/domains/${enc(d.hostname)}/triage`}>{d.hostname}</a>{' '}
              <span class="muted">
                {shown(d.open)} open report{d.open === 1 ? '' : 's'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

// ——— Triage console ———

export interface TriageView {
  hostname: string;
  counts: Partial<Record<State, number>>;
  filters: TriageFilters;
  rows: TriageRowView[];
  next: Cursor | null;
}

/** A row and the moves the viewer may make on it (spam has its own step on the report page). */
export interface TriageRowView {
  row: TriageRow;
  moves: State[];
}

const MOVE_LABELS: Partial<Record<State, string>> = {
  new: 'Back to new',
  triaged: 'Triaged',
  accepted: 'Accept',
  fixed: 'Fixed',
  closed: 'Close',
  duplicate: 'Duplicate…',
  wont_fix: 'Won’t fix',
  informative: 'Informative',
};

/** A count as shown: a capped one (worker/db/owners.ts COUNT_CAP) reads "1000+". */
const shown = (n: number) => (n > 1000 ? '1000+' : String(n));

export function TriagePage(v: TriageView) {
  const h = v.hostname;
  const base = `/domains/${enc(h)}/triage`;
  const total = Object.values(v.counts).reduce((a, b) => a + (b ?? 0), 0);
  return (
    <>
      <h1>Triage: {h}</h1>
      <p>
        <a href={`/domains/${enc(h)}/owners`}>Owners</a> · <a href="/owned">Your domains</a>
      </p>
      <nav aria-label="Reports per state">
        <ul class="state-counts">
          <li>
            <a href={base} aria-current={v.filters.state ? undefined : 'page'}>
              All <span class="count">{shown(total)}</span>
            </a>
          </li>
          {STATES.map((s) => (
            <li>
              <a href={`${base}${qs({ state: s })}`} aria-current={v.filters.state === s ? 'page' : undefined}>
                {STATE_NAMES[s]} <span class="count">{shown(v.counts[s] ?? 0)}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <form method="get" action={base} class="filters triage-filters" aria-label="Filter reports">
        <label>
          State
          <select name="state">
            <option value="">Any state</option>
            <Options values={STATES} names={STATE_NAMES} selected={v.filters.state} />
          </select>
        </label>
        <label>
          Label
          <select name="label">
            <option value="">Any label</option>
            <Options values={LABELS} names={LABEL_NAMES} selected={v.filters.label} />
          </select>
        </label>
        <label>
          Severity
          <select name="severity">
            <option value="">Any severity</option>
            <Options values={SEVERITIES} names={SEVERITY_NAMES} selected={v.filters.severity} />
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ol class="bug-list triage-list" aria-label={`Reports on ${h}`} id="triage-list">
        <TriageRows hostname={h} rows={v.rows} next={v.next} filters={v.filters} />
      </ol>
    </>
  );
}

/** The rows of one page plus the "Older reports" item, which htmx replaces with the next page. */
export function TriageRows(p: {
  hostname: string;
  rows: TriageRowView[];
  next: Cursor | null;
  filters: TriageFilters;
}) {
  const next = p.next
    ? `/domains/${enc(p.hostname)}/triage${qs({ ...p.filters, before: encodeCursor(p.next) })}`
    : null;
  return (
    <>
      {p.rows.map((r) => (
        <TriageItem hostname={p.hostname} item={r} />
      ))}
      {p.rows.length === 0 ? <li class="empty">No reports here.</li> : null}
      {next ? (
        <li class="more">
          <a
            href={next}
            data-hx-get={next}
            data-hx-target="closest li"
            data-hx-swap="outerHTML"
            rel="next"
            data-hx-sync="this:drop"
          >
            Older reports
          </a>
        </li>
      ) : null}
    </>
  );
}

/** One report with its moves, one button each in one form: works without JS and swaps this row with htmx. */
export function TriageItem(p: { hostname: string; item: TriageRowView; error?: string | undefined }) {
  const { row, moves } = p.item;
  const id = `report-${row.id}`;
  return (
    <li class="bug-item triage-item" id={id}>
      <a class="bug-title" id={`${id}-title`} href={`/bugs/${row.id}`}>
        {row.title}
      </a>
      <p class="bug-meta">
        <span class={`tag state-${row.state}`}>{STATE_NAMES[row.state]}</span>
        <span class={`tag label-${row.label}`}>{LABEL_NAMES[row.label]}</span>
        {row.severity === 'none' ? null : (
          <span class={`tag sev-${row.severity}`}>Severity: {SEVERITY_NAMES[row.severity]}</span>
        )}
        {row.is_hidden ? <span class="tag private">Private</span> : null}
        <span>
          by <UserName username={row.username} />
        </span>
        <When iso={row.created_at} />
      </p>
      {p.error ? (
        <p class="field-error" role="alert">
          {p.error}
        </p>
      ) : null}
      {moves.length > 0 ? (
        // One form per report, one button per move (the button's name/value is the move), in a
        // fieldset (a group) named by the report's title, so each button is "Accept" in "<title>" without
        // repeating the title 7 times a row: the console shows 25 reports with up to 7 moves
        // each, and its bytes are most of its cost (ARCHITECTURE.md "One round trip per page").
        <HtmxForm action={`/domains/${enc(p.hostname)}/triage/${row.id}/state`} target={`#${id}`}>
          <fieldset class="triage-moves" aria-labelledby={`${id}-title`}>
            {moves.map((to) =>
              to === 'duplicate' ? (
                <a class="button" href={`/bugs/${row.id}#state-panel`}>
                  {MOVE_LABELS[to]}
                </a>
              ) : (
                <button type="submit" name="state" value={to}>
                  {MOVE_LABELS[to] ?? STATE_NAMES[to]}
                </button>
              ),
            )}
          </fieldset>
        </HtmxForm>
      ) : null}
    </li>
  );
}
