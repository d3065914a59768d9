import { describe, expect, it } from 'vitest';
import { renderedMarkdownSize, renderMarkdown } from '../views/components/markdown';

// views/components/markdown.tsx keeps rendered Markdown per isolate, keyed on the text itself.

const long = (tag: string, n = 60) =>
  Array.from({ length: n }, (_, i) => `## ${tag} step ${i}\n\n**bold** and [a link](https://x.example/${i})\n\n`).join(
    '',
  );

describe('rendered Markdown is kept by its text', () => {
  it('the same text gives the same HTML from the map; another text is rendered anew', () => {
    const text = long('same');
    const first = renderMarkdown(text);
    const before = renderedMarkdownSize().entries;
    expect(renderMarkdown(`${text}`)).toBe(first);
    expect(renderedMarkdownSize().entries).toBe(before);
    const edited = renderMarkdown(`${text}<script>alert(1)</script>`);
    expect(edited).not.toBe(first);
    expect(edited).toContain('&lt;script&gt;');
    expect(renderedMarkdownSize().entries).toBe(before + 1);
  });

  it('stays within its size', () => {
    const { maxChars } = renderedMarkdownSize();
    let written = 0;
    for (let i = 0; written < maxChars * 1.5; i++) {
      const text = long(`fill ${i}`);
      written += text.length * 2;
      renderMarkdown(text);
    }
    const size = renderedMarkdownSize();
    expect(size.chars).toBeLessThanOrEqual(maxChars);
    expect(size.chars).toBeGreaterThan(maxChars / 2);
  });

  it('short texts are rendered every time, never kept', () => {
    const before = renderedMarkdownSize().entries;
    expect(renderMarkdown('*hi*')).toBe('<p><em>hi</em></p>\n');
    expect(renderedMarkdownSize().entries).toBe(before);
  });
});
