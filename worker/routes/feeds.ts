import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { LABEL_NAMES, qs, SEVERITY_NAMES, STATE_NAMES } from '../../views/components/format';
import { type BugFilters, type BugListItem, listBugs } from '../db/bugs';
import { findProfileUser } from '../db/users';
import { type AtomEntry, atomFeed } from '../lib/atom';
import { fail } from '../lib/errors';
import { isValidHostname } from '../lib/url';
import { rejectInvalid, usernameSchema } from '../lib/validation';
import type { AppEnv } from '../types';
import { listQuery } from './bugs';

/** Entries per feed: the newest public reports only (feed readers poll; history is on the site). */
export const FEED_ENTRIES = 50;
/** How long a feed may be cached anywhere: it never depends on who asks. */
export const FEED_MAX_AGE_SECONDS = 300;

/** The feeds' paths (app.tsx serves them without a session: they are the same for everyone). */
export const FEED_PATHS = ['/bugs.atom', '/domains/:hostname/feed.atom', '/users/:username/feed.atom'];

/**
 * The authority of every id in a feed: the configured public origin's host, so ids stay the same
 * whichever host name a reader used (RFC 4151 tag URIs: `tag:blt.owasp.org,2026:bug/42`).
 */
function tagBase(c: Context<AppEnv>): string {
  let host = 'blt.owasp.org';
  try {
    host = new URL(c.env.PUBLIC_ORIGIN ?? '').host || host;
  } catch {}
  return `tag:${host},2026:`;
}

/** A feed's rows: a public list page read with `withText` (each report's updated_at and text). */
type FeedRow = BugListItem & { updated_at?: string; description?: string };

function entries(c: Context<AppEnv>, rows: FeedRow[]): AtomEntry[] {
  const base = new URL(c.req.url).origin;
  const tag = tagBase(c);
  return rows.flatMap((r) => {
    if (r.is_hidden) return [];
    return [
      {
        id: `${tag}bug/${r.id}`,
        title: r.title,
        link: `${base}/bugs/${r.id}`,
        published: r.created_at,
        updated: r.updated_at ?? r.created_at,
        author: r.username ?? 'Anonymous',
        summary: `${STATE_NAMES[r.state]} · ${LABEL_NAMES[r.label]} · severity ${SEVERITY_NAMES[r.severity]} · ${r.hostname}`,
        content: r.description ? r.description.slice(0, 2000) : undefined,
        categories: [r.label, r.state],
      },
    ];
  });
}

/** Answers an Atom document, publicly cacheable. */
function feed(c: Context<AppEnv>, f: { key: string; title: string; alternate: string; rows: FeedRow[] }): Response {
  const base = new URL(c.req.url).origin;
  const list = entries(c, f.rows);
  const newest = list.reduce<string | null>((m, e) => (m === null || e.updated > m ? e.updated : m), null);
  const url = new URL(c.req.url);
  const body = atomFeed({
    id: `${tagBase(c)}feed${f.key}`,
    title: f.title,
    alternate: `${base}${f.alternate}`,
    self: `${base}${url.pathname}${url.search}`,
    updated: newest ?? new Date().toISOString(),
    entries: list,
  });
  return c.body(body, 200, {
    'Content-Type': 'application/atom+xml; charset=utf-8',
    'Cache-Control': `public, max-age=${FEED_MAX_AGE_SECONDS}`,
    'Access-Control-Allow-Origin': '*',
  });
}

const feeds = new Hono<AppEnv>();

/** /bugs as a feed: the same filters (label, severity, status, domain, q), newest first. */
feeds.get('/bugs.atom', zValidator('query', listQuery, rejectInvalid()), async (c) => {
  const q = c.req.valid('query');
  const filters: BugFilters = {
    label: q.label || undefined,
    severity: q.severity || undefined,
    status: q.status || undefined,
    domain: q.domain || undefined,
    q: q.q || undefined,
  };
  const { rows } = await listBugs(c.var.db, { filters, limit: FEED_ENTRIES, withText: true });
  const query = qs({ ...filters });
  return feed(c, {
    key: `/bugs${query}`,
    title: query ? `BLT-Next: bugs (${query.slice(1).replaceAll('&', ', ')})` : 'BLT-Next: newest bugs',
    alternate: `/bugs${query}`,
    rows,
  });
});

const hostParam = z.object({ hostname: z.string().toLowerCase().refine(isValidHostname, 'Not a host name.') });

feeds.get(
  '/domains/:hostname/feed.atom',
  zValidator('param', hostParam, rejectInvalid(404, 'That is not a domain we know.')),
  async (c) => {
    const { hostname } = c.req.valid('param');
    const { rows } = await listBugs(c.var.db, { filters: { domain: hostname }, limit: FEED_ENTRIES, withText: true });
    // Like the domain page: a domain with no public report does not exist for a feed reader.
    if (rows.length === 0) fail(404, `No public bugs on ${hostname} yet.`);
    return feed(c, {
      key: `/domains/${hostname}`,
      title: `BLT-Next: bugs on ${hostname}`,
      alternate: `/domains/${hostname}`,
      rows,
    });
  },
);

feeds.get(
  '/users/:username/feed.atom',
  zValidator(
    'param',
    z.object({ username: usernameSchema }),
    rejectInvalid(404, 'There is no reporter with that name.'),
  ),
  async (c) => {
    const username = c.req.valid('param').username;
    // The list names the reporter by name, so both reads go to D1 in one round trip.
    const [user, { rows }] = await Promise.all([
      findProfileUser(c.var.db, username),
      listBugs(c.var.db, { reporter: username, limit: FEED_ENTRIES, withText: true }),
    ]);
    if (!user) fail(404, 'There is no reporter with that name.');
    const path = `/users/${encodeURIComponent(user.username)}`;
    return feed(c, {
      key: `/users/${user.id}`,
      title: `BLT-Next: bugs reported by ${user.username}`,
      alternate: path,
      rows,
    });
  },
);

export default feeds;
