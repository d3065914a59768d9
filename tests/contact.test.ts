import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONTACT_QUEUE_NAME, checkDomainContact, requestContactLookup } from '../worker/contact';
import { findDomain } from '../worker/db/bugs';
import { addOwner } from '../worker/db/owners';
import worker from '../worker/index';
import { SECURITY_TXT_MAX_BYTES } from '../worker/lib/securitytxt';
import { call, count, db, seedBug, signUp, uniqueHost, withVars } from './helpers';
import { dns, http, outside, seen, useOutside } from './outside';

useOutside();

/**
 * The remote sites of a test through OWNERS' msw setup (tests/outside.ts): DNS answers `address`
 * (public by default) for every host named, each URL answers what it is given; anything else
 * fails the test. The outbound code itself runs for real.
 */
function interceptInternet(sites: Record<string, Response>, addresses: Record<string, string> = {}) {
  const hosts = [...new Set(Object.keys(sites).map((u) => new URL(u).hostname))];
  outside.use(
    dns(Object.fromEntries(hosts.map((h) => [h, { A: [addresses[h] ?? '93.184.216.34'] }]))),
    ...Object.entries(sites).map(([url, res]) => http.get(url, () => res.clone())),
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

const FUTURE = '2099-01-01T00:00:00Z';
const text = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
const wellKnown = (host: string) => `https://${host}/.well-known/security.txt`;

async function contactRow(domainId: number) {
  return env.DB.prepare(
    'SELECT status, contact, checked_at, notified_at, notified_through FROM domain_contacts WHERE domain_id = ?',
  )
    .bind(domainId)
    .first<{
      status: string;
      contact: string | null;
      checked_at: string | null;
      notified_at: string | null;
      notified_through: number;
    }>();
}

/** A domain with reports (one public, one private by a signed-up reporter) and its look-up slot taken. */
async function reportedDomain() {
  const host = uniqueHost('sectxt');
  const reporter = await signUp('reporter');
  const pub = await seedBug({ hostname: host, title: `Public XSS on ${host}`, userId: reporter.id });
  const priv = await seedBug({
    hostname: host,
    title: 'Secret admin panel bypass',
    userId: reporter.id,
    isHidden: true,
  });
  const domainId = (await findDomain(db(), host))!.id;
  await withVars({ CONTACT_LOOKUP: 'on' }, async () => {
    vi.spyOn(env.CONTACT_QUEUE, 'send').mockResolvedValue(undefined as never);
    expect(await requestContactLookup(db(), env, host)).toBe(true);
  });
  return { host, domainId, reporter, pub, priv };
}

async function mailsTo(address: string) {
  const { results } = await env.DB.prepare('SELECT subject, text_body, html_body FROM outbox WHERE to_address = ?')
    .bind(address)
    .all<{ subject: string; text_body: string; html_body: string }>();
  return results;
}

describe('security.txt look-up and notice', () => {
  it('valid file with a mailto Contact: notice in the outbox (public: title and link; private: only that it exists)', async () => {
    const { host, domainId, reporter, pub } = await reportedDomain();
    const contact = `security@${host}`;
    interceptInternet({
      [wellKnown(host)]: text(`Contact: mailto:${contact}\nContact: https://${host}/sec\nExpires: ${FUTURE}\n`),
    });
    const mailId = await checkDomainContact(db(), env, domainId);
    expect(mailId).toEqual(expect.any(Number));
    expect(seen).toContain(wellKnown(host));
    const [mail, ...more] = await mailsTo(contact);
    expect(more).toHaveLength(0);
    expect(mail?.subject).toBe(`Bug reports about ${host} on BLT`);
    expect(mail?.text_body).toContain(`Public report: Public XSS on ${host}`);
    expect(mail?.text_body).toContain(`http://example.com/bugs/${pub}`);
    expect(mail?.text_body).toContain('A private report was also filed');
    expect(mail?.text_body).toContain(`http://example.com/domains/${host}/claim`);
    for (const part of [mail?.text_body, mail?.html_body, mail?.subject]) {
      expect(part).not.toContain('Secret admin panel bypass');
      expect(part).not.toContain(reporter.email);
      expect(part).not.toContain(reporter.username);
    }
    const row = await contactRow(domainId);
    expect(row).toMatchObject({ status: 'found', contact });
    expect(row?.notified_at).toBeTruthy();
    // Nothing new since: the next look-up mails nothing.
    expect(await checkDomainContact(db(), env, domainId)).toBeNull();
    expect(await mailsTo(contact)).toHaveLength(1);
    // A new report: the next notice names only it.
    await seedBug({ hostname: host, title: `Second bug on ${host}` });
    expect(await checkDomainContact(db(), env, domainId)).toEqual(expect.any(Number));
    const second = (await mailsTo(contact))[1];
    expect(second?.text_body).toContain(`Second bug on ${host}`);
    expect(second?.text_body).not.toContain('Public XSS');
  });

  it('expired file: recorded as expired, nobody mailed', async () => {
    const { host, domainId } = await reportedDomain();
    interceptInternet({
      [wellKnown(host)]: text(`Contact: mailto:sec@${host}\nExpires: 2020-01-01T00:00:00Z\n`),
    });
    expect(await checkDomainContact(db(), env, domainId)).toBeNull();
    expect((await contactRow(domainId))?.status).toBe('expired');
    expect(await count('outbox', 'to_address = ?', `sec@${host}`)).toBe(0);
  });

  it('missing file (404, or an HTML page for every path): not found', async () => {
    for (const answer of [
      text('Not found', 404),
      new Response('<!doctype html><p>Home', { headers: { 'content-type': 'text/html' } }),
    ]) {
      const { host, domainId } = await reportedDomain();
      interceptInternet({ [wellKnown(host)]: answer });
      expect(await checkDomainContact(db(), env, domainId)).toBeNull();
      expect((await contactRow(domainId))?.status).toBe('not_found');
      outside.resetHandlers();
    }
  });

  it('oversized file: refused whole, nobody mailed', async () => {
    const { host, domainId } = await reportedDomain();
    const body = `Contact: mailto:sec@${host}\nExpires: ${FUTURE}\n# ${'x'.repeat(SECURITY_TXT_MAX_BYTES)}\n`;
    interceptInternet({ [wellKnown(host)]: text(body) });
    expect(await checkDomainContact(db(), env, domainId)).toBeNull();
    expect((await contactRow(domainId))?.status).toBe('invalid');
    expect(await count('outbox', 'to_address = ?', `sec@${host}`)).toBe(0);
  });

  it('redirected: followed on the same host, refused to another host', async () => {
    const same = await reportedDomain();
    interceptInternet({
      [wellKnown(same.host)]: new Response(null, { status: 301, headers: { location: '/security.txt' } }),
      [`https://${same.host}/security.txt`]: text(`Contact: mailto:sec@${same.host}\nExpires: ${FUTURE}\n`),
    });
    expect(await checkDomainContact(db(), env, same.domainId)).toEqual(expect.any(Number));
    expect((await contactRow(same.domainId))?.status).toBe('found');
    outside.resetHandlers();

    const other = await reportedDomain();
    interceptInternet({
      [wellKnown(other.host)]: new Response(null, {
        status: 302,
        headers: { location: 'https://attacker.example/.well-known/security.txt' },
      }),
      'https://attacker.example/.well-known/security.txt': text('Contact: mailto:attacker@attacker.example\n'),
    });
    expect(await checkDomainContact(db(), env, other.domainId)).toBeNull();
    expect((await contactRow(other.domainId))?.status).toBe('not_found');
    expect(seen).not.toContain('https://attacker.example/.well-known/security.txt');
    expect(await count('outbox', "to_address = 'attacker@attacker.example'")).toBe(0);
  });

  it('a host resolving to a private address is never fetched', async () => {
    const { host, domainId } = await reportedDomain();
    interceptInternet({ [wellKnown(host)]: text(`Contact: mailto:sec@${host}\n`) }, { [host]: '10.0.0.7' });
    expect(await checkDomainContact(db(), env, domainId)).toBeNull();
    expect(seen).not.toContain(wellKnown(host));
    expect((await contactRow(domainId))?.status).toBe('not_found');
  });

  it('a claimed domain gets no security.txt notice (its owners are notified instead)', async () => {
    const { host, domainId } = await reportedDomain();
    const owner = await signUp('owner');
    await addOwner(db(), { domainId, userId: owner.id, addedBy: null, method: 'added' });
    interceptInternet({ [wellKnown(host)]: text(`Contact: mailto:sec@${host}\nExpires: ${FUTURE}\n`) });
    expect(await checkDomainContact(db(), env, domainId)).toBeNull();
    expect((await contactRow(domainId))?.status).toBe('found');
    expect(await count('outbox', 'to_address = ?', `sec@${host}`)).toBe(0);
  });
});

describe('when a look-up is queued', () => {
  it('on a domain’s first report, then at most once a day', async () => {
    await withVars({ CONTACT_LOOKUP: 'on' }, async () => {
      const send = vi.spyOn(env.CONTACT_QUEUE, 'send').mockResolvedValue(undefined as never);
      const { cookie } = await signUp('reporter');
      const host = uniqueHost('first');
      const report = (title: string) =>
        call('/api/bugs', { cookie, form: { url: `https://${host}/x`, title, description: '' } });
      expect((await report('The first report here')).status).toBe(303);
      const domainId = (await findDomain(db(), host))!.id;
      expect(send).toHaveBeenCalledTimes(1);
      expect(send).toHaveBeenLastCalledWith({ domain_id: domainId });
      expect((await report('A second report here')).status).toBe(303);
      expect(send).toHaveBeenCalledTimes(1);
      // A day later, a new report asks again.
      await env.DB.prepare(
        "UPDATE domain_contacts SET requested_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-25 hours') WHERE domain_id = ?",
      )
        .bind(domainId)
        .run();
      expect((await report('A third report, next day')).status).toBe(303);
      expect(send).toHaveBeenCalledTimes(2);
    });
  });

  it('the queue() handler dispatches contact messages by queue name', async () => {
    const { host, domainId } = await reportedDomain();
    interceptInternet({ [wellKnown(host)]: text('Not here', 404) });
    const batch = createMessageBatch(CONTACT_QUEUE_NAME, [
      { id: 'c1', timestamp: new Date(), attempts: 1, body: { domain_id: domainId } },
      { id: 'c2', timestamp: new Date(), attempts: 1, body: { nonsense: true } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['c1', 'c2']);
    expect((await contactRow(domainId))?.status).toBe('not_found');
  });
});
