import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { State } from '../worker/db/schema';
import { mayMoveState, movesFor } from '../worker/lib/states';
import { bearer, makeToken } from './api-helpers';
import { call, count, seedBug, signUp, uniqueHost } from './helpers';
import { dns, HttpResponse, http, outside, seen, useOutside } from './outside';

useOutside();

type Person = Awaited<ReturnType<typeof signUp>>;

async function makeAdmin(p: Person) {
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(p.id).run();
}

async function token(p: Person, host: string): Promise<string> {
  const res = await call(`/domains/${host}/claim/token`, { cookie: p.cookie, json: true, form: {} });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { claim: { token: string } };
  return body.claim.token;
}

async function addOwner(by: Person, host: string, username: string) {
  return call(`/domains/${host}/owners`, { cookie: by.cookie, form: { username } });
}

async function domainId(host: string): Promise<number> {
  const row = await env.DB.prepare('SELECT id FROM domains WHERE hostname = ?').bind(host).first<{ id: number }>();
  if (!row) throw new Error(`no domain ${host}`);
  return row.id;
}

async function isOwner(p: Person, host: string): Promise<boolean> {
  return (
    (await count(
      'domain_owners',
      'user_id = ? AND domain_id = (SELECT id FROM domains WHERE hostname = ?)',
      p.id,
      host,
    )) === 1
  );
}

async function notifications(p: Person) {
  const res = await call('/notifications', { cookie: p.cookie, json: true });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    notifications: { id: number; kind: string; to_state: string | null; bug_id: number; read_at: string | null }[];
    unread: number;
  };
}

describe('owners: claiming a domain', () => {
  it('a DNS TXT record with the token makes the claimant an owner', async () => {
    const alice = await signUp('claimer');
    const host = uniqueHost('dnsclaim');
    const page = await call(`/domains/${host}/claim`, { cookie: alice.cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Get a verification token');
    const t = await token(alice, host);
    expect(t).toMatch(/^[0-9a-f]{48}$/);
    const shown = await (await call(`/domains/${host}/claim`, { cookie: alice.cookie })).text();
    expect(shown).toContain(`blt-verify=${t}`);
    outside.use(dns({ [`_blt-verify.${host}`]: { TXT: ['v=spf1 -all', `blt-verify=${t}`] } }));
    const res = await call(`/domains/${host}/claim`, { cookie: alice.cookie, form: { method: 'dns' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/domains/${host}/triage`);
    expect(await isOwner(alice, host)).toBe(true);
    expect(await count('domain_owners', "user_id = ? AND method = 'dns' AND added_by IS NULL", alice.id)).toBe(1);
    expect(seen.some((u) => u.includes(`name=_blt-verify.${host}`) && u.includes('type=TXT'))).toBe(true);
  });

  it('a file at /.well-known/blt-verify.txt whose first line is the token makes the claimant an owner', async () => {
    const bob = await signUp('fileclaim');
    const host = uniqueHost('fileclaim');
    const t = await token(bob, host);
    outside.use(
      dns({ [host]: { A: ['93.184.216.34'], AAAA: ['2606:2800:220:1:248:1893:25c8:1946'] } }),
      http.get(`https://${host}/.well-known/blt-verify.txt`, () => HttpResponse.text(`  ${t}  \nanything else\n`)),
    );
    const res = await call(`/domains/${host}/claim`, { cookie: bob.cookie, form: { method: 'file' } });
    expect(res.status).toBe(303);
    expect(await isOwner(bob, host)).toBe(true);
    // Resolved first (A and AAAA), then fetched.
    expect(seen.filter((u) => u.startsWith('https://cloudflare-dns.com/')).length).toBe(2);
    expect(seen.at(-1)).toBe(`https://${host}/.well-known/blt-verify.txt`);
  });

  it('a file with another token, or a 404, says why and makes nobody an owner (422)', async () => {
    const carl = await signUp('wrongfile');
    const host = uniqueHost('wrongfile');
    await token(carl, host);
    outside.use(
      dns({ [host]: { A: ['93.184.216.34'] } }),
      http.get(`https://${host}/.well-known/blt-verify.txt`, () => HttpResponse.text('someone-elses-token')),
    );
    const res = await call(`/domains/${host}/claim`, { cookie: carl.cookie, form: { method: 'file' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('is not this token');
    outside.use(
      http.get(`https://${host}/.well-known/blt-verify.txt`, () => new HttpResponse('nope', { status: 404 })),
    );
    const missing = await call(`/domains/${host}/claim`, { cookie: carl.cookie, form: { method: 'file' } });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('answered 404');
    expect(await isOwner(carl, host)).toBe(false);
  });

  it('an unknown method is a 422 with the form again; signed out is a 401', async () => {
    const dora = await signUp('method');
    const host = uniqueHost('method');
    await token(dora, host);
    const res = await call(`/domains/${host}/claim`, { cookie: dora.cookie, form: { method: 'smtp' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Choose dns or file.');
    expect((await call(`/domains/${host}/claim`)).status).toBe(401);
    expect(seen).toEqual([]);
  });
});

describe('owners: adding and removing', () => {
  it('an admin adds an owner by username; an owner adds another; the last owner stays unless an admin removes them', async () => {
    const admin = await signUp('ownadmin');
    await makeAdmin(admin);
    const o1 = await signUp('owner1');
    const o2 = await signUp('owner2');
    const host = uniqueHost('addown');
    const res = await addOwner(admin, host, o1.username);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/domains/${host}/owners`);
    expect(await isOwner(o1, host)).toBe(true);
    // The new owner is told.
    expect((await notifications(o1)).notifications.map((n) => n.kind)).toContain('owner_added');

    expect((await addOwner(o1, host, o2.username)).status).toBe(303);
    expect(await isOwner(o2, host)).toBe(true);
    const list = await call(`/domains/${host}/owners`, { cookie: o2.cookie, json: true });
    expect(((await list.json()) as { owners: { username: string }[] }).owners.map((o) => o.username)).toEqual([
      o1.username,
      o2.username,
    ]);

    // Owners remove others and themselves, down to one.
    expect(
      (await call(`/domains/${host}/owners/remove`, { cookie: o2.cookie, form: { username: o1.username } })).status,
    ).toBe(303);
    const last = await call(`/domains/${host}/owners/remove`, { cookie: o2.cookie, form: { username: o2.username } });
    expect(last.status).toBe(422);
    expect(await last.text()).toContain('only an admin can remove them');
    expect(await isOwner(o2, host)).toBe(true);
    const byAdmin = await call(`/domains/${host}/owners/remove`, {
      cookie: admin.cookie,
      form: { username: o2.username },
    });
    expect(byAdmin.status).toBe(303);
    expect(await isOwner(o2, host)).toBe(false);
  });

  it('adding an unknown user is a 422 that keeps what was typed', async () => {
    const admin = await signUp('ownadmin2');
    await makeAdmin(admin);
    const res = await addOwner(admin, uniqueHost('nobody'), 'no_such_user_x');
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('There is no user called no_such_user_x.');
    expect(html).toContain('value="no_such_user_x"');
  });
});

describe('owners: seeing and triaging their domain', () => {
  it('an owner sees private reports on the domain and moves them; the reporter is told each step', async () => {
    const admin = await signUp('triadmin');
    await makeAdmin(admin);
    const owner = await signUp('triowner');
    const reporter = await signUp('reporter');
    const host = uniqueHost('triage');
    const bugId = await seedBug({ hostname: host, isHidden: true, userId: reporter.id, title: 'Private XSS on login' });
    expect((await call(`/bugs/${bugId}`, { cookie: owner.cookie })).status).toBe(404);
    await addOwner(admin, host, owner.username);
    expect((await call(`/bugs/${bugId}`, { cookie: owner.cookie })).status).toBe(200);

    const consoleHtml = await (await call(`/domains/${host}/triage`, { cookie: owner.cookie })).text();
    expect(consoleHtml).toContain('Private XSS on login');
    expect(consoleHtml).toContain(`action="/domains/${host}/triage/${bugId}/state"`);

    for (const state of ['triaged', 'accepted', 'fixed']) {
      const res = await call(`/domains/${host}/triage/${bugId}/state`, { cookie: owner.cookie, form: { state } });
      expect(res.status, state).toBe(303);
    }
    const row = await env.DB.prepare('SELECT state FROM bugs WHERE id = ?').bind(bugId).first<{ state: string }>();
    expect(row?.state).toBe('fixed');
    const told = await notifications(reporter);
    expect(told.notifications.filter((n) => n.bug_id === bugId).map((n) => n.to_state)).toEqual([
      'fixed',
      'accepted',
      'triaged',
    ]);
    expect(told.unread).toBe(3);
    const me = (await (await call('/api/auth/me', { cookie: reporter.cookie, json: true })).json()) as {
      unread_notifications: number;
    };
    expect(me.unread_notifications).toBe(3);
    // Instant mail (the default) for each step, through the outbox.
    expect(
      await count('outbox', 'to_address = ? AND subject LIKE ?', reporter.email, `Your report #${bugId} is now%`),
    ).toBe(3);
    // The actor is never told of their own act.
    expect((await notifications(owner)).notifications.filter((n) => n.kind === 'state_changed')).toEqual([]);
  });

  it('the htmx answer of a console move is the row itself, with its new moves', async () => {
    const admin = await signUp('hxadmin');
    await makeAdmin(admin);
    const host = uniqueHost('hxtriage');
    const bugId = await seedBug({ hostname: host });
    const res = await call(`/domains/${host}/triage/${bugId}/state`, {
      cookie: admin.cookie,
      hx: true,
      form: { state: 'accepted' },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html.startsWith(`<li class="bug-item triage-item" id="report-${bugId}"`)).toBe(true);
    expect(html).toContain('value="fixed"');
  });

  it('the console counts per state, filters, and pages newest first by keyset', async () => {
    const admin = await signUp('cntadmin');
    await makeAdmin(admin);
    const host = uniqueHost('counts');
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await seedBug({ hostname: host, title: `Console report ${i}` }));
    await env.DB.prepare("UPDATE bugs SET state = 'triaged' WHERE id IN (?, ?)").bind(ids[0], ids[1]).run();
    const first = (await (await call(`/domains/${host}/triage`, { cookie: admin.cookie, json: true })).json()) as {
      counts: Record<string, number>;
      reports: { id: number }[];
      next: string | null;
    };
    expect(first.counts).toEqual({ new: 28, triaged: 2 });
    expect(first.reports.map((r) => r.id)).toEqual([...ids].reverse().slice(0, 25));
    expect(first.next).not.toBeNull();
    const second = (await (
      await call(`/domains/${host}/triage?before=${first.next}`, { cookie: admin.cookie, json: true })
    ).json()) as { reports: { id: number }[]; next: string | null };
    expect(second.reports.map((r) => r.id)).toEqual([...ids].reverse().slice(25));
    expect(second.next).toBeNull();
    const triaged = (await (
      await call(`/domains/${host}/triage?state=triaged`, { cookie: admin.cookie, json: true })
    ).json()) as {
      reports: { id: number }[];
    };
    expect(triaged.reports.map((r) => r.id)).toEqual([ids[1], ids[0]]);
    expect((await call(`/domains/${host}/triage?state=bogus`, { cookie: admin.cookie })).status).toBe(400);
  });

  it('/owned lists the domains a user owns with their open counts', async () => {
    const admin = await signUp('owdadmin');
    await makeAdmin(admin);
    const owner = await signUp('owned');
    const host = uniqueHost('owned');
    await seedBug({ hostname: host });
    await seedBug({ hostname: host, isHidden: true, userId: admin.id });
    await addOwner(admin, host, owner.username);
    const body = (await (await call('/owned', { cookie: owner.cookie, json: true })).json()) as {
      domains: { hostname: string; open: number }[];
    };
    expect(body.domains).toEqual([{ id: await domainId(host), hostname: host, open: 2 }]);
    expect(await (await call('/owned', { cookie: owner.cookie })).text()).toContain(`/domains/${host}/triage`);
  });
});

describe('notifications', () => {
  it('a comment tells the reporter and the owners, never its author; a new report tells the owners', async () => {
    const admin = await signUp('cmtadmin');
    await makeAdmin(admin);
    const owner = await signUp('cmtowner');
    const reporter = await signUp('cmtreporter');
    const stranger = await signUp('cmtstranger');
    const host = uniqueHost('comments');
    await seedBug({ hostname: host });
    await addOwner(admin, host, owner.username);
    const made = await call('/api/bugs', {
      cookie: reporter.cookie,
      form: {
        url: `https://${host}/x`,
        title: 'A brand new report here',
        description: '',
        label: 'general',
        severity: 'none',
      },
    });
    expect(made.status).toBe(303);
    const bugId = Number(made.headers.get('location')?.split('/').pop());
    const ownerKinds = (await notifications(owner)).notifications;
    expect(ownerKinds.filter((n) => n.kind === 'new_report').map((n) => n.bug_id)).toEqual([bugId]);
    expect(await count('outbox', 'to_address = ? AND subject = ?', owner.email, `New report on ${host}`)).toBe(1);

    expect(
      (await call(`/api/bugs/${bugId}/comments`, { cookie: stranger.cookie, form: { body: 'Same here!' } })).status,
    ).toBe(303);
    expect((await notifications(reporter)).notifications.map((n) => n.kind)).toEqual(['comment']);
    expect((await notifications(owner)).notifications.map((n) => n.kind)).toEqual([
      'comment',
      'new_report',
      'owner_added',
    ]);
    expect((await notifications(stranger)).notifications).toEqual([]);
  });

  it('mark one read, mark all read; mail only for those who want it', async () => {
    const admin = await signUp('readadmin');
    await makeAdmin(admin);
    const reporter = await signUp('readrep');
    const quiet = await call('/settings/notifications', { cookie: reporter.cookie, form: { notify_email: 'off' } });
    expect(quiet.status).toBe(303);
    const host = uniqueHost('read');
    const a = await seedBug({ hostname: host, userId: reporter.id });
    const b = await seedBug({ hostname: host, userId: reporter.id });
    for (const id of [a, b]) {
      await call(`/domains/${host}/triage/${id}/state`, { cookie: admin.cookie, form: { state: 'triaged' } });
    }
    expect(await count('outbox', 'to_address = ?', reporter.email)).toBe(1); // only the sign-up mail
    const before = await notifications(reporter);
    expect(before.unread).toBe(2);
    const one = before.notifications[0]!;
    const hx = await call('/notifications/read', { cookie: reporter.cookie, hx: true, form: { id: String(one.id) } });
    expect(hx.status).toBe(200);
    expect(await hx.text()).toContain(`id="notification-${one.id}" class="notification read"`);
    expect((await notifications(reporter)).unread).toBe(1);
    // Someone else's notification is not theirs to mark.
    expect(await count('notifications', 'id = ? AND read_at IS NULL', before.notifications[1]!.id)).toBe(1);
    await call('/notifications/read', { cookie: admin.cookie, form: { id: String(before.notifications[1]!.id) } });
    expect(await count('notifications', 'id = ? AND read_at IS NULL', before.notifications[1]!.id)).toBe(1);
    expect((await call('/notifications/read', { cookie: reporter.cookie, form: { all: '1' } })).status).toBe(303);
    expect((await notifications(reporter)).unread).toBe(0);
    expect((await call('/notifications/read', { cookie: reporter.cookie, form: {} })).status).toBe(400);
  });

  it('an API client marks notifications read with JSON types ("id": 12, "all": true)', async () => {
    const admin = await signUp('jsonreadadmin');
    await makeAdmin(admin);
    const reporter = await signUp('jsonreadrep');
    const host = uniqueHost('jsonread');
    for (const id of [
      await seedBug({ hostname: host, userId: reporter.id }),
      await seedBug({ hostname: host, userId: reporter.id }),
    ]) {
      await call(`/domains/${host}/triage/${id}/state`, { cookie: admin.cookie, form: { state: 'triaged' } });
    }
    const tok = await makeToken(reporter.cookie, ['read']);
    const list = await (await bearer('/api/notifications', tok)).json<{
      notifications: { id: number }[];
      unread: number;
    }>();
    expect(list.unread).toBe(2);
    const one = await bearer('/notifications/read', tok, { method: 'POST', json: { id: list.notifications[0]!.id } });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ changed: 1, unread: 1 });
    const all = await bearer('/notifications/read', tok, { method: 'POST', json: { all: true } });
    expect(await all.json()).toEqual({ changed: 1, unread: 0 });
    const bad = await bearer('/notifications/read', tok, { method: 'POST', json: { id: -3 } });
    expect(bad.status).toBe(400);
  });

  it('the header shows the unread count on every page of the signed-in user', async () => {
    const admin = await signUp('hdradmin');
    await makeAdmin(admin);
    const reporter = await signUp('hdrrep');
    const host = uniqueHost('header');
    const id = await seedBug({ hostname: host, userId: reporter.id });
    await call(`/domains/${host}/triage/${id}/state`, { cookie: admin.cookie, form: { state: 'triaged' } });
    const html = await (await call('/bugs', { cookie: reporter.cookie })).text();
    expect(html).toMatch(/Notifications <span class="count">1<\/span><span class="visually-hidden"> unread<\/span>/);
    const page = await call('/notifications', { cookie: reporter.cookie });
    expect(page.headers.get('cache-control')).toContain('no-store');
    expect(await page.text()).toContain('moved your report');
  });
});

describe('owners: the move rule (worker/lib/states.ts mayMoveState)', () => {
  const owner = { id: 7, role: 'user' as const, owns: [3] };
  const bug = (state: State, user_id: number | null = 9, domain_id = 3) => ({
    user_id,
    domain_id,
    state,
    closed_by: null,
  });
  const move = (to: State, reopen = false) => ({ to, reopen });

  it('owners make every move of their domain’s reports but spam, and none elsewhere', () => {
    expect(mayMoveState(owner, bug('new'), move('accepted'))).toBe(true);
    expect(mayMoveState(owner, bug('accepted'), move('fixed'))).toBe(true);
    expect(mayMoveState(owner, bug('closed'), move('closed', true))).toBe(true);
    expect(mayMoveState(owner, bug('new'), move('spam'))).toBe(false);
    expect(mayMoveState(owner, bug('spam'), move('spam', true))).toBe(false);
    expect(mayMoveState(owner, bug('new', 9, 4), move('accepted'))).toBe(false);
    expect(mayMoveState({ id: 7, role: 'user' }, bug('new'), move('accepted'))).toBe(false);
    expect(movesFor(owner, bug('new')).to).toEqual([
      'triaged',
      'accepted',
      'closed',
      'duplicate',
      'wont_fix',
      'informative',
    ]);
  });

  it('on their own report an owner is only its reporter', () => {
    expect(mayMoveState(owner, bug('new', 7), move('accepted'))).toBe(false);
    expect(mayMoveState(owner, bug('new', 7), move('closed'))).toBe(true);
  });
});

describe('owners: counts that cost the same however large', () => {
  it('the header says 99+ past 99 unread; the console says 1000+ past 1000 in a state', async () => {
    const admin = await signUp('capadmin');
    await makeAdmin(admin);
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
       INSERT INTO notifications (user_id, kind, summary) SELECT ?, 'comment', 'x' FROM n`,
    )
      .bind(admin.id)
      .run();
    const html = await (await call('/bugs', { cookie: admin.cookie })).text();
    expect(html).toContain('<span class="count">99+</span>');
    const host = uniqueHost('big');
    await seedBug({ hostname: host });
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1005)
       INSERT INTO bugs (domain_id, url, title) SELECT (SELECT id FROM domains WHERE hostname = ?), 'https://x.example/', 'Bulk report ' || i FROM n`,
    )
      .bind(host)
      .run();
    const page = await (await call(`/domains/${host}/triage`, { cookie: admin.cookie })).text();
    expect(page).toMatch(/New <span class="count">1000\+<\/span>/);
  });
});
