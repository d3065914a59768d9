import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { atomFeed, el, escapeXml, renderXml } from '../worker/lib/atom';
import { call, seedBug, signUp, uniqueHost } from './helpers';
import { kids, parseXml, type XmlElement } from './xml';

/** RFC 3339 date-time, as Atom's date constructs require (RFC 4287 §3.3). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function one(parent: XmlElement, name: string): XmlElement {
  const found = kids(parent, name);
  expect(found, `<${parent.name}> has exactly one <${name}>`).toHaveLength(1);
  return found[0] as XmlElement;
}

/**
 * The Atom 1.0 rules a reader relies on (RFC 4287 §4.1): the root is atom:feed in the Atom
 * namespace; the feed and every entry have exactly one id (an absolute IRI), one title and one
 * updated (RFC 3339); the feed has an author (or every entry does); each entry has an alternate
 * link and at most one per type; ids are unique; the feed has a self link.
 */
function checkAtom(doc: string): XmlElement {
  const feed = parseXml(doc);
  expect(feed.name).toBe('feed');
  expect(feed.attrs.xmlns).toBe('http://www.w3.org/2005/Atom');
  expect(one(feed, 'id').text).toMatch(/^[a-z][a-z0-9+.-]*:\S+$/);
  expect(one(feed, 'title').text.length).toBeGreaterThan(0);
  expect(one(feed, 'updated').text).toMatch(RFC3339);
  const feedAuthor = kids(feed, 'author').length > 0;
  const links = kids(feed, 'link');
  expect(links.filter((l) => l.attrs.rel === 'self')).toHaveLength(1);
  expect(links.filter((l) => l.attrs.rel === 'alternate' && l.attrs.type === 'text/html')).toHaveLength(1);
  const ids = new Set<string>();
  for (const entry of kids(feed, 'entry')) {
    const id = one(entry, 'id').text;
    expect(id).toMatch(/^[a-z][a-z0-9+.-]*:\S+$/);
    expect(ids.has(id), `entry id ${id} is unique`).toBe(false);
    ids.add(id);
    expect(one(entry, 'title').text.length).toBeGreaterThan(0);
    expect(one(entry, 'updated').text).toMatch(RFC3339);
    for (const p of kids(entry, 'published')) expect(p.text).toMatch(RFC3339);
    if (!feedAuthor) expect(kids(entry, 'author').length).toBeGreaterThan(0);
    for (const a of kids(entry, 'author')) expect(one(a, 'name').text.length).toBeGreaterThan(0);
    const alternates = kids(entry, 'link').filter((l) => (l.attrs.rel ?? 'alternate') === 'alternate');
    expect(alternates).toHaveLength(1);
    expect(alternates[0]?.attrs.href).toMatch(/^https?:\/\//);
    // No content means a summary is required (§4.1.1.1 for non-inline content; we always give one).
    expect(kids(entry, 'summary')).toHaveLength(1);
  }
  return feed;
}

const entryIds = (feed: XmlElement) => kids(feed, 'entry').map((e) => one(e, 'id').text);
const entryTitles = (feed: XmlElement) => kids(feed, 'entry').map((e) => one(e, 'title').text);

describe('XML builder', () => {
  it('escapes text and attributes, drops characters XML forbids, refuses bad names', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(escapeXml('a\u0000b\u0007c\td')).toBe('abc\td');
    const xml = renderXml(el('t', { a: '"><x y="' }, '</t><script>', el('e')), false);
    expect(xml).toBe('<t a="&quot;&gt;&lt;x y=&quot;">&lt;/t&gt;&lt;script&gt;<e/></t>');
    expect(parseXml(xml).text).toBe('</t><script>');
    expect(() => renderXml(el('a b'))).toThrow(/bad element name/);
    expect(() => renderXml(el('a', { 'x="1" y': 'z' }))).toThrow(/bad attribute name/);
  });

  it('an empty feed still has its id, title, updated, author and links', () => {
    const feed = checkAtom(
      atomFeed({
        id: 'tag:x,2026:f',
        title: 'T',
        alternate: 'http://x/',
        self: 'http://x/f',
        updated: '2026-01-02T03:04:05Z',
        entries: [],
      }),
    );
    expect(kids(feed, 'entry')).toHaveLength(0);
  });
});

describe('Atom feeds', () => {
  it('/bugs.atom: public reports only, newest first, with /bugs filters and stable ids', async () => {
    const host = uniqueHost('feed');
    const title = `Feed <b>&"bold"</b> ${host}`;
    const pub = await seedBug({ hostname: host, title, label: 'security' });
    const other = await seedBug({ hostname: host, title: `Typo on ${host}`, label: 'typo' });
    const { id: userId } = await signUp('feeder');
    await seedBug({ hostname: host, title: `Secret ${host}`, isHidden: true, userId });
    const res = await call(`/bugs.atom?domain=${host}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/atom+xml; charset=utf-8');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = await res.text();
    const feed = checkAtom(body);
    expect(entryTitles(feed)).toEqual([`Typo on ${host}`, title]);
    expect(body).not.toContain('Secret');
    expect(body).not.toContain('<b>');
    expect(entryIds(feed)).toEqual([`tag:example.com,2026:bug/${other}`, `tag:example.com,2026:bug/${pub}`]);
    const link = kids(kids(feed, 'entry')[1]!, 'link')[0]!;
    expect(link.attrs.href).toBe(`http://example.com/bugs/${pub}`);

    const filtered = checkAtom(await (await call(`/bugs.atom?domain=${host}&label=security`)).text());
    expect(entryTitles(filtered)).toEqual([title]);
    // The same report keeps its id in every feed it appears in, and on the next fetch.
    expect(entryIds(filtered)[0]).toBe(entryIds(feed)[1]);
    expect(one(filtered, 'id').text).not.toBe(one(feed, 'id').text);
    expect((await call('/bugs.atom?label=nonsense')).status).toBe(400);
  });

  it('an entry’s updated follows the report; spam leaves the feed', async () => {
    const host = uniqueHost('feed');
    const id = await seedBug({ hostname: host });
    await env.DB.prepare("UPDATE bugs SET updated_at = '2030-01-02T03:04:05.000Z' WHERE id = ?").bind(id).run();
    const feed = checkAtom(await (await call(`/domains/${host}/feed.atom`)).text());
    expect(one(kids(feed, 'entry')[0]!, 'updated').text).toBe('2030-01-02T03:04:05.000Z');
    expect(one(feed, 'updated').text).toBe('2030-01-02T03:04:05.000Z');
    await env.DB.prepare("UPDATE bugs SET status = 'spam', state = 'spam' WHERE id = ?").bind(id).run();
    expect((await call(`/domains/${host}/feed.atom`)).status).toBe(404);
  });

  it('/domains/:host/feed.atom is 404 for a domain with only private reports', async () => {
    const host = uniqueHost('feed');
    const { id } = await signUp('feeder');
    await seedBug({ hostname: host, isHidden: true, userId: id });
    const res = await call(`/domains/${host}/feed.atom`);
    expect(res.status).toBe(404);
    // The same answer as a host nobody ever reported on.
    const unknown = uniqueHost('never');
    const none = await call(`/domains/${unknown}/feed.atom`);
    expect(none.status).toBe(404);
    expect((await res.text()).replaceAll(host, 'H')).toBe((await none.text()).replaceAll(unknown, 'H'));
  });

  it('/users/:name/feed.atom lists the reporter’s public reports, never private ones', async () => {
    const { id, username, cookie } = await signUp('feeder');
    await seedBug({ title: 'Public one by me', userId: id });
    await seedBug({ title: 'Private one by me', userId: id, isHidden: true });
    // Even the reporter's own session sees only public entries (feeds are the same for everyone).
    const body = await (await call(`/users/${username}/feed.atom`, { cookie })).text();
    const feed = checkAtom(body);
    expect(entryTitles(feed)).toEqual(['Public one by me']);
    expect(one(kids(feed, 'entry')[0]!, 'author').children[0]?.text).toBe(username);
    expect((await call('/users/nobody_here_x/feed.atom')).status).toBe(404);
  });

  it('pages announce their feed with <link rel="alternate">', async () => {
    const host = uniqueHost('feed');
    await seedBug({ hostname: host });
    const { username } = await signUp('feeder');
    const pages: [string, string][] = [
      ['/bugs?label=typo', '/bugs.atom?label=typo'],
      [`/domains/${host}`, `/domains/${host}/feed.atom`],
      [`/users/${username}`, `/users/${username}/feed.atom`],
    ];
    for (const [page, href] of pages) {
      const html = await (await call(page)).text();
      const head = html.slice(0, html.indexOf('</head>'));
      expect(head).toContain(`<link rel="alternate" type="application/atom+xml" href="${href}"`);
      expect((await call(href)).status).toBe(200);
    }
  });
});
