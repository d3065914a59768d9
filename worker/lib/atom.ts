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

/** Element and attribute names already checked against NAME (names are ours: a few dozen). */
const checkedNames = new Set<string>();

function checkName(name: string, what: string): void {
  if (checkedNames.has(name)) return;
  if (!NAME.test(name)) throw new Error(`renderXml: bad ${what} name ${JSON.stringify(name)}`);
  checkedNames.add(name);
}

/** Serialises a tree (with the XML declaration when `declaration`). */
export function renderXml(node: XmlNode, declaration = true): string {
  const out: string[] = declaration ? ['<?xml version="1.0" encoding="utf-8"?>\n'] : [];
  const walk = (n: XmlNode) => {
    checkName(n.name, 'element');
    out.push('<', n.name);
    const attrs = n.attrs;
    if (attrs) {
      for (const k in attrs) {
        const v = attrs[k];
        if (v === undefined) continue;
        checkName(k, 'attribute');
        out.push(' ', k, '="', escapeXml(v), '"');
      }
    }
    let open = false;
    for (const c of n.children ?? []) {
      if (c === null || c === undefined || c === false) continue;
      if (!open) {
        out.push('>');
        open = true;
      }
      if (typeof c === 'string') out.push(escapeXml(c));
      else walk(c);
    }
    out.push(open ? `</${n.name}>` : '/>');
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

const CANONICAL = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** An RFC 3339 timestamp (what Atom's date constructs require), from any ISO time D1 stored. */
export function rfc3339(iso: string): string {
  if (CANONICAL.test(iso)) return iso; // what D1 stores: already the form toISOString() gives
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
