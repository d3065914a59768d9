import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { createFactory } from 'hono/factory';
import { z } from 'zod';
import { BugRows } from '../../views/bugs/list';
import { qs } from '../../views/components/format';
import { ProfileView } from '../../views/profile';
import { monthKey } from '../db';
import { decodeCursor, encodeCursor, listBugs } from '../db/bugs';
import { pointsHistory, profileFacts } from '../db/leaderboard';
import * as api from '../lib/api-schemas';
import { fail } from '../lib/errors';
import { operation } from '../lib/openapi';
import { respond } from '../lib/respond';
import { cursorSchema, rejectInvalid, usernameSchema } from '../lib/validation';
import type { AppEnv } from '../types';

const NO_SUCH_REPORTER = 'There is no reporter with that name.';
/** A profile lists fewer bugs per page than /bugs: it shares the page with points and history. */
const PROFILE_BUGS_PER_PAGE = 20;

const users = new Hono<AppEnv>();

const validName = zValidator('param', z.object({ username: usernameSchema }), rejectInvalid(404, NO_SUCH_REPORTER));
const pageSchema = z.object({ before: cursorSchema(decodeCursor) });
const validPage = zValidator('query', pageSchema, rejectInvalid());

const profile = createFactory<AppEnv>().createHandlers(validName, validPage, async (c) => {
  const db = c.var.db;
  const username = c.req.valid('param').username;
  const viewer = c.var.user;
  const cursor = c.req.valid('query').before;
  const month = monthKey();
  // Every read names the reporter by name (a subquery), so all of them go to D1 in one round trip
  // (worker/db/batching.ts). Whether the viewer may see private reports is guessed from the name
  // (usernames are unique ignoring case) and checked against the id below.
  const ref = { username };
  const guess = viewer?.role === 'admin' || viewer?.username.toLowerCase() === username.toLowerCase();
  const bugPage = (includeHidden: boolean) =>
    listBugs(db, { reporter: username, includeHidden, cursor, limit: PROFILE_BUGS_PER_PAGE });
  const [facts, guessedPage, history] = await Promise.all([
    profileFacts(db, username, month),
    bugPage(guess),
    pointsHistory(db, ref),
  ]);
  if (!facts) fail(404, NO_SUCH_REPORTER);
  const { user, allTime, thisMonth } = facts;
  const isOwner = viewer?.id === user.id;
  const maySeeHidden = isOwner || viewer?.role === 'admin';
  const page = maySeeHidden === guess ? guessedPage : await bugPage(maySeeHidden);
  const nextQs = page.next ? qs({ before: encodeCursor(page.next) }) : null;
  const profilePath = `/users/${encodeURIComponent(user.username)}`;
  // A bug the viewer could not open is never named, linked or numbered. Points from a private
  // report still count in the total (as reputation does), but its rows read "Private report":
  // which report, site or kind of event (e.g. "Domain added") stays the reporter's business.
  const visibleHistory = history.map((h) => {
    if (maySeeHidden || h.bug_id === null || (!h.bug_hidden && h.bug_status !== 'spam')) return h;
    return { ...h, reason: h.bug_hidden ? 'Private report' : h.reason, bug_id: null, bug_title: null };
  });
  const bugs = {
    rows: page.rows,
    nextHref: nextQs && `${profilePath}${nextQs}`,
    nextFragmentHref: nextQs && `/api${profilePath}${nextQs}`,
    showReporter: false,
  };
  const profile = (
    <ProfileView
      username={user.username}
      joined={user.created_at}
      allTime={allTime}
      thisMonth={{ ...thisMonth, period: month }}
      bugs={bugs}
      history={visibleHistory}
      isOwner={isOwner}
    />
  );
  return respond(c, {
    title: user.username,
    description: `${user.username} on BLT-Next: ${allTime.score} points.`,
    feed: { href: `${profilePath}/feed.atom`, title: `Bugs reported by ${user.username} (Atom)` },
    page: () => profile,
    // "Older bugs" on a profile appends rows; the first load is the whole profile.
    fragment: () => (cursor ? <BugRows {...bugs} /> : profile),
    json: () => ({
      username: user.username,
      joined: user.created_at,
      points: { all: allTime.score, month: thisMonth.score, period: month },
      rank: { all: allTime.rank, month: thisMonth.rank, capped: { all: allTime.capped, month: thisMonth.capped } },
      bugs: page.rows,
      next: page.next ? encodeCursor(page.next) : null,
      history: visibleHistory.map(({ bug_hidden: _h, bug_status: _s, ...h }) => h),
    }),
  });
});

/** A reporter's profile: page, "older bugs" rows, or JSON. Two get()s, not one on('GET', [...]):
 * hono types on() with a path list for handlers of one input, and this one validates two. */
const profileOp = operation({
  summary: "A reporter's points, rank, bugs and points history",
  tags: ['leaderboard'],
  query: pageSchema,
  responses: { 200: api.ProfileResponse },
});
users.get('/users/:username', profileOp, ...profile);
users.get('/api/users/:username', profileOp, ...profile);

export default users;
