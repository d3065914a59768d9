import { z } from 'zod';
import { CONTACT_STATUSES, LABELS, SEVERITIES, STATES } from '../db/schema';

/**
 * The JSON answers of the documented operations (lib/openapi.ts), as zod schemas: the OpenAPI
 * document is generated from them, and tests/openapi.test.ts checks every real answer against
 * the document. Objects are strict (no unlisted keys), so a field added to an answer must be
 * added here too, where clients read about it.
 */

const isoTime = z.string().describe('ISO-8601 UTC time');
const cursor = z.string().nullable().describe('Opaque cursor for the next page; null on the last page');

export const BugListItemSchema = z.object({
  id: z.int(),
  title: z.string(),
  url: z.string(),
  label: z.enum(LABELS),
  severity: z.enum(SEVERITIES),
  status: z.enum(['open', 'closed', 'spam']),
  state: z.enum(STATES),
  is_hidden: z.union([z.literal(0), z.literal(1)]),
  upvotes: z.int(),
  created_at: isoTime,
  hostname: z.string(),
  username: z.string().nullable(),
});

export const ScreenshotSchema = z.object({
  url: z.string(),
  width: z.int(),
  height: z.int(),
  type: z.string(),
});

export const TimelineEventSchema = z.object({
  id: z.int(),
  kind: z.enum(['state_changed', 'retest_requested', 'withdrawn', 'reopened']),
  from_state: z.enum(STATES),
  to_state: z.enum(STATES),
  note: z.string(),
  duplicate_of: z.int().nullable(),
  created_at: isoTime,
  username: z.string().nullable(),
});

export const BugDetailSchema = BugListItemSchema.extend({
  description: z.string(),
  user_id: z.int().nullable(),
  domain_id: z.int(),
  updated_at: isoTime,
  closed_at: isoTime.nullable(),
  closed_by: z.int().nullable(),
  closed_by_username: z.string().nullable(),
  edited_at: isoTime.nullable(),
  duplicate_of: z.int().nullable(),
  screenshots: z.array(ScreenshotSchema),
});

export const CommentSchema = z.object({
  id: z.int(),
  body: z.string(),
  created_at: isoTime,
  username: z.string(),
  user_id: z.int(),
  deleted_at: isoTime.nullable(),
});

const commentsPage = {
  comments: z.array(CommentSchema),
  comments_total: z.int(),
  comments_older: cursor,
  comments_newer: cursor,
};

export const BugListResponse = z.object({ bugs: z.array(BugListItemSchema), next: cursor });
export const BugResponse = z.object({
  bug: BugDetailSchema.extend({ timeline: z.array(TimelineEventSchema) }),
  ...commentsPage,
});
export const CommentsResponse = z.object(commentsPage);
export const NewBugResponse = z.object({ bug: BugDetailSchema });
export const PreviewResponse = z.object({ preview: z.string().describe('The text rendered as HTML') });
export const NewCommentResponse = z.object({ comment: CommentSchema });
export const SimilarResponse = z.object({
  hostname: z.string().nullable(),
  bugs: z.array(BugListItemSchema),
  title_matches: z.array(BugListItemSchema),
});
export const UpvoteResponse = z.object({ upvoted: z.boolean(), upvotes: z.int() });
export const StatusResponse = z.object({ id: z.int(), status: z.enum(['open', 'closed', 'spam']) });
export const StateResponse = z.object({
  bug: BugDetailSchema.omit({ screenshots: true }).extend({ timeline: z.array(TimelineEventSchema) }),
});
export const FlagResponse = z.object({ bug_id: z.int(), flagged: z.literal(true), created: z.boolean() });
export const RemovedResponse = z.object({ removed: z.literal(true) });
export const CommentRemovedResponse = z.object({ id: z.int(), removed: z.literal(true) });
export const EditResponse = z.object({ bug: BugDetailSchema.omit({ screenshots: true }), changed: z.boolean() });
export const HistoryResponse = z.object({
  id: z.int(),
  edited_at: isoTime.nullable(),
  revisions: z.array(
    z.object({
      id: z.int(),
      created_at: isoTime,
      username: z.string().nullable(),
      url: z.string(),
      title: z.string(),
      description: z.string(),
      label: z.enum(LABELS),
      severity: z.enum(SEVERITIES),
    }),
  ),
});
export const LeaderboardResponse = z.object({
  period: z.string().describe('"all" or YYYY-MM'),
  leaders: z.array(z.object({ rank: z.int(), username: z.string(), points: z.int(), bugs: z.int() })),
  next: cursor,
});
export const StatsResponse = z.object({
  total: z.int(),
  open: z.int(),
  closed: z.int(),
  domains: z.int(),
  per_day: z.array(z.object({ day: z.string(), count: z.int() })),
  by_label: z.array(z.object({ label: z.enum(LABELS), count: z.int() })),
});
export const ProfileResponse = z.object({
  username: z.string(),
  joined: isoTime,
  points: z.object({ all: z.int(), month: z.int(), period: z.string() }),
  rank: z.object({
    all: z.int().nullable(),
    month: z.int().nullable(),
    /** True: the rank is a lower bound (more than RANK_CAP users above; "#1001+" on the page). */
    capped: z.object({ all: z.boolean(), month: z.boolean() }),
  }),
  bugs: z.array(BugListItemSchema),
  next: cursor,
  history: z.array(z.looseObject({ score: z.int(), reason: z.string(), created_at: isoTime })),
});
/** A median read from histogram buckets: the hours it lies between (high null: longer than low). */
const bucketMedian = z.object({ bucket_low_hours: z.number(), bucket_high_hours: z.number().nullable() }).nullable();

export const DomainResponse = z.object({
  hostname: z.string(),
  open: z.array(BugListItemSchema),
  closed: z.array(BugListItemSchema),
  top_reporters: z.array(z.looseObject({ username: z.string() })),
  scorecard: z.object({
    public_reports: z.int(),
    fixed: z.int(),
    triaged: z.int(),
    median_first_triage: bucketMedian,
    median_fix: bucketMedian,
    medians: z.literal('estimated from histogram buckets'),
    claimed: z.boolean(),
    security_txt: z.enum([...CONTACT_STATUSES, 'not_checked']),
    owner_notified_at: isoTime.nullable(),
  }),
});
export const MeResponse = z.object({
  username: z.string(),
  points: z.int(),
  role: z.enum(['user', 'admin']),
  email_verified: z.boolean(),
  unread_notifications: z.int(),
});
export const HealthResponse = z.object({ status: z.literal('ok'), d1: z.literal('ok'), d1_ms: z.number() });
export const FlagResolvedResponse = z.object({ bug_id: z.int(), resolution: z.enum(['kept', 'spam']) });

// ——— Domain owners (issue 13): claims, owners, /owned, the triage console ———

const claimDetail = z.object({
  token: z.string(),
  expires_at: isoTime,
  expired: z.boolean(),
  dns: z.object({ name: z.string(), type: z.literal('TXT'), value: z.string() }),
  file: z.object({ url: z.string(), first_line: z.string() }),
});
export const ClaimResponse = z.object({
  hostname: z.string(),
  owner: z.boolean().describe('Whether the caller already owns the domain'),
  claim: claimDetail.nullable().describe("The caller's unverified claim, with where to put the token"),
});
export const ClaimedResponse = z.object({
  hostname: z.string(),
  owner: z.literal(true),
  method: z.enum(['dns', 'file']),
});
export const OwnersResponse = z.object({
  hostname: z.string(),
  owners: z.array(
    z.object({
      user_id: z.int(),
      username: z.string(),
      method: z.enum(['dns', 'file', 'added']),
      added_by_username: z.string().nullable(),
      created_at: isoTime,
    }),
  ),
});
export const OwnerAddedResponse = z.object({
  hostname: z.string(),
  username: z.string(),
  added: z.boolean().describe('false when they already were an owner (then 200, not 201)'),
});
export const OwnerRemovedResponse = z.object({
  hostname: z.string(),
  username: z.string(),
  removed: z.boolean().describe('false when they were not an owner'),
});
export const OwnedResponse = z.object({
  domains: z.array(
    z.object({ id: z.int(), hostname: z.string(), open: z.int().describe('Open reports, private ones included') }),
  ),
});
export const TriageRowSchema = z.object({
  id: z.int(),
  title: z.string(),
  state: z.enum(STATES),
  label: z.enum(LABELS),
  severity: z.enum(SEVERITIES),
  is_hidden: z.union([z.literal(0), z.literal(1)]),
  user_id: z.int().nullable(),
  closed_by: z.int().nullable(),
  created_at: isoTime,
  username: z.string().nullable(),
});
export const TriageResponse = z.object({
  hostname: z.string(),
  counts: z.partialRecord(z.enum(STATES), z.int()).describe('Reports per state, private ones included'),
  reports: z.array(TriageRowSchema),
  next: cursor,
});
export const TriageMoveResponse = z.object({ report: TriageRowSchema });

// ——— Notifications (issue 13) ———

export const NotificationSchema = z.object({
  id: z.int(),
  kind: z.string().describe('state_changed, comment, new_report, owner_added, …'),
  bug_id: z.int().nullable(),
  bug_title: z.string().nullable().describe('Only while the recipient may still see the report'),
  hostname: z.string().nullable(),
  actor: z.string().nullable(),
  from_state: z.enum(STATES).nullable(),
  to_state: z.enum(STATES).nullable(),
  summary: z.string(),
  created_at: isoTime,
  read_at: isoTime.nullable(),
});
export const NotificationsResponse = z.object({
  notifications: z.array(NotificationSchema),
  unread: z.int(),
  next: z.int().nullable().describe('Pass as `before` for the next page; null on the last page'),
});
export const NotificationsReadResponse = z.object({
  changed: z.int().describe('How many were unread and are now read'),
  unread: z.int(),
});
export const NotifyEmailResponse = z.object({ notify_email: z.enum(['off', 'instant', 'daily']) });

// ——— Disclosure and scorecards (issue 14) ———

export const DisclosureResponse = z.object({
  bug_id: z.int(),
  disclose_at: z.string().describe('YYYY-MM-DD (UTC)'),
  extended: z.boolean().describe("true for an owner's one extension, false for an admin's date"),
});
export const PublishResponse = z.union([
  z.object({ bug_id: z.int(), published: z.literal(true) }),
  z
    .object({ bug_id: z.int(), consented: z.literal(true) })
    .describe("An owner's consent: the reporter may now publish"),
]);
export const ResponsiveBoardResponse = z.object({
  domains: z.array(
    z.object({
      rank: z.int(),
      hostname: z.string(),
      reports: z.int(),
      fixed: z.int(),
      answered_within_week_permille: z.int(),
      median_first_triage: z
        .object({ bucket_low_hours: z.number(), bucket_high_hours: z.number().nullable() })
        .nullable(),
    }),
  ),
  medians: z.literal('estimated from histogram buckets'),
});

// --- Browser flows: documented (their JSON answers exist) but closed to API tokens -------------

export const FieldsResponse = z.object({ fields: z.array(z.string()).describe('The form fields this page posts') });
export const NewReportFormResponse = z.object({
  fields: z.array(z.string()),
  labels: z.array(z.enum(LABELS)),
  severities: z.array(z.enum(SEVERITIES)),
});
export const EditFormResponse = z.object({
  bug: z.object({
    url: z.string(),
    title: z.string(),
    description: z.string(),
    label: z.enum(LABELS),
    severity: z.enum(SEVERITIES),
  }),
  labels: z.array(z.enum(LABELS)),
  severities: z.array(z.enum(SEVERITIES)),
});
export const SpamConfirmResponse = z.object({
  bug_id: z.int(),
  confirm: z.object({ method: z.literal('POST'), action: z.string(), state: z.literal('spam') }),
});
export const CheckEmailResponse = z.object({ status: z.literal('check_email') });
export const SignedInResponse = z.object({
  user: z.object({ id: z.int(), username: z.string() }),
  next: z.string(),
});
export const SignedOutResponse = z.object({ signed_out: z.literal(true) });
export const LinkStateResponse = z.object({ state: z.enum(['valid', 'used', 'expired', 'unknown']) });
export const SettingsResponse = z.object({
  username: z.string(),
  email: z.string(),
  email_verified: z.boolean(),
  notify_email: z.enum(['off', 'instant', 'daily']),
});
export const ExportResponse = z.looseObject({
  account: z.looseObject({ username: z.string() }),
  reports: z.array(z.looseObject({ id: z.int() })),
  comments: z.array(z.looseObject({ id: z.int() })),
  points: z.array(z.looseObject({})),
  upvotes: z.array(z.looseObject({})),
});
export const DeletedResponse = z.object({ deleted: z.literal(true) });
export const TokenItemSchema = z.object({
  id: z.int(),
  name: z.string(),
  scopes: z.string().describe('Space-separated: read report comment triage'),
  created_at: isoTime,
  last_used_at: isoTime.nullable(),
});
export const TokensResponse = z.object({ tokens: z.array(TokenItemSchema) });
export const NewTokenResponse = z.object({
  token: z.string().describe('blt_ + 43 characters; shown only in this answer'),
  name: z.string(),
  scopes: z.array(z.enum(['read', 'report', 'comment', 'triage'])),
});
export const TokenRevokedResponse = z.object({ id: z.int(), revoked: z.literal(true) });
export const FlagQueueResponse = z.object({ flagged: z.array(z.looseObject({ id: z.int() })) });
export const MetricsResponse = z.looseObject({});
export const AdminOutboxResponse = z.object({
  messages: z.array(
    z.object({
      id: z.int(),
      to: z.string(),
      subject: z.string(),
      status: z.enum(['pending', 'sent', 'failed', 'dead']),
      attempts: z.int(),
      last_error: z.string().nullable(),
      created_at: isoTime,
    }),
  ),
});
export const DevOutboxResponse = z.object({
  messages: z.array(
    z.object({
      to: z.string(),
      subject: z.string(),
      text: z.string(),
      html: z.string(),
      created_at: isoTime,
      status: z.enum(['pending', 'sent', 'failed', 'dead']),
    }),
  ),
});
export const DeepHealthResponse = z.object({
  status: z.enum(['ok', 'fail']),
  checks: z.record(z.string(), z.looseObject({ ok: z.boolean() })),
});
