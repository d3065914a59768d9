/**
 * A small strict XML reader for the feed tests (workerd has no DOMParser): elements, attributes,
 * text and the five predefined entities plus numeric references. It throws on anything not
 * well-formed that our builder could get wrong: unbalanced tags, a raw `<` or `&` in text or an
 * attribute, duplicate attributes, text outside the root.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & in ${where}`);
    if (name in ENTITIES) return ENTITIES[name] as string;
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(name);
    if (num?.[1]) return String.fromCodePoint(num[1].startsWith('x') ? parseInt(num[1].slice(1), 16) : Number(num[1]));
    throw new Error(`unknown entity &${name}; in ${where}`);
  });
}

export function parseXml(doc: string): XmlElement {
  let s = doc.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const tag = /^<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"]*")*)\s*(\/?)>/;
  while (s.length > 0) {
    if (s.startsWith('<')) {
      const m = tag.exec(s);
      if (!m) throw new Error(`malformed tag near ${JSON.stringify(s.slice(0, 40))}`);
      const [whole, close, name = '', attrText = '', selfClose] = m;
      s = s.slice(whole.length);
      if (close) {
        const open = stack.pop();
        if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
        continue;
      }
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([A-Za-z_][\w.:-]*)="([^"]*)"/g)) {
        const key = a[1] as string;
        if (key in attrs) throw new Error(`duplicate attribute ${key} on <${name}>`);
        attrs[key] = decode(a[2] ?? '', `attribute ${key}`);
      }
      const el: XmlElement = { name, attrs, children: [], text: '' };
      const parent = stack.at(-1);
      if (parent) parent.children.push(el);
      else if (root) throw new Error('two root elements');
      else root = el;
      if (!selfClose) stack.push(el);
    } else {
      const end = s.indexOf('<');
      const raw = end === -1 ? s : s.slice(0, end);
      s = end === -1 ? '' : s.slice(end);
      const parent = stack.at(-1);
      if (!parent) {
        if (raw.trim()) throw new Error('text outside the root element');
        continue;
      }
      parent.text += decode(raw, `<${parent.name}>`);
    }
  }
  if (stack.length) throw new Error(`<${stack.at(-1)?.name}> never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Children of `el` named `name`. */
export function kids(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
