import MarkdownIt from 'markdown-it';

/**
 * Descriptions and comments are CommonMark, rendered here on the server by markdown-it.
 *
 * This is the ONE place where HTML made from user text is inserted without hono/jsx escaping it
 * (`dangerouslySetInnerHTML` below). Why that is safe:
 * - `html: false`: markdown-it escapes every `<`, `>`, `&` and quote the user wrote, so no tag
 *   or attribute the user typed can reach the page; the only tags are the ones the renderer
 *   itself emits (p, em, strong, code, pre, blockquote, lists, headings, hr, br, a).
 * - Attribute values it emits (href, code's language class) are escaped by markdown-it.
 * - `validateLink` lets only `http:`, `https:` and `mailto:` through; any other link (such as
 *   `javascript:`, `data:`, or a relative one) stays plain text.
 * - Images are never inlined (no requests to other hosts, no tracking pixels): they become a link.
 * - The page's CSP forbids inline script anyway, and tests/evidence.security.test.ts runs the
 *   XSS payload corpus through this renderer and allows only the tags and attributes above.
 */
const md = new MarkdownIt('commonmark', { html: false, linkify: false, typographer: false });

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

/** Every link a user wrote: nofollow (no SEO reward for spam), ugc, and no window.opener. */
const REL = 'nofollow ugc noopener';

const renderToken = md.renderer.renderToken.bind(md.renderer);
md.renderer.rules.link_open = (tokens, idx, options) => {
  tokens[idx]?.attrSet('rel', REL);
  return renderToken(tokens, idx, options);
};

/** An image becomes a link to it, named by its alt text: the reader decides whether to open it. */
md.renderer.rules.image = (tokens, idx, options, env) => {
  const token = tokens[idx];
  const src = String(token?.attrGet('src') ?? '');
  const alt = md.renderer.renderInlineAsText(token?.children ?? [], options, env);
  const esc = md.utils.escapeHtml;
  return `<a href="${esc(src)}" rel="${REL}">Image: ${esc(String(alt || src))}</a>`;
};

/**
 * Headings a user writes sit under the page's own h1 and h2 (every place Markdown is shown has an
 * h2 above it), so they start at h3 and never skip a level: `#` is h3, and each heading is at
 * most one level deeper than the one before it.
 */
md.core.ruler.push('shift_headings', (state) => {
  let previous = 2;
  const open: number[] = [];
  for (const t of state.tokens) {
    if (t.type === 'heading_open') {
      const level = Math.min(6, Math.max(3, Math.min(Number(t.tag.slice(1)) + 2, previous + 1)));
      t.tag = `h${level}`;
      open.push(level);
      previous = level;
    } else if (t.type === 'heading_close') {
      t.tag = `h${open.pop() ?? 3}`;
    }
  }
});

/**
 * Rendered Markdown by its text, per isolate: a report's description is rendered again for every
 * reader, and markdown-it takes about a millisecond for a long one, as much CPU as the rest of the
 * page (`npm run bench`, the Markdown-heavy bug page). The key is the text itself and the output
 * depends on nothing else, so an entry can never be stale; an edit is a new key. At most
 * RENDERED_MAX_CHARS of text and HTML are kept, oldest entries dropped first.
 */
const rendered = new Map<string, string>();
const RENDERED_MAX_CHARS = 4_000_000;
/** Texts shorter than this render faster than the map lookup is worth keeping. */
const RENDERED_MIN_CHARS = 200;
let renderedChars = 0;

/** What the rendered-Markdown map holds now (tests check it stays bounded). */
export function renderedMarkdownSize(): { entries: number; chars: number; maxChars: number } {
  return { entries: rendered.size, chars: renderedChars, maxChars: RENDERED_MAX_CHARS };
}

/** The HTML of `text` as Markdown, safe to insert (see above). */
export function renderMarkdown(text: string): string {
  if (text.length < RENDERED_MIN_CHARS) return md.render(text);
  const known = rendered.get(text);
  if (known !== undefined) return known;
  const html = md.render(text);
  rendered.set(text, html);
  renderedChars += text.length + html.length;
  for (const [oldText, oldHtml] of rendered) {
    if (renderedChars <= RENDERED_MAX_CHARS) break;
    rendered.delete(oldText);
    renderedChars -= oldText.length + oldHtml.length;
  }
  return html;
}

/** Markdown text as HTML in a `<div class="markdown">`. */
export function Markdown({ text, class: cls }: { text: string; class?: string }) {
  const html = { __html: renderMarkdown(text) };
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the one place rendered Markdown is inserted; safe because markdown-it runs with html:false and our link rules (top of this file)
  return <div class={cls ? `markdown ${cls}` : 'markdown'} dangerouslySetInnerHTML={html} />;
}
