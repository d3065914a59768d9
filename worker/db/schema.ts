import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * Kysely's view of D1. It mirrors migrations/*.sql by hand; tests/schema.test.ts applies the
 * migrations and fails when a table or column here is missing there, or has another type.
 */
export interface Database {
  users: UsersTable;
  domains: DomainsTable;
  bugs: BugsTable;
  upvotes: UpvotesTable;
  comments: CommentsTable;
  points: PointsTable;
  user_scores: UserScoresTable;
  login_attempts: LoginAttemptsTable;
  bug_counts: BugCountsTable;
  bug_totals: BugTotalsTable;
  site_totals: SiteTotalsTable;
  domain_reporters: DomainReportersTable;
  search_terms: SearchTermsTable;
  bugs_fts: BugsFtsTable;
  write_limits: WriteLimitsTable;
  recent_posts: RecentPostsTable;
  metrics_hourly: MetricsHourlyTable;
  screenshots: ScreenshotsTable;
  bug_revisions: BugRevisionsTable;
  bug_events: BugEventsTable;
  bug_flags: BugFlagsTable;
  email_tokens: EmailTokensTable;
  outbox: OutboxTable;
  api_tokens: ApiTokensTable;
  domain_scores: DomainScoresTable;
  domain_score_buckets: DomainScoreBucketsTable;
  domain_contacts: DomainContactsTable;
  disclosure_events: DisclosureEventsTable;
  domain_owners: DomainOwnersTable;
  domain_claims: DomainClaimsTable;
  notifications: NotificationsTable;
}

/** ISO-8601 UTC text; D1 fills it in on insert. */
type Timestamp = ColumnType<string, string | undefined, string>;

export const LABELS = [
  'general',
  'number_error',
  'functional',
  'performance',
  'security',
  'typo',
  'design',
  'server_down',
  'trademark_squatting',
] as const;
export type Label = (typeof LABELS)[number];

export const SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['open', 'closed', 'spam'] as const;
export type Status = (typeof STATUSES)[number];

/** A report's life (migrations/0007_report_states.sql, worker/lib/states.ts). */
export const STATES = [
  'new',
  'triaged',
  'accepted',
  'fixed',
  'closed',
  'duplicate',
  'wont_fix',
  'informative',
  'spam',
] as const;
export type State = (typeof STATES)[number];

export const FLAG_REASONS = ['spam', 'fake', 'abusive', 'personal_data', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export const NOTIFY_EMAIL = ['off', 'instant', 'daily'] as const;
export type NotifyEmail = (typeof NOTIFY_EMAIL)[number];

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  password_hash: string;
  role: ColumnType<Role, Role | undefined, Role>;
  session_version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  /** Random, carried in the session token; null only for rows inserted by hand (never signed in). */
  session_key: string | null;
  /** Confusable skeleton of the username (worker/lib/username.ts), unique; null for old look-alikes. */
  username_skeleton: string | null;
  /** When a link mailed to the address was used; null until then (login says so and resends). */
  email_verified_at: string | null;
  /** When the account was deleted; the row stays as a "deleted user" tombstone (worker/db/accounts.ts). */
  deleted_at: string | null;
  /** Mail for notifications: off, instant (one per event), daily (the disclosure issue's digest). */
  notify_email: ColumnType<NotifyEmail, NotifyEmail | undefined, NotifyEmail>;
}

export interface DomainsTable {
  id: Generated<number>;
  hostname: string;
  has_public_bugs: ColumnType<0 | 1, 0 | 1 | undefined, 0 | 1>;
  created_at: Timestamp;
}

export interface BugsTable {
  id: Generated<number>;
  user_id: number | null;
  domain_id: number;
  url: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  label: ColumnType<Label, Label | undefined, Label>;
  severity: ColumnType<Severity, Severity | undefined, Severity>;
  status: ColumnType<Status, Status | undefined, Status>;
  is_hidden: ColumnType<0 | 1, 0 | 1 | undefined, 0 | 1>;
  upvotes: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: string | null;
  closed_by: number | null;
  /** Last edit (issue 11), null when never edited. */
  edited_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The report's state; `status` follows it in the same batch (worker/lib/states.ts statusOf). */
  state: ColumnType<State, State | undefined, State>;
  /** The original, when state is 'duplicate': another report on the same domain. */
  duplicate_of: ColumnType<number | null, number | null | undefined, number | null>;
  /** First answer (a move out of 'new', not spam nor a withdrawal) and first 'fixed' (worker/db/scorecards.ts). */
  first_triaged_at: ColumnType<string | null, string | null | undefined, string | null>;
  first_fixed_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** UTC date (YYYY-MM-DD) a private report is published; null for public reports (worker/db/disclosure.ts). */
  disclose_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** When an owner used their one extension of the disclosure date. */
  disclosure_extended_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface UpvotesTable {
  bug_id: number;
  user_id: number;
  created_at: Timestamp;
}

export interface CommentsTable {
  id: Generated<number>;
  bug_id: number;
  user_id: number;
  body: string;
  created_at: Timestamp;
  /** Set when its author or an admin removed it; the body is then a placeholder. */
  deleted_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PointsTable {
  id: Generated<number>;
  user_id: number;
  bug_id: number | null;
  domain_id: number | null;
  score: number;
  reason: string;
  created_at: Timestamp;
  /**
   * The month (YYYY-MM) this row counts in: the month of created_at, except a take-back, which
   * counts in its report's month. A trigger fills it from created_at when an insert leaves it out.
   */
  period: ColumnType<string | null, string | undefined, string>;
  /** Which award the row belongs to ('reported', 'domain', 'accepted', 'fixed'); take-backs carry it too. */
  award: ColumnType<string | null, string | null | undefined, string | null>;
  /** The timeline event that booked it (outcomes, take-backs, restorations). */
  event_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface UserScoresTable {
  user_id: number;
  period: string;
  score: ColumnType<number, number | undefined, number>;
  /** Reports in this period, so a leaderboard page needs no count over bugs. */
  bugs: ColumnType<number, number | undefined, number>;
}

/** One login attempt (reserved before hashing; deleted when the password was right). */
export interface LoginAttemptsTable {
  id: Generated<number>;
  /** 'u:<users.id>', or 'n:<typed name, lower case>' when no account matches. */
  account: string;
  ip: string;
  created_at: Timestamp;
}

/** Public bugs per creation day (YYYY-MM-DD), label and status; see worker/db/counters.ts. */
export interface BugCountsTable {
  day: string;
  label: Label;
  status: 'open' | 'closed';
  n: number;
}

/** bug_counts summed over every day, per label and status: 18 rows, kept by triggers (migration 0012). */
export interface BugTotalsTable {
  label: Label;
  status: 'open' | 'closed';
  n: number;
}

/** Public, non-spam reports per (domain, signed-in reporter), kept by triggers on bugs (migration 0013). */
export interface DomainReportersTable {
  domain_id: number;
  user_id: number;
  bugs: number;
}

/** Site-wide counts kept by triggers (migration 0012): `public_domains` = domains with a public bug. */
export interface SiteTotalsTable {
  name: 'public_domains';
  n: number;
}

/** Every folded title word of 4+ characters ever indexed: long search words expand to these (worker/db/search.ts). */
export interface SearchTermsTable {
  term: string;
}

/** FTS5 index over bugs.title (virtual, kept by triggers; rowid = bugs.id). Query with MATCH. */
export interface BugsFtsTable {
  rowid: number;
  title: string;
}

/** Hourly write counters (worker/db/limits.ts); `count <= max_count` is a CHECK. */
export interface WriteLimitsTable {
  bucket: string;
  window_start: number;
  count: number;
  max_count: number;
}

/** Reports and comments of the last minute by key (worker/db/dedupe.ts); created_at in ms. */
export interface RecentPostsTable {
  key: string;
  target_id: number;
  created_at: number;
}

/** Hourly metric totals (worker/lib/metrics.ts); hour is 'YYYY-MM-DDTHH' UTC. */
export interface MetricsHourlyTable {
  hour: string;
  metric: string;
  label: string;
  count: number;
  total: number;
}

/** The MIME types a screenshot may have: sniffed from its bytes (worker/lib/images.ts). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** A stored screenshot: its bytes are in R2 under `key` (worker/db/screenshots.ts). */
export interface ScreenshotsTable {
  id: Generated<number>;
  bug_id: number;
  key: string;
  type: ImageType;
  width: number;
  height: number;
  bytes: number;
  created_at: string;
}

/** The values one edit of a report replaced, with who edited and when (worker/db/revisions.ts). */
export interface BugRevisionsTable {
  id: Generated<number>;
  bug_id: number;
  user_id: number | null;
  created_at: string;
  url: string;
  title: string;
  description: string;
  label: Label;
  severity: Severity;
}

/** One change on a report's timeline (who, when, from → to, note). */
export interface BugEventsTable {
  id: Generated<number>;
  bug_id: number;
  user_id: number | null;
  kind: 'state_changed' | 'retest_requested' | 'withdrawn' | 'reopened';
  from_state: State;
  to_state: State;
  note: ColumnType<string, string | undefined, string>;
  duplicate_of: number | null;
  created_at: Timestamp;
}

/** A signed-in user's "this report looks suspicious", once per user and report; admins resolve it. */
export interface BugFlagsTable {
  id: Generated<number>;
  bug_id: number;
  user_id: number;
  reason: FlagReason;
  created_at: Timestamp;
  resolved_at: string | null;
  resolved_by: number | null;
  resolution: 'kept' | 'spam' | null;
}

export const TOKEN_PURPOSES = ['verify', 'reset', 'change_email'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** One-use mailed links (worker/db/tokens.ts): only the SHA-256 of the token, as hex. */
export interface EmailTokensTable {
  token_hash: string;
  user_id: number;
  purpose: TokenPurpose;
  /** The address the link went to (for 'change_email', the new address). */
  email: string;
  created_at: Timestamp;
  expires_at: string;
  used_at: string | null;
}

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** The transactional outbox (worker/db/outbox.ts): written with the change that causes the mail. */
export interface OutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  /** The lease of the consumer sending it now; null when nobody is. */
  locked_until: string | null;
  created_at: Timestamp;
  sent_at: string | null;
}

/** How an owner came to own a domain: a verified claim (dns, file) or added by an admin/owner. */
export type OwnerMethod = 'dns' | 'file' | 'added';

/** Who runs a domain (worker/db/owners.ts): sees every report on it and moves its states. */
export interface DomainOwnersTable {
  domain_id: number;
  user_id: number;
  /** The admin or owner who added them; null when they proved control themselves. */
  added_by: number | null;
  method: ColumnType<OwnerMethod, OwnerMethod | undefined, OwnerMethod>;
  created_at: Timestamp;
}

/** A user's pending or verified claim on a domain: the token they publish, valid 7 days. */
export interface DomainClaimsTable {
  domain_id: number;
  user_id: number;
  token: string;
  created_at: Timestamp;
  expires_at: string;
  /** How the claim was proved (set with verified_at). */
  method: 'dns' | 'file' | null;
  verified_at: string | null;
}

/**
 * One in-app notification (worker/db/notifications.ts). `kind` is a short lower-case word
 * (NOTIFICATION_KINDS lists the ones this code writes); the rest is rendered when read.
 */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  kind: string;
  bug_id: number | null;
  domain_id: number | null;
  /** Who caused it (null: a script, the system, or an anonymous reporter). */
  actor_id: number | null;
  from_state: State | null;
  to_state: State | null;
  summary: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  read_at: string | null;
}

export type Domain = Selectable<DomainsTable>;
export type Bug = Selectable<BugsTable>;
export type Comment = Selectable<CommentsTable>;

export const API_SCOPES = ['read', 'report', 'comment', 'triage'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Personal API tokens (migrations/0011_api_tokens.sql); only the token's SHA-256 is stored. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  /** Space-separated API_SCOPES. */
  scopes: string;
  created_at: Timestamp;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A domain's scorecard counters (public, non-spam reports only; worker/db/scorecards.ts). */
export interface DomainScoresTable {
  domain_id: number;
  reports: ColumnType<number, number | undefined, number>;
  triaged: ColumnType<number, number | undefined, number>;
  triaged_week: ColumnType<number, number | undefined, number>;
  fixed: ColumnType<number, number | undefined, number>;
  /** Per mille of reports answered within a week; null under 3 reports (off the board). */
  board_score: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Histogram cells of time to first triage / to fix (worker/lib/scorecard.ts BUCKET_HOURS). */
export interface DomainScoreBucketsTable {
  domain_id: number;
  kind: 'triage' | 'fix';
  bucket: number;
  n: ColumnType<number, number | undefined, number>;
}

export const CONTACT_STATUSES = ['pending', 'found', 'not_found', 'expired', 'invalid'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** What the security.txt look-up found for a domain, and when its contact was last told. */
export interface DomainContactsTable {
  domain_id: number;
  status: ColumnType<ContactStatus, ContactStatus | undefined, ContactStatus>;
  contact: string | null;
  requested_at: string;
  checked_at: string | null;
  notified_at: string | null;
  notified_through: ColumnType<number, number | undefined, number>;
}

export const DISCLOSURE_KINDS = ['date_set', 'extended', 'consented', 'published'] as const;
export type DisclosureKind = (typeof DISCLOSURE_KINDS)[number];

/** A report's disclosure timeline (worker/db/disclosure.ts). */
export interface DisclosureEventsTable {
  id: Generated<number>;
  bug_id: number;
  user_id: number | null;
  kind: DisclosureKind;
  disclose_at: string | null;
  reason: ColumnType<string, string | undefined, string>;
  created_at: string;
}
