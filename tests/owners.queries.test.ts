import { env } from 'cloudflare:workers';
import type { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../worker/db';
import { listBugs } from '../worker/db/bugs';
import { listNotifications, unreadCount } from '../worker/db/notifications';
import { ownedDomains, stateCountQueries, triageList } from '../worker/db/owners';
import { findSessionUser } from '../worker/db/users';
import { planLines, plansOf } from './helpers';

/** The console and notification lists read an index range, never a whole table, and never sort. */
describe('query plans: owner console and notifications use indexes, never a full scan', () => {
  function expectIndexed(plans: string[]) {
    for (const p of plans) {
      // (A bounded sub-select, such as the capped counts, shows as "SCAN (subquery-N)"; a SELECT without FROM as "SCAN CONSTANT ROW".)
      expect(p, plans.join('\n')).not.toMatch(/^SCAN (?!\(subquery-\d+\)|CONSTANT ROW)/);
      expect(p, plans.join('\n')).not.toMatch(/USE TEMP B-TREE/);
    }
    expect(
      plans.some((p) => /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|USING PRIMARY KEY/.test(p)),
      plans.join('\n'),
    ).toBe(true);
  }

  const cursor = { createdAt: '2030-01-01T00:00:00.000Z', id: 1000 };

  it('the triage console: every state, one state, with filters, with a cursor', async () => {
    expectIndexed(await plansOf((db) => triageList(db, 1, { filters: {}, limit: 25 })));
    expectIndexed(await plansOf((db) => triageList(db, 1, { filters: { state: 'accepted' }, cursor, limit: 25 })));
    expectIndexed(
      await plansOf((db) => triageList(db, 1, { filters: { label: 'security', severity: 'high' }, cursor, limit: 25 })),
    );
    const plans = await plansOf((db) => triageList(db, 1, { filters: {}, cursor, limit: 25 }));
    expect(plans.join('\n')).toMatch(/bugs_by_domain_all/);
    expect((await plansOf((db) => triageList(db, 1, { filters: { state: 'new' }, limit: 25 }))).join('\n')).toMatch(
      /bugs_by_domain_state_all/,
    );
  });

  it('the console counts: per state, one bounded covering-index range of the domain', async () => {
    const plans = await planLines(stateCountQueries(createDb(env.DB), 1));
    expectIndexed(plans);
    expect(plans.join('\n')).toMatch(/COVERING INDEX bugs_by_domain_state_all/);
  });

  it('notifications: the list (first page and later ones) and the unread count', async () => {
    expectIndexed(await plansOf((db) => listNotifications(db, 1, { limit: 25 })));
    expectIndexed(await plansOf((db) => listNotifications(db, 1, { before: 5000, limit: 25 })));
    const unread = await plansOf((db) => unreadCount(db, 1));
    expectIndexed(unread);
    expect(unread.join('\n')).toMatch(/notifications_unread/);
  });

  it('the session read (with the header’s unread count) and /owned', async () => {
    expectIndexed(await plansOf((db) => findSessionUser(db, { userId: 1, version: 1, sessionKey: 'x' })));
    // /owned sorts one user's domains by name (a handful, capped at 500): a sort, but no scan
    // (but of each domain's capped open count, a bounded sub-select: "SCAN (subquery-N)").
    const owned = await plansOf((db) => ownedDomains(db, 1));
    for (const p of owned) expect(p, owned.join('\n')).not.toMatch(/^SCAN (?!\(subquery-\d+\))/);
    expect(owned.join('\n')).toMatch(/domain_owners_by_user/);
  });
});

/**
 * A feed's 50 entries, text included, come from the list query itself (one round trip): the same
 * index walk as the page, never a scan or a sort. (The entries' text used to be a second read by
 * id; at 1M bugs the bench showed /bugs.atom at 3.3 s when that read walked bugs_recent.)
 */
describe('query plans: feed entries are read with their list, through its index', () => {
  it('listBugs withText walks the same index, newest first, with no sort', async () => {
    for (const opts of [
      {},
      { filters: { label: 'security' as const } },
      { filters: { domain: 'feed-plan.example' } },
      { reporter: 'feed_plan_user' },
    ]) {
      const queries: CompiledQuery[] = [];
      const db = createDb(env.DB, (e) => {
        if (e.level === 'query') queries.push(e.query);
      });
      await listBugs(db, { ...opts, limit: 50, withText: true });
      expect(queries).toHaveLength(1);
      const q = queries[0]!;
      expect(q.sql).toMatch(/substr\(bugs\.description, 1, 2000\)/);
      const plan = (await planLines([q])).join('\n');
      expect(plan, JSON.stringify(opts)).toMatch(/SEARCH bugs USING INDEX bugs_(recent|by_label|by_domain\w*|by_user)/);
      expect(plan, JSON.stringify(opts)).not.toMatch(/TEMP B-TREE|SCAN bugs/);
    }
  });
});
