import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Database } from '../worker/db/schema';

type SqlType = 'INTEGER' | 'TEXT' | 'REAL';
/**
 * Every table and column of the Kysely interface with the SQLite type it must have. The mapped
 * type makes TypeScript reject this object if the interface gains or loses a column; the test
 * then makes D1 reject it if the migrations disagree.
 */
const expected: { [T in Exclude<keyof Database, 'bugs_fts'>]: { [C in keyof Database[T]]-?: SqlType } } = {
  users: {
    id: 'INTEGER',
    username: 'TEXT',
    email: 'TEXT',
    password_hash: 'TEXT',
    role: 'TEXT',
    session_version: 'INTEGER',
    created_at: 'TEXT',
    session_key: 'TEXT',
    username_skeleton: 'TEXT',
    email_verified_at: 'TEXT',
    deleted_at: 'TEXT',
    notify_email: 'TEXT',
  },
  domains: { id: 'INTEGER', hostname: 'TEXT', has_public_bugs: 'INTEGER', created_at: 'TEXT' },
  bug_totals: { label: 'TEXT', status: 'TEXT', n: 'INTEGER' },
  site_totals: { name: 'TEXT', n: 'INTEGER' },
  domain_reporters: { domain_id: 'INTEGER', user_id: 'INTEGER', bugs: 'INTEGER' },
  search_terms: { term: 'TEXT' },
  bugs: {
    id: 'INTEGER',
    user_id: 'INTEGER',
    domain_id: 'INTEGER',
    url: 'TEXT',
    title: 'TEXT',
    description: 'TEXT',
    label: 'TEXT',
    severity: 'TEXT',
    status: 'TEXT',
    is_hidden: 'INTEGER',
    upvotes: 'INTEGER',
    created_at: 'TEXT',
    updated_at: 'TEXT',
    closed_at: 'TEXT',
    closed_by: 'INTEGER',
    edited_at: 'TEXT',
    state: 'TEXT',
    duplicate_of: 'INTEGER',
    first_triaged_at: 'TEXT',
    first_fixed_at: 'TEXT',
    disclose_at: 'TEXT',
    disclosure_extended_at: 'TEXT',
  },
  upvotes: { bug_id: 'INTEGER', user_id: 'INTEGER', created_at: 'TEXT' },
  comments: {
    id: 'INTEGER',
    bug_id: 'INTEGER',
    user_id: 'INTEGER',
    body: 'TEXT',
    created_at: 'TEXT',
    deleted_at: 'TEXT',
  },
  points: {
    id: 'INTEGER',
    user_id: 'INTEGER',
    bug_id: 'INTEGER',
    domain_id: 'INTEGER',
    score: 'INTEGER',
    reason: 'TEXT',
    created_at: 'TEXT',
    period: 'TEXT',
    award: 'TEXT',
    event_id: 'INTEGER',
  },
  user_scores: { user_id: 'INTEGER', period: 'TEXT', score: 'INTEGER', bugs: 'INTEGER' },
  login_attempts: { id: 'INTEGER', account: 'TEXT', ip: 'TEXT', created_at: 'TEXT' },
  bug_counts: { day: 'TEXT', label: 'TEXT', status: 'TEXT', n: 'INTEGER' },
  write_limits: { bucket: 'TEXT', window_start: 'INTEGER', count: 'INTEGER', max_count: 'INTEGER' },
  recent_posts: { key: 'TEXT', target_id: 'INTEGER', created_at: 'INTEGER' },
  metrics_hourly: { hour: 'TEXT', metric: 'TEXT', label: 'TEXT', count: 'INTEGER', total: 'REAL' },
  screenshots: {
    id: 'INTEGER',
    bug_id: 'INTEGER',
    key: 'TEXT',
    type: 'TEXT',
    width: 'INTEGER',
    height: 'INTEGER',
    bytes: 'INTEGER',
    created_at: 'TEXT',
  },
  bug_revisions: {
    id: 'INTEGER',
    bug_id: 'INTEGER',
    user_id: 'INTEGER',
    created_at: 'TEXT',
    url: 'TEXT',
    title: 'TEXT',
    description: 'TEXT',
    label: 'TEXT',
    severity: 'TEXT',
  },
  bug_events: {
    id: 'INTEGER',
    bug_id: 'INTEGER',
    user_id: 'INTEGER',
    kind: 'TEXT',
    from_state: 'TEXT',
    to_state: 'TEXT',
    note: 'TEXT',
    duplicate_of: 'INTEGER',
    created_at: 'TEXT',
  },
  bug_flags: {
    id: 'INTEGER',
    bug_id: 'INTEGER',
    user_id: 'INTEGER',
    reason: 'TEXT',
    created_at: 'TEXT',
    resolved_at: 'TEXT',
    resolved_by: 'INTEGER',
    resolution: 'TEXT',
  },
  email_tokens: {
    token_hash: 'TEXT',
    user_id: 'INTEGER',
    purpose: 'TEXT',
    email: 'TEXT',
    created_at: 'TEXT',
    expires_at: 'TEXT',
    used_at: 'TEXT',
  },
  outbox: {
    id: 'INTEGER',
    to_address: 'TEXT',
    subject: 'TEXT',
    text_body: 'TEXT',
    html_body: 'TEXT',
    status: 'TEXT',
    attempts: 'INTEGER',
    last_error: 'TEXT',
    locked_until: 'TEXT',
    created_at: 'TEXT',
    sent_at: 'TEXT',
  },
  api_tokens: {
    id: 'INTEGER',
    user_id: 'INTEGER',
    name: 'TEXT',
    token_hash: 'TEXT',
    scopes: 'TEXT',
    created_at: 'TEXT',
    last_used_at: 'TEXT',
    revoked_at: 'TEXT',
  },
  domain_scores: {
    domain_id: 'INTEGER',
    reports: 'INTEGER',
    triaged: 'INTEGER',
    triaged_week: 'INTEGER',
    fixed: 'INTEGER',
    board_score: 'INTEGER',
  },
  domain_score_buckets: { domain_id: 'INTEGER', kind: 'TEXT', bucket: 'INTEGER', n: 'INTEGER' },
  domain_contacts: {
    domain_id: 'INTEGER',
    status: 'TEXT',
    contact: 'TEXT',
    requested_at: 'TEXT',
    checked_at: 'TEXT',
    notified_at: 'TEXT',
    notified_through: 'INTEGER',
  },
  disclosure_events: {
    id: 'INTEGER',
    bug_id: 'INTEGER',
    user_id: 'INTEGER',
    kind: 'TEXT',
    disclose_at: 'TEXT',
    reason: 'TEXT',
    created_at: 'TEXT',
  },
  domain_owners: { domain_id: 'INTEGER', user_id: 'INTEGER', added_by: 'INTEGER', method: 'TEXT', created_at: 'TEXT' },
  domain_claims: {
    domain_id: 'INTEGER',
    user_id: 'INTEGER',
    token: 'TEXT',
    created_at: 'TEXT',
    expires_at: 'TEXT',
    method: 'TEXT',
    verified_at: 'TEXT',
  },
  notifications: {
    id: 'INTEGER',
    user_id: 'INTEGER',
    kind: 'TEXT',
    bug_id: 'INTEGER',
    domain_id: 'INTEGER',
    actor_id: 'INTEGER',
    from_state: 'TEXT',
    to_state: 'TEXT',
    summary: 'TEXT',
    created_at: 'TEXT',
    read_at: 'TEXT',
  },
};

/** Columns that may hold NULL: exactly the `| null` fields of the interface. */
const nullable = new Set([
  'users.session_key',
  'users.username_skeleton',
  'users.email_verified_at',
  'users.deleted_at',
  'email_tokens.used_at',
  'outbox.last_error',
  'outbox.locked_until',
  'outbox.sent_at',
  'bugs.user_id',
  'bugs.closed_at',
  'bugs.closed_by',
  'points.bug_id',
  'points.domain_id',
  'points.period',
  'bugs.edited_at',
  'bugs.first_triaged_at',
  'bugs.first_fixed_at',
  'bugs.disclose_at',
  'bugs.disclosure_extended_at',
  'domain_scores.board_score',
  'domain_contacts.contact',
  'domain_contacts.checked_at',
  'domain_contacts.notified_at',
  'disclosure_events.user_id',
  'disclosure_events.disclose_at',
  'comments.deleted_at',
  'bug_revisions.user_id',
  'points.award',
  'points.event_id',
  'bugs.duplicate_of',
  'bug_events.user_id',
  'bug_events.duplicate_of',
  'bug_flags.resolved_at',
  'bug_flags.resolved_by',
  'bug_flags.resolution',
  'domain_owners.added_by',
  'domain_claims.method',
  'domain_claims.verified_at',
  'notifications.bug_id',
  'notifications.domain_id',
  'notifications.actor_id',
  'notifications.from_state',
  'notifications.to_state',
  'notifications.read_at',
  'api_tokens.last_used_at',
  'api_tokens.revoked_at',
]);

describe('schema: migrations agree with worker/db/schema.ts', () => {
  for (const [table, columns] of Object.entries(expected)) {
    it(`${table} has exactly the interface's columns and types`, async () => {
      const { results } = await env.DB.prepare(`SELECT name, type, "notnull" AS nn FROM pragma_table_info(?)`)
        .bind(table)
        .all<{ name: string; type: string; nn: number }>();
      expect(results.length, `table ${table} exists`).toBeGreaterThan(0);
      const actual = Object.fromEntries(results.map((r) => [r.name, r.type.toUpperCase()]));
      expect(actual).toEqual(columns);
      for (const r of results) {
        expect(r.nn === 0, `${table}.${r.name} nullability`).toBe(
          nullable.has(`${table}.${r.name}`) || r.name === 'id',
        );
      }
    });
  }

  it('has no table the interface lacks (besides D1 bookkeeping and the FTS5 search index)', async () => {
    const { results } = await env.DB.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' AND name NOT LIKE 'bugs_fts%'`,
    ).all<{ name: string }>();
    expect(results.map((r) => r.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it('bugs_fts is an FTS5 index of bug titles, kept in step by triggers', async () => {
    const row = await env.DB.prepare("SELECT sql FROM sqlite_master WHERE name = 'bugs_fts'").first<{ sql: string }>();
    expect(row?.sql).toMatch(/USING fts5\(title, content='bugs', content_rowid='id'/);
    const triggers = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all();
    expect(triggers.results.map((t) => t.name)).toEqual([
      'bug_totals_delete',
      'bug_totals_insert',
      'bug_totals_update',
      'bugs_fts_delete',
      'bugs_fts_insert',
      'bugs_fts_update',
      'domain_reporters_delete',
      'domain_reporters_insert',
      'domain_reporters_update',
      'points_default_period',
      'site_totals_domain_delete',
      'site_totals_domain_insert',
      'site_totals_domain_update',
    ]);
  });

  /** A domain of this test's own, so no test depends on rows another one made. */
  async function ownDomain(): Promise<number> {
    const host = `schema-${crypto.randomUUID()}.example`;
    const row = await env.DB.prepare('INSERT INTO domains (hostname) VALUES (?) RETURNING id')
      .bind(host)
      .first<{ id: number }>();
    return row!.id;
  }

  it('enforces the CHECK constraints on labels, severities and statuses', async () => {
    const domainId = await ownDomain();
    const insert = (label: string, severity: string, status: string) =>
      env.DB.prepare(
        `INSERT INTO bugs (domain_id, url, title, label, severity, status) VALUES (?, 'https://checks.example/', 'A valid title', ?, ?, ?)`,
      )
        .bind(domainId, label, severity, status)
        .run();
    await expect(insert('general', 'none', 'open')).resolves.toBeTruthy();
    await expect(insert('nonsense', 'none', 'open')).rejects.toThrow(/CHECK constraint failed: label IN \(/);
    await expect(insert('general', 'extreme', 'open')).rejects.toThrow(/CHECK constraint failed: severity IN \(/);
    await expect(insert('general', 'none', 'pending')).rejects.toThrow(/CHECK constraint failed: status IN \(/);
  });

  it('rejects non-http URLs with the url CHECK', async () => {
    const domainId = await ownDomain();
    const insert = (url: string) =>
      env.DB.prepare(`INSERT INTO bugs (domain_id, url, title) VALUES (?, ?, 'A valid title')`)
        .bind(domainId, url)
        .run();
    await expect(insert('javascript:alert(1)')).rejects.toThrow(/CHECK constraint failed: length\(url\) <= 2048/);
    await expect(insert('ftp://x.example/')).rejects.toThrow(/CHECK constraint failed: length\(url\) <= 2048/);
    await expect(insert('https://x.example/')).resolves.toBeTruthy();
  });

  it('rejects duplicate usernames and emails ignoring case', async () => {
    const name = `Case${crypto.randomUUID().slice(0, 8)}`;
    const insert = (username: string, email: string) =>
      env.DB.prepare(`INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'x')`)
        .bind(username, email)
        .run();
    await insert(name, `${name}@x.test`);
    await expect(insert(name.toLowerCase(), `other-${name}@x.test`)).rejects.toThrow(
      /UNIQUE constraint failed: users\.username/,
    );
    await expect(insert(`${name}_2`, `${name.toUpperCase()}@X.TEST`)).rejects.toThrow(
      /UNIQUE constraint failed: users\.email/,
    );
  });
});
