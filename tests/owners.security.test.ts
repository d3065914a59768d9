import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, count, seedBug, signUp, uniqueHost } from './helpers';
import { dns, HttpResponse, http, outside, seen, useOutside } from './outside';

useOutside();

type Person = Awaited<ReturnType<typeof signUp>>;

async function admin(): Promise<Person> {
  const a = await signUp('secadmin');
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(a.id).run();
  return a;
}

async function stateOf(id: number): Promise<string | undefined> {
  return (await env.DB.prepare('SELECT state FROM bugs WHERE id = ?').bind(id).first<{ state: string }>())?.state;
}

async function ownerRows(host: string): Promise<number> {
  return count('domain_owners', 'domain_id = (SELECT id FROM domains WHERE hostname = ?)', host);
}

async function token(p: Person, host: string): Promise<string> {
  const res = await call(`/domains/${host}/claim/token`, { cookie: p.cookie, json: true, form: {} });
  return ((await res.json()) as { claim: { token: string } }).claim.token;
}

/** A domain with one owner and a private report by someone else. */
async function ownedDomain() {
  const a = await admin();
  const owner = await signUp('secowner');
  const reporter = await signUp('secreporter');
  const host = uniqueHost('secured');
  const privateBug = await seedBug({
    hostname: host,
    isHidden: true,
    userId: reporter.id,
    title: 'Secret private report',
  });
  const publicBug = await seedBug({ hostname: host, userId: reporter.id, title: 'A public report here' });
  expect((await call(`/domains/${host}/owners`, { cookie: a.cookie, form: { username: owner.username } })).status).toBe(
    303,
  );
  return { admin: a, owner, reporter, host, privateBug, publicBug };
}

describe('owners security: who may triage', () => {
  it('a non-owner cannot change states, through the console or the report page', async () => {
    const d = await ownedDomain();
    const stranger = await signUp('stranger');
    const viaConsole = await call(`/domains/${d.host}/triage/${d.publicBug}/state`, {
      cookie: stranger.cookie,
      form: { state: 'accepted' },
    });
    expect(viaConsole.status).toBe(404);
    const viaPage = await call(`/bugs/${d.publicBug}/state`, { cookie: stranger.cookie, form: { state: 'accepted' } });
    expect(viaPage.status).toBe(403);
    const signedOut = await call(`/domains/${d.host}/triage/${d.publicBug}/state`, { form: { state: 'accepted' } });
    expect(signedOut.status).toBe(401);
    expect(await stateOf(d.publicBug)).toBe('new');
    expect(await count('bug_events', 'bug_id = ?', d.publicBug)).toBe(0);
    expect(await count('notifications', 'bug_id = ?', d.publicBug)).toBe(0);
  });

  it('an owner of another domain cannot reach this one’s reports through their own console', async () => {
    const d = await ownedDomain();
    const other = await ownedDomain();
    const res = await call(`/domains/${other.host}/triage/${d.publicBug}/state`, {
      cookie: other.owner.cookie,
      form: { state: 'accepted' },
    });
    expect(res.status).toBe(404);
    expect(await stateOf(d.publicBug)).toBe('new');
    expect((await call(`/bugs/${d.privateBug}`, { cookie: other.owner.cookie })).status).toBe(404);
  });

  it('owners do not mark spam, and have no owner powers on their own report', async () => {
    const d = await ownedDomain();
    const spam = await call(`/domains/${d.host}/triage/${d.publicBug}/state`, {
      cookie: d.owner.cookie,
      form: { state: 'spam' },
    });
    expect(spam.status).toBe(422);
    const spamPage = await call(`/bugs/${d.publicBug}/state`, { cookie: d.owner.cookie, form: { state: 'spam' } });
    expect(spamPage.status).toBe(403);
    expect(await stateOf(d.publicBug)).toBe('new');
    const own = await seedBug({ hostname: d.host, userId: d.owner.id, severity: 'critical', title: 'My own report' });
    const self = await call(`/domains/${d.host}/triage/${own}/state`, {
      cookie: d.owner.cookie,
      form: { state: 'accepted' },
    });
    expect(self.status).toBe(403);
    expect(await stateOf(own)).toBe('new');
    expect(await count('points', "bug_id = ? AND award = 'accepted'", own)).toBe(0);
  });
});

describe('owners security: who may see', () => {
  it('a non-owner sees none of the domain’s private reports: not the report, its console, nor its owners', async () => {
    const d = await ownedDomain();
    const stranger = await signUp('peeker');
    expect((await call(`/bugs/${d.privateBug}`, { cookie: stranger.cookie })).status).toBe(404);
    expect((await call(`/bugs/${d.privateBug}`, { cookie: stranger.cookie, json: true })).status).toBe(404);
    for (const path of [`/domains/${d.host}/triage`, `/domains/${d.host}/owners`]) {
      const res = await call(path, { cookie: stranger.cookie });
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('Secret private report');
    }
    // The same 404 as a domain that does not exist: no oracle.
    expect((await call(`/domains/${uniqueHost('none')}/triage`, { cookie: stranger.cookie })).status).toBe(404);
    // The owner sees it; once removed, no longer.
    expect((await call(`/bugs/${d.privateBug}`, { cookie: d.owner.cookie })).status).toBe(200);
    await call(`/domains/${d.host}/owners/remove`, { cookie: d.admin.cookie, form: { username: d.owner.username } });
    expect((await call(`/bugs/${d.privateBug}`, { cookie: d.owner.cookie })).status).toBe(404);
    expect((await call(`/domains/${d.host}/triage`, { cookie: d.owner.cookie })).status).toBe(404);
  });

  it('a non-owner cannot add owners, not even themselves', async () => {
    const d = await ownedDomain();
    const stranger = await signUp('usurper');
    const res = await call(`/domains/${d.host}/owners`, {
      cookie: stranger.cookie,
      form: { username: stranger.username },
    });
    expect(res.status).toBe(404);
    const fresh = uniqueHost('unowned');
    const none = await call(`/domains/${fresh}/owners`, {
      cookie: stranger.cookie,
      form: { username: stranger.username },
    });
    expect(none.status).toBe(404);
    expect(await ownerRows(d.host)).toBe(1);
    expect(await count('domain_owners', 'user_id = ?', stranger.id)).toBe(0);
    const removal = await call(`/domains/${d.host}/owners/remove`, {
      cookie: stranger.cookie,
      form: { username: d.owner.username },
    });
    expect(removal.status).toBe(404);
    expect(await ownerRows(d.host)).toBe(1);
  });
});

describe('owners security: claims', () => {
  it('a wrong token fails and writes no owner', async () => {
    const eve = await signUp('wrongtok');
    const host = uniqueHost('wrongtok');
    await token(eve, host);
    outside.use(
      dns({ [`_blt-verify.${host}`]: { TXT: ['blt-verify=0123456789abcdef0123456789abcdef0123456789abcdef'] } }),
    );
    const res = await call(`/domains/${host}/claim`, { cookie: eve.cookie, form: { method: 'dns' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('does not hold this token');
    expect(await ownerRows(host)).toBe(0);
  });

  it('another user’s published token does not make you an owner', async () => {
    const realOwner = await signUp('realown');
    const eve = await signUp('copycat');
    const host = uniqueHost('copied');
    const theirs = await token(realOwner, host);
    await token(eve, host);
    outside.use(dns({ [`_blt-verify.${host}`]: { TXT: [`blt-verify=${theirs}`] } }));
    expect((await call(`/domains/${host}/claim`, { cookie: eve.cookie, form: { method: 'dns' } })).status).toBe(422);
    expect(await count('domain_owners', 'user_id = ?', eve.id)).toBe(0);
  });

  it('an expired token fails without asking the outside at all', async () => {
    const eve = await signUp('expired');
    const host = uniqueHost('expired');
    const t = await token(eve, host);
    await env.DB.prepare("UPDATE domain_claims SET expires_at = '2020-01-01T00:00:00.000Z' WHERE user_id = ?")
      .bind(eve.id)
      .run();
    outside.use(dns({ [`_blt-verify.${host}`]: { TXT: [`blt-verify=${t}`] } }));
    const res = await call(`/domains/${host}/claim`, { cookie: eve.cookie, form: { method: 'dns' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('expired');
    expect(seen).toEqual([]);
    expect(await ownerRows(host)).toBe(0);
    // A new token replaces it.
    const again = await token(eve, host);
    expect(again).not.toBe(t);
  });

  it('no token at all: nothing is checked', async () => {
    const eve = await signUp('notoken');
    const res = await call(`/domains/${uniqueHost('notoken')}/claim`, { cookie: eve.cookie, form: { method: 'file' } });
    expect(res.status).toBe(422);
    expect(seen).toEqual([]);
  });
});

describe('owners security: the verification fetch', () => {
  async function tryFile(zone: Parameters<typeof dns>[0], host: string, eve: Person) {
    outside.use(dns(zone));
    return call(`/domains/${host}/claim`, { cookie: eve.cookie, form: { method: 'file' } });
  }

  const privateAnswers: [string, { A?: string[]; AAAA?: string[] }][] = [
    ['loopback', { A: ['127.0.0.1'] }],
    ['RFC 1918', { A: ['10.1.2.3'] }],
    ['link-local metadata', { A: ['169.254.169.254'] }],
    ['CGNAT', { A: ['100.64.1.1'] }],
    ['one private among public ones', { A: ['93.184.216.34', '192.168.0.10'] }],
    ['IPv6 loopback', { A: ['93.184.216.34'], AAAA: ['::1'] }],
    ['IPv6 unique local', { AAAA: ['fd00::5'] }],
    ['IPv4-mapped IPv6', { AAAA: ['::ffff:127.0.0.1'] }],
  ];

  for (const [what, answers] of privateAnswers) {
    it(`refuses a host that resolves to a private address (${what}): no fetch, no owner`, async () => {
      const eve = await signUp('ssrf');
      const host = uniqueHost('ssrf');
      await token(eve, host);
      let fetched = false;
      outside.use(
        http.get(`https://${host}/.well-known/blt-verify.txt`, () => {
          fetched = true;
          return HttpResponse.text('anything');
        }),
      );
      const res = await tryFile({ [host]: answers }, host, eve);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('private address');
      expect(fetched).toBe(false);
      expect(seen.every((u) => u.startsWith('https://cloudflare-dns.com/'))).toBe(true);
      expect(await ownerRows(host)).toBe(0);
    });
  }

  it('refuses a redirect to another host: the other host is never asked, no owner', async () => {
    const eve = await signUp('redirect');
    const host = uniqueHost('redirect');
    const t = await token(eve, host);
    let evilAsked = false;
    outside.use(
      http.get(`https://${host}/.well-known/blt-verify.txt`, () =>
        HttpResponse.redirect('https://evil.example/token.txt', 302),
      ),
      http.get('https://evil.example/token.txt', () => {
        evilAsked = true;
        return HttpResponse.text(t);
      }),
    );
    const res = await tryFile({ [host]: { A: ['93.184.216.34'] } }, host, eve);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('redirected to another host');
    expect(evilAsked).toBe(false);
    expect(seen).not.toContain('https://evil.example/token.txt');
    expect(await ownerRows(host)).toBe(0);
  });

  it('follows a redirect on the same host (https), but refuses one to plain http', async () => {
    const eve = await signUp('samehost');
    const host = uniqueHost('samehost');
    const t = await token(eve, host);
    outside.use(
      http.get(`https://${host}/.well-known/blt-verify.txt`, () =>
        HttpResponse.redirect(`http://${host}/plain.txt`, 301),
      ),
    );
    const plain = await tryFile({ [host]: { A: ['93.184.216.34'] } }, host, eve);
    expect(plain.status).toBe(422);
    expect(seen).not.toContain(`http://${host}/plain.txt`);
    outside.use(
      http.get(`https://${host}/.well-known/blt-verify.txt`, () => HttpResponse.redirect(`https://${host}/v.txt`, 302)),
      http.get(`https://${host}/v.txt`, () => HttpResponse.text(t)),
    );
    const ok = await tryFile({ [host]: { A: ['93.184.216.34'] } }, host, eve);
    expect(ok.status).toBe(303);
    expect(await ownerRows(host)).toBe(1);
  });

  it('refuses a claim of localhost-like and private IP hosts before any lookup', async () => {
    const eve = await signUp('localclaim');
    // Host names our hostname rule accepts but the outbound rules refuse.
    for (const host of ['printer.local', 'db.internal', 'foo.localhost']) {
      await token(eve, host);
      const res = await call(`/domains/${host}/claim`, { cookie: eve.cookie, form: { method: 'file' } });
      expect(res.status, host).toBe(422);
    }
    expect(seen).toEqual([]);
    expect(await count('domain_owners', 'user_id = ?', eve.id)).toBe(0);
  });
});
