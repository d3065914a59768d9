import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bugStats, findBugById, insertBug, listBugs, similarBugs } from '../worker/db/bugs';
import { count, db, seedBug, setStatus, uniqueHost } from './helpers';

async function setCreatedAt(id: number, iso: string) {
  await env.DB.prepare('UPDATE bugs SET created_at = ? WHERE id = ?').bind(iso, id).run();
}

describe('queries: bugs', () => {
  it('insertBug creates the domain once, lower-cased, and links every bug to it', async () => {
    const host = uniqueHost('Mixed');
    const a = await seedBug({ hostname: host.toLowerCase() });
    const b = await seedBug({ hostname: host.toLowerCase() });
    expect(b).toBeGreaterThan(a);
    expect(await count('domains', 'hostname = ?', host.toLowerCase())).toBe(1);
    const bug = await findBugById(db(), b, null);
    expect(bug?.hostname).toBe(host.toLowerCase());
  });

  it('insertBug is atomic: a bug that violates a constraint leaves no domain behind', async () => {
    const host = uniqueHost('atomic');
    await expect(
      insertBug(db(), {
        url: `https://${host}/`,
        hostname: host,
        title: 'x', // shorter than the CHECK allows
        description: '',
        label: 'general',
        severity: 'none',
        isHidden: false,
        userId: null,
      }),
    ).rejects.toThrow();
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it('listBugs pages newest first by (created_at, id) with no duplicates or gaps', async () => {
    const host = uniqueHost('pages');
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push(await seedBug({ hostname: host, title: `Paged bug number ${i}` }));
    // Two bugs share a timestamp so the id tie-breaker matters.
    await setCreatedAt(ids[0]!, '2030-01-01T00:00:00.000Z');
    await setCreatedAt(ids[1]!, '2030-01-01T00:00:00.000Z');
    const seen: number[] = [];
    let cursor = null;
    for (let page = 0; page < 10; page++) {
      const r = await listBugs(db(), { filters: { domain: host }, cursor, limit: 3 });
      seen.push(...r.rows.map((b) => b.id));
      if (!r.next) break;
      cursor = r.next;
    }
    expect(seen).toEqual([ids[1], ids[0], ids[6], ids[5], ids[4], ids[3], ids[2]]);
  });

  it('listBugs filters by label, severity, status and searches title words', async () => {
    const host = uniqueHost('filters');
    const sec = await seedBug({ hostname: host, label: 'security', severity: 'high', title: 'XSS in 100% of forms' });
    const typo = await seedBug({ hostname: host, label: 'typo', severity: 'low', title: 'Typo in 1000 places' });
    const closed = await seedBug({ hostname: host, title: 'Closed one here' });
    await setStatus(closed, 'closed');
    const ids = async (filters: object) =>
      (await listBugs(db(), { filters: { domain: host, ...filters }, limit: 10 })).rows.map((b) => b.id);
    expect(await ids({ label: 'security' })).toEqual([sec]);
    expect(await ids({ severity: 'high' })).toEqual([sec]);
    expect(await ids({ status: 'closed' })).toEqual([closed]);
    expect(await ids({ q: 'xss forms' })).toEqual([sec]);
    expect((await ids({ q: '100%' })).sort()).toEqual([sec, typo].sort()); // words are prefixes: 100 and 1000
    expect(await ids({ q: '_' })).toEqual([]); // no words, no matches
  });

  it('hidden and spam bugs are absent from lists, stats and similar, and found only by owner or admin', async () => {
    const host = uniqueHost('hidden');
    await env.DB.prepare(
      "INSERT INTO users (username, email, password_hash) VALUES ('hid_owner', 'ho@x.test', 'x')",
    ).run();
    const owner = await env.DB.prepare("SELECT id FROM users WHERE username = 'hid_owner'").first<{ id: number }>();
    const before = await bugStats(db());
    const hidden = await seedBug({ hostname: host, isHidden: true, userId: owner!.id });
    const spam = await seedBug({ hostname: host });
    await setStatus(spam, 'spam');
    expect((await listBugs(db(), { filters: { domain: host }, limit: 10 })).rows).toEqual([]);
    expect(await similarBugs(db(), host)).toEqual([]);
    expect(await bugStats(db())).toEqual(before);
    expect(await findBugById(db(), hidden, null)).toBeUndefined();
    expect(await findBugById(db(), hidden, { id: owner!.id + 1000, role: 'user' })).toBeUndefined();
    expect((await findBugById(db(), hidden, { id: owner!.id, role: 'user' }))?.id).toBe(hidden);
    expect((await findBugById(db(), hidden, { id: 999_999, role: 'admin' }))?.id).toBe(hidden);
    expect(await findBugById(db(), spam, null)).toBeUndefined();
  });

  it('bugStats counts open, closed and domains of public bugs', async () => {
    const before = await bugStats(db());
    const host = uniqueHost('stats');
    await seedBug({ hostname: host });
    const c = await seedBug({ hostname: host });
    await setStatus(c, 'closed');
    const after = await bugStats(db());
    expect(after).toEqual({
      total: before.total + 2,
      open: before.open + 1,
      closed: before.closed + 1,
      domains: before.domains + 1,
    });
  });
});
