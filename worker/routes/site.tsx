import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { qs } from '../../views/components/format';
import { DomainPage } from '../../views/domain';
import { ScorecardSection } from '../../views/scorecards';
import { StatsBlock, StatsPage } from '../../views/stats';
import { pingDb } from '../db';
import { bugStats, encodeCursor, listBugs, statsOverview } from '../db/bugs';
import { domainFacts } from '../db/scorecards';
import * as api from '../lib/api-schemas';
import { apiError, fail, jsonError } from '../lib/errors';
import { log } from '../lib/log';
import { representation } from '../lib/negotiate';
import { operation } from '../lib/openapi';
import { respond } from '../lib/respond';
import type { BucketMedian } from '../lib/scorecard';
import { isValidHostname } from '../lib/url';
import { DEFAULT_PAGE_SIZE, rejectInvalid } from '../lib/validation';
import type { AppEnv } from '../types';

const site = new Hono<AppEnv>();

/** A bucket median for scripts: the hours it lies between (high null: longer than low). */
function bucketJson(m: BucketMedian | null) {
  return m ? { bucket_low_hours: m.low, bucket_high_hours: m.high } : null;
}

site.on(
  'GET',
  ['/stats', '/api/stats'],
  operation({
    summary: 'Counts of public bugs, per day and by label',
    tags: ['leaderboard'],
    responses: { 200: api.StatsResponse },
  }),
  async (c) => {
    // The fragment is the embeddable counts block; only the page and JSON need the charts.
    const { stats, perDay, byLabel } =
      representation(c) === 'fragment'
        ? { stats: await bugStats(c.var.db), perDay: [], byLabel: [] }
        : await statsOverview(c.var.db);
    const base = new URL(c.req.url).origin;
    return respond(c, {
      title: 'Stats',
      description: 'How many bugs BLT-Next users have reported, per day and by label.',
      page: () => <StatsPage stats={stats} perDay={perDay} byLabel={byLabel} />,
      fragment: () => <StatsBlock stats={stats} base={base} />,
      json: () => ({ ...stats, per_day: perDay, by_label: byLabel }),
    });
  },
);

const hostnameParam = z.object({
  hostname: z.string().toLowerCase().refine(isValidHostname, 'Not a host name.'),
});

site.get(
  '/domains/:hostname',
  operation({
    summary: "A domain's open and ended bugs and its top reporters",
    tags: ['bugs'],
    responses: { 200: api.DomainResponse },
  }),
  zValidator('param', hostnameParam, rejectInvalid(404, 'That is not a domain we know.')),
  async (c) => {
    const { hostname } = c.req.valid('param');
    const db = c.var.db;
    const user = c.var.user;
    // The two lists name the domain by its host name, so neither waits for its id, and all three
    // statements go to D1 in one round trip (worker/db/batching.ts); the third is everything
    // else the page shows, as JSON sub-selects on the domain's row (domainFacts).
    const [facts, open, closed] = await Promise.all([
      domainFacts(db, hostname, user && user.role !== 'admin' ? user.id : null),
      listBugs(db, { filters: { domain: hostname, status: 'open' }, limit: DEFAULT_PAGE_SIZE }),
      listBugs(db, { filters: { domain: hostname, status: 'ended' }, limit: DEFAULT_PAGE_SIZE }),
    ]);
    if (!facts) fail(404, `No public bugs on ${hostname} yet.`);
    const owner = user?.role === 'admin' || facts.owner;
    const { card, top } = facts;
    const standing = { claimed: facts.claimed, contact: facts.contact };
    // A domain whose only reports are private or spam must not reveal that it exists (its
    // security.txt status included) to anyone but its owners and the admins.
    if (open.rows.length === 0 && closed.rows.length === 0 && !owner) fail(404, `No public bugs on ${hostname} yet.`);
    const contact = { status: standing.contact?.status ?? null, notifiedAt: standing.contact?.notified_at ?? null };
    const base = new URL(c.req.url).origin;
    const more = (status: 'open' | 'ended', page: typeof open) => {
      const next = page.next ? qs({ domain: hostname, status, before: encodeCursor(page.next) }) : null;
      return { rows: page.rows, nextHref: next && `/bugs${next}`, nextFragmentHref: next && `/api/bugs${next}` };
    };
    return respond(c, {
      title: hostname,
      description: `Bugs reported on ${hostname}`,
      feed: { href: `/domains/${hostname}/feed.atom`, title: `Bugs on ${hostname} (Atom)` },
      page: () => (
        <DomainPage
          hostname={hostname}
          open={more('open', open)}
          closed={more('ended', closed)}
          topReporters={top}
          scorecard={
            <ScorecardSection
              hostname={hostname}
              base={base}
              card={card}
              claimed={standing.claimed}
              contact={contact}
            />
          }
        />
      ),
      json: () => ({
        hostname,
        open: open.rows,
        closed: closed.rows,
        top_reporters: top,
        scorecard: {
          public_reports: card.reports,
          fixed: card.fixed,
          triaged: card.triaged,
          median_first_triage: bucketJson(card.triage),
          median_fix: bucketJson(card.fix),
          medians: 'estimated from histogram buckets',
          claimed: standing.claimed,
          security_txt: contact.status ?? 'not_checked',
          owner_notified_at: contact.notifiedAt,
        },
      }),
    });
  },
);

site.get(
  '/api/health',
  operation({ summary: 'Is it up? (one D1 query)', tags: ['ops'], responses: { 200: api.HealthResponse } }),
  async (c) => {
    const started = Date.now();
    try {
      await pingDb(c.var.db);
    } catch (err) {
      log({
        level: 'error',
        type: 'event',
        name: 'health_check_failed',
        request_id: c.var.requestId,
        error: { name: err instanceof Error ? err.name : 'Error', message: String(err).slice(0, 300) },
      });
      c.header('Cache-Control', 'no-store');
      return jsonError(c, apiError('service_unavailable', 'The database did not answer.'));
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok', d1: 'ok', d1_ms: Date.now() - started });
  },
);

export default site;
