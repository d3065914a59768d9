/**
 * A tiny XML builder for the Atom feeds: every text and attribute value goes through escapeXml,
 * element and attribute names must be plain names, so no user text ever becomes markup. Feeds are
 * built as trees of XmlNode and serialised once (tests/feeds.test.ts checks the escaping).
 */
export interface XmlNode {
  name: string;
  attrs?: Record<string, string | undefined>;
  children?: (XmlNode | string | null | undefined | false)[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** Characters XML 1.0 does not allow at all (control characters but tab, LF, CR; lone surrogates). */
const INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const HAS_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const HAS_SPECIAL = /[&<>"']/;

/**
 * Text or attribute value as XML: & < > " ' escaped, characters XML forbids dropped; the
 * replacing passes are skipped for text that needs none (a feed escapes 50 entries' text on every request).
 */
export function escapeXml(text: string): string {
  const clean = HAS_INVALID.test(text) ? text.replace(INVALID, '') : text;
  if (!HAS_SPECIAL.test(clean)) return clean;
  return clean
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Builds one element. Throws on a name that is not an XML name: names are ours, never user text. */
export function el(name: string, attrs?: XmlNode['attrs'], ...children: XmlNode['children'] & {}): XmlNode {
  return { name, attrs, children };
}

/** Serialises a tree (with the XML declaration when `declaration`). */
export function renderXml(node: XmlNode, declaration = true): string {
  const out: string[] = declaration ? ['<?xml version="1.0" encoding="utf-8"?>\n'] : [];
  const walk = (n: XmlNode) => {
    if (!NAME.test(n.name)) throw new Error(`renderXml: bad element name ${JSON.stringify(n.name)}`);
    out.push('<', n.name);
    for (const [k, v] of Object.entries(n.attrs ?? {})) {
      if (v === undefined) continue;
      if (!NAME.test(k)) throw new Error(`renderXml: bad attribute name ${JSON.stringify(k)}`);
      out.push(' ', k, '="', escapeXml(v), '"');
    }
    const kids = (n.children ?? []).filter((c): c is XmlNode | string => c !== null && c !== undefined && c !== false);
    if (kids.length === 0) {
      out.push('/>');
      return;
    }
    out.push('>');
    for (const c of kids) {
      if (typeof c === 'string') out.push(escapeXml(c));
      else walk(c);
    }
    out.push('</', n.name, '>');
  };
  walk(node);
  return out.join('');
}

export interface AtomEntry {
  id: string;
  title: string;
  link: string;
  updated: string;
  published: string;
  author: string;
  summary: string;
  content?: string | undefined;
  categories?: string[];
}

export interface AtomFeed {
  id: string;
  title: string;
  /** The page this feed mirrors (rel=alternate) and the feed's own URL (rel=self). */
  alternate: string;
  self: string;
  /** Newest entry's `updated`; for an empty feed, when it was generated. */
  updated: string;
  subtitle?: string;
  entries: AtomEntry[];
}

const ATOM_NS = 'http://www.w3.org/2005/Atom';

/** An RFC 3339 timestamp (what Atom's date constructs require), from any ISO time D1 stored. */
export function rfc3339(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
}

/**
 * An Atom 1.0 document (RFC 4287): the feed and each entry have exactly one id, title and
 * updated; the feed has an author (so entries inherit one) and each entry names its own too;
 * links are alternate (the HTML page) and self.
 */
export function atomFeed(f: AtomFeed): string {
  return renderXml(
    el(
      'feed',
      { xmlns: ATOM_NS },
      el('id', {}, f.id),
      el('title', {}, f.title),
      f.subtitle ? el('subtitle', {}, f.subtitle) : null,
      el('updated', {}, rfc3339(f.updated)),
      el('author', {}, el('name', {}, 'BLT-Next')),
      el('link', { rel: 'alternate', type: 'text/html', href: f.alternate }),
      el('link', { rel: 'self', type: 'application/atom+xml', href: f.self }),
      el('generator', {}, 'BLT-Next'),
      ...f.entries.map((e) =>
        el(
          'entry',
          {},
          el('id', {}, e.id),
          el('title', { type: 'text' }, e.title),
          el('link', { rel: 'alternate', type: 'text/html', href: e.link }),
          el('published', {}, rfc3339(e.published)),
          el('updated', {}, rfc3339(e.updated)),
          el('author', {}, el('name', {}, e.author)),
          ...(e.categories ?? []).map((term) => el('category', { term })),
          el('summary', { type: 'text' }, e.summary),
          e.content ? el('content', { type: 'text' }, e.content) : null,
        ),
      ),
    ),
  );
}
