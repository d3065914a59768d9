import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { jsxRenderer } from 'hono/jsx-renderer';
import { z } from 'zod';
import { qs } from '../../views/components/format';
import {
  EmbedLeaderboard,
  LeaderboardPage,
  type LeaderboardProps,
  LeaderboardTable,
  LeaderRows,
  periodName,
} from '../../views/leaderboard';
import { monthKey } from '../db';
import { decodeLeaderCursor, encodeLeaderCursor, leaderboardPage } from '../db/leaderboard';
import * as api from '../lib/api-schemas';
import { fail } from '../lib/errors';
import { operation } from '../lib/openapi';
import { respond } from '../lib/respond';
import { cursorSchema, DEFAULT_PAGE_SIZE, limitSchema, rejectInvalid } from '../lib/validation';
import { EMBED_MAX_AGE_SECONDS } from '../middleware/public';
import type { AppEnv } from '../types';

export const leaderboardQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month must look like 2026-11.')
    .optional(),
  limit: limitSchema,
  after: cursorSchema(decodeLeaderCursor),
});

const validQuery = zValidator('query', leaderboardQuery, rejectInvalid());

type Query = z.infer<typeof leaderboardQuery>;

/** Reads one page and builds the props every representation shares. */
async function load(c: { var: AppEnv['Variables']; req: { url: string } }, q: Query) {
  const period = q.month ?? 'all';
  const currentMonth = monthKey();
  if (period !== 'all' && period > currentMonth) fail(404, 'That month has not happened yet.');
  const after = q.after;
  const { rows, next } = await leaderboardPage(c.var.db, { period, limit: q.limit, after });
  // Absolute links: the fragment is embedded on other sites and must link back here.
  const base = new URL(c.req.url).origin;
  const nextQs = next
    ? qs({
        month: q.month,
        limit: q.limit === DEFAULT_PAGE_SIZE ? undefined : q.limit,
        after: encodeLeaderCursor(next),
      })
    : null;
  const props: LeaderboardProps = {
    rows,
    period,
    base,
    nextHref: nextQs === null ? null : `${base}/leaderboard${nextQs}`,
    nextFragmentHref: nextQs === null ? null : `${base}/api/leaderboard${nextQs}`,
  };
  return { props, currentMonth, next, after };
}

const leaderboard = new Hono<AppEnv>();

leaderboard.on(
  'GET',
  ['/leaderboard', '/api/leaderboard'],
  operation({
    summary: 'The leaderboard, all time or one month',
    tags: ['leaderboard'],
    query: leaderboardQuery,
    responses: { 200: api.LeaderboardResponse },
  }),
  validQuery,
  async (c) => {
    const q = c.req.valid('query');
    const { props, currentMonth, next, after } = await load(c, q);
    // The page marks the reader's own row; public fragments run without a session, so never do.
    if (c.var.user) props.viewer = c.var.user.username;
    return respond(c, {
      title: `Leaderboard · ${periodName(props.period)}`,
      description: 'Top bug reporters on BLT-Next.',
      page: () => <LeaderboardPage {...props} currentMonth={currentMonth} limit={q.limit} />,
      // The first page is a whole table (what other sites embed); later pages are rows to append.
      fragment: () => (after ? <LeaderRows {...props} /> : <LeaderboardTable {...props} />),
      json: () => ({
        period: props.period,
        leaders: props.rows.map((r) => ({ rank: r.rank, username: r.username, points: r.score, bugs: r.bugs })),
        next: next ? encodeLeaderCursor(next) : null,
      }),
    });
  },
);

/** The iframe widget: its own tiny document; only /embed/* may be framed (see app.tsx). */
leaderboard.get(
  '/embed/leaderboard',
  validQuery,
  jsxRenderer(({ children }) => <>{children}</>, { docType: true }),
  async (c) => {
    const { props } = await load(c, c.req.valid('query'));
    c.header('Cache-Control', `public, max-age=${EMBED_MAX_AGE_SECONDS}`);
    return c.render(<EmbedLeaderboard {...props} />, { title: 'Leaderboard', user: null });
  },
);

export default leaderboard;
