import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { jsxRenderer } from 'hono/jsx-renderer';
import { z } from 'zod';
import { Badge, badgeText, EmbedResponsive, ResponsivePage, ResponsiveTable } from '../../views/scorecards';
import { responsiveBoard, scorecard } from '../db/scorecards';
import * as api from '../lib/api-schemas';
import { operation } from '../lib/openapi';
import { respond } from '../lib/respond';
import { isValidHostname } from '../lib/url';
import { rejectInvalid } from '../lib/validation';
import { EMBED_MAX_AGE_SECONDS } from '../middleware/public';
import type { AppEnv } from '../types';

/** The badge's path pattern for app.tsx (served without a session, like the embeds). */
export const BADGE_PATH = '/badge/*';

export const boardQuery = z.object({
  limit: z.coerce
    .number({ error: 'limit must be a number.' })
    .int('limit must be a whole number.')
    .min(1, 'limit must be 1 to 50.')
    .max(50, 'limit must be 1 to 50.')
    .default(20),
});

const scorecards = new Hono<AppEnv>();

/** "Most responsive domains": page, embeddable fragment (public, like /api/leaderboard) or JSON. */
scorecards.on(
  'GET',
  ['/leaderboard/domains', '/api/leaderboard/domains'],
  operation({
    summary: 'The most responsive domains, from their scorecards',
    tags: ['leaderboard'],
    query: boardQuery,
    responses: { 200: api.ResponsiveBoardResponse },
  }),
  zValidator('query', boardQuery, rejectInvalid()),
  async (c) => {
    const rows = await responsiveBoard(c.var.db, c.req.valid('query').limit);
    const base = new URL(c.req.url).origin;
    return respond(c, {
      title: 'Most responsive domains',
      description: 'Sites that answer bug reports quickly, from their BLT-Next scorecards.',
      page: () => <ResponsivePage rows={rows} base={base} />,
      fragment: () => <ResponsiveTable rows={rows} base={base} />,
      json: () => ({
        domains: rows.map((r) => ({
          rank: r.rank,
          hostname: r.hostname,
          reports: r.reports,
          fixed: r.fixed,
          answered_within_week_permille: r.boardScore,
          median_first_triage: r.triage ? { bucket_low_hours: r.triage.low, bucket_high_hours: r.triage.high } : null,
        })),
        medians: 'estimated from histogram buckets',
      }),
    });
  },
);

/** The iframe widget of the board: its own tiny document (only /embed/* may be framed). */
scorecards.get(
  '/embed/leaderboard/domains',
  zValidator('query', boardQuery, rejectInvalid()),
  jsxRenderer(({ children }) => <>{children}</>, { docType: true }),
  async (c) => {
    const rows = await responsiveBoard(c.var.db, c.req.valid('query').limit);
    c.header('Cache-Control', `public, max-age=${EMBED_MAX_AGE_SECONDS}`);
    return c.render(<EmbedResponsive rows={rows} base={new URL(c.req.url).origin} newTab />, {
      title: 'Most responsive domains',
      user: null,
    });
  },
);

const badgeParam = z.object({
  file: z
    .string()
    .toLowerCase()
    .regex(/\.svg$/, 'A badge ends in .svg.')
    .transform((f) => f.slice(0, -4))
    .refine(isValidHostname, 'Not a host name.'),
});

/**
 * `GET /badge/:host.svg`: the domain's scorecard as a small SVG for its README or security page.
 * Public and the same for everyone: a domain with no public report (unknown, or only private
 * reports) gets the same "no public reports" badge, so the badge reveals nothing private.
 */
scorecards.get(
  '/badge/:file',
  zValidator('param', badgeParam, rejectInvalid(404, 'That is not a domain we know.')),
  async (c) => {
    const hostname = c.req.valid('param').file;
    // By host name in one round trip: an unknown domain has no counters, so its card is empty.
    const card = await scorecard(c.var.db, { hostname });
    const svg = await (<Badge hostname={hostname} text={badgeText(card)} />).toString();
    return c.body(svg, 200, {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
    });
  },
);

export default scorecards;
