import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../views/components/markdown';
import { bugIdOf, contains, image, postMultipart, shotsOf, storedBytes } from './evidence-helpers';
import { call, count, makeAdmin, ORIGIN, seedBug, signUp, uniqueHost } from './helpers';

const report = (host: string, extra: Record<string, string> = {}) => ({
  url: `https://${host}/`,
  title: 'A perfectly valid title',
  ...extra,
});

const text = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

async function r2Objects(): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await env.SCREENSHOTS.list({ prefix: 'screenshots/', cursor });
    n += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return n;
}

describe('evidence security: the type comes from the bytes', () => {
  it.each([
    ['page.png', 'image/png', '<!doctype html><script>alert(1)</script>'],
    ['shot.jpg', 'image/jpeg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ['x.gif', 'image/gif', 'GIF89a=1;alert(document.cookie)//'],
    ['fake.png', 'image/png', '\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>'],
    ['cut.jpg', 'image/jpeg', '\xff\xd8\xff\xe0\x00\x10JFIF\x00'],
  ])(
    '%s claimed as %s but not really one: 422 naming it, other fields kept, nothing stored',
    async (name, type, body) => {
      const host = uniqueHost('lie');
      const objects = await r2Objects();
      const bytes = Uint8Array.from(body, (ch) => ch.charCodeAt(0));
      const res = await postMultipart('/api/bugs', report(host, { title: 'Kept across the refusal' }), [
        { name: 'fine.png', bytes: image('png').bytes },
        { name, bytes, type },
      ]);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toMatch(new RegExp(`“${name.replace('.', '\\.')}” is (not a PNG, JPEG, WebP or GIF image|damaged)`));
      expect(html).toContain('Choose your screenshots again');
      expect(html).toContain('value="Kept across the refusal"');
      expect(await count('domains', 'hostname = ?', host)).toBe(0);
      expect(await r2Objects()).toBe(objects);
    },
  );

  it('an image claiming more than 16,384 pixels on a side (a decompression bomb) or cut short is refused', async () => {
    const bomb = image('png').bytes.slice();
    bomb.set([0x00, 0x01, 0x86, 0xa0], 16); // IHDR width = 100,000
    const cut = image('jpeg').bytes.slice(0, 300);
    for (const [name, bytes, why] of [
      ['bomb.png', bomb, /“bomb\.png” is 100000 × 21 pixels; at most 16384 on each side/],
      ['cut.jpg', cut, /“cut\.jpg” is damaged or not a complete image/],
    ] as const) {
      const res = await postMultipart('/api/bugs', report(uniqueHost('bomb')), [{ name, bytes }]);
      expect(res.status).toBe(422);
      expect(await res.text()).toMatch(why);
    }
  });

  it('a real PNG named evil.html and sent as text/html is stored and served as image/png', async () => {
    const res = await postMultipart('/api/bugs', report(uniqueHost('named')), [
      { name: 'evil.html', bytes: image('png').bytes, type: 'text/html' },
    ]);
    expect(res.status).toBe(303);
    const id = bugIdOf(res);
    const [row] = await shotsOf(id);
    expect(row?.type).toBe('image/png');
    const served = await call(`/bugs/${id}/screenshots/${row!.key}`);
    expect(served.headers.get('Content-Type')).toBe('image/png');
    expect(served.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(served.headers.get('Content-Security-Policy')).toBe("sandbox; default-src 'none'");
  });

  it('polyglots lose their second file: HTML after EOI/IEND and in comments or text chunks is not stored', async () => {
    const jpeg = image('jpeg').bytes;
    const comment = text('<script>alert(1)</script>');
    const com = concat(Uint8Array.of(0xff, 0xfe, 0x00, comment.length + 2), comment);
    const jpegPolyglot = concat(jpeg.subarray(0, 2), com, jpeg.subarray(2), text('<html><script>alert(2)</script>'));
    const pngPolyglot = concat(image('png').bytes, text('PK\x03\x04<script>alert(3)</script>'));
    const gifPolyglot = concat(image('gif').bytes, text('*/=alert(4)//<script>'));
    const res = await postMultipart('/api/bugs', report(uniqueHost('poly')), [
      { name: 'a.jpg', bytes: jpegPolyglot },
      { name: 'b.png', bytes: pngPolyglot },
      { name: 'c.gif', bytes: gifPolyglot },
    ]);
    expect(res.status).toBe(303);
    const rows = await shotsOf(bugIdOf(res));
    expect(rows.map((r) => r.type)).toEqual(['image/jpeg', 'image/png', 'image/gif']);
    for (const r of rows) {
      const stored = (await storedBytes(r.key))!;
      expect(contains(stored, '<script'), r.type).toBe(false);
      expect(contains(stored, 'alert('), r.type).toBe(false);
      expect(contains(stored, 'PK\x03\x04'), r.type).toBe(false);
    }
  });
});

describe('evidence security: size limits refuse before reading', () => {
  it('a body over 16 MiB without Content-Length is refused (413) after reading little more than the limit', async () => {
    const boundary = 'xxBOUNDARYxx';
    const head = text(
      `--${boundary}\r\nContent-Disposition: form-data; name="screenshots"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const chunk = new Uint8Array(1024 * 1024);
    let pulled = 0;
    let sent = 0;
    const total = 64; // MiB on offer; a reader that read everything would pull all of it
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (sent === 0) controller.enqueue(head);
        if (sent >= total) {
          controller.close();
          return;
        }
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const host = uniqueHost('stream');
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/bugs`, {
        method: 'POST',
        headers: { Origin: ORIGIN, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body,
      }),
    );
    expect(res.status).toBe(413);
    const html = await res.text();
    expect(html).toContain('at most 5 screenshots, 5 MB each and 15 MB together');
    expect(sent).toBeLessThan(24);
    expect(pulled).toBeLessThan(total);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it('a Content-Length over 16 MiB is refused from the header, as a readable page', async () => {
    const files = Array.from({ length: 5 }, (_, i) => ({
      name: `f${i}.png`,
      bytes: new Uint8Array(3.5 * 1024 * 1024),
    }));
    const host = uniqueHost('len');
    const res = await postMultipart('/api/bugs', report(host), files);
    expect(res.status).toBe(413);
    expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('Nothing was saved');
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
    const json = await postMultipart('/api/bugs', report(host), files, { json: true });
    expect(json.status).toBe(413);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('every other route keeps the 64 KB limit, multipart or not; a plain report form too', async () => {
    const user = await signUp('limits');
    const id = await seedBug();
    const big = [{ name: 'a.png', bytes: new Uint8Array(100 * 1024) }];
    expect((await postMultipart(`/api/bugs/${id}/comments`, { body: 'hi' }, big, { cookie: user.cookie })).status).toBe(
      413,
    );
    expect((await postMultipart(`/bugs/${id}/edit`, { title: 'x' }, big, { cookie: user.cookie })).status).toBe(413);
    const host = uniqueHost('plain');
    const plain = await call('/api/bugs', { form: report(host, { description: 'x'.repeat(100 * 1024) }) });
    expect(plain.status).toBe(413);
  });

  it('a cross-site multipart post is refused (403) and stores nothing', async () => {
    const objects = await r2Objects();
    const form = new FormData();
    const host = uniqueHost('csrf');
    for (const [k, v] of Object.entries(report(host))) form.append(k, v);
    form.append('screenshots', new File([image('png').bytes], 'a.png', { type: 'image/png' }));
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/bugs`, { method: 'POST', headers: { Origin: 'https://evil.example' }, body: form }),
    );
    expect(res.status).toBe(403);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
    expect(await r2Objects()).toBe(objects);
  });
});

describe('evidence security: private screenshots', () => {
  it('a private report’s screenshot: 404 for others and signed-out, private no-store for its reporter and admins', async () => {
    const owner = await signUp('privshot');
    const other = await signUp('privother');
    const admin = await signUp('privadmin');
    await makeAdmin(admin.id);
    const res = await postMultipart(
      '/api/bugs',
      report(uniqueHost('priv'), { private: 'on' }),
      [{ name: 'a.png', bytes: image('png').bytes }],
      { cookie: owner.cookie },
    );
    const id = bugIdOf(res);
    const [row] = await shotsOf(id);
    const url = `/bugs/${id}/screenshots/${row!.key}`;
    for (const cookie of [undefined, other.cookie]) {
      const r = await call(url, { cookie });
      expect(r.status).toBe(404);
      expect(r.headers.get('Cache-Control')).toBe('private, no-store');
      expect(r.headers.get('Content-Security-Policy')).toBe("sandbox; default-src 'none'");
      expect(await r.text()).not.toContain('PNG');
      // Nor can they remove it.
      expect((await call(`${url}/delete`, { cookie, form: {} })).status).toBe(cookie ? 404 : 401);
    }
    for (const cookie of [owner.cookie, admin.cookie]) {
      const r = await call(url, { cookie });
      expect(r.status).toBe(200);
      expect(r.headers.get('Cache-Control')).toBe('private, no-store');
      expect(r.headers.get('Content-Type')).toBe('image/png');
    }
    expect(await shotsOf(id)).toHaveLength(1);
  });

  it('path tricks never reach another key or the bucket', async () => {
    const id = await seedBug();
    for (const key of ['..%2F..%2Fscreenshots', '%2e%2e', 'a'.repeat(33), 'a'.repeat(31)]) {
      expect((await call(`/bugs/${id}/screenshots/${key}`)).status).toBe(404);
    }
  });
});

describe('evidence security: editing and removing belong to their owners', () => {
  it('an edit by someone else is a 403 and writes nothing; signed out a 401; a private report a 404', async () => {
    const owner = await signUp('owner');
    const other = await signUp('intruder');
    const host = uniqueHost('own');
    const id = bugIdOf(await call('/api/bugs', { cookie: owner.cookie, form: report(host) }));
    const priv = bugIdOf(await call('/api/bugs', { cookie: owner.cookie, form: report(host, { private: 'on' }) }));
    const form = { url: 'https://attacker.example/', title: 'Defaced title here', label: 'general', severity: 'none' };
    const before = await env.DB.prepare('SELECT * FROM bugs WHERE id = ?').bind(id).first();
    expect((await call(`/bugs/${id}/edit`, { cookie: other.cookie })).status).toBe(403);
    expect((await call(`/bugs/${id}/edit`, { cookie: other.cookie, form })).status).toBe(403);
    expect(
      (await call(`/bugs/${id}/edit`, { cookie: other.cookie, form: { ...form, intent: 'preview' } })).status,
    ).toBe(403);
    expect((await call(`/bugs/${id}/edit`, { form })).status).toBe(401);
    expect((await call(`/bugs/${priv}/edit`, { cookie: other.cookie, form })).status).toBe(404);
    expect(await env.DB.prepare('SELECT * FROM bugs WHERE id = ?').bind(id).first()).toEqual(before);
    expect(await count('bug_revisions', 'bug_id IN (?, ?)', id, priv)).toBe(0);
    expect(await count('domains', "hostname = 'attacker.example'")).toBe(0);
    expect((await call(`/bugs/${priv}/history`, { cookie: other.cookie })).status).toBe(404);
  });

  it('a cross-site edit or comment removal is refused before anything is written', async () => {
    const owner = await signUp('csrfedit');
    const host = uniqueHost('csrfedit');
    const id = bugIdOf(await call('/api/bugs', { cookie: owner.cookie, form: report(host) }));
    const form = { url: `https://${host}/`, title: 'Cross-site title', label: 'general', severity: 'none' };
    const res = await call(`/bugs/${id}/edit`, { cookie: owner.cookie, form, origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(await count('bug_revisions', 'bug_id = ?', id)).toBe(0);
  });
});

/**
 * The XSS payload corpus: the payloads of tests/security.test.ts and the URL cases there, plus
 * the Markdown-specific ways in (link and image destinations, autolinks, reference links, raw
 * HTML blocks, entities, code info strings).
 */
const XSS_CORPUS = [
  '<script>alert("t")</script><img src=x onerror=alert(1)>',
  '"><svg onload=alert(2)></svg><a href="javascript:alert(3)">x</a>',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '[click](javascript:alert(1))',
  '[click](JAVASCRIPT:alert(1))',
  '[click](  javascript:alert(1) )',
  '[click](java&#x09;script:alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[click](vbscript:msgbox(1))',
  '[x](https://ok.example/"onmouseover="alert(1))',
  '[x](https://ok.example/ "title" onmouseover=alert(1))',
  '![x](javascript:alert(1))',
  '![x"onerror="alert(1)](https://img.example/a.png)',
  '![x](https://img.example/a.png"onerror="alert(1))',
  '<javascript:alert(1)>',
  '<https://ok.example/"><script>alert(1)</script>>',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '<div onclick="alert(1)">block html</div>',
  '<iframe src="https://evil.example"></iframe>',
  '<!-- comment --><style>body{display:none}</style>',
  '```"><script>alert(1)</script>\ncode\n```',
  '```js onload=alert(1)\ncode\n```',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '<a href="https://ok.example" onclick="alert(1)">x</a>',
  '**<img src=x onerror=alert(1)>**',
  '> <script>alert(1)</script>',
  '[<img src=x onerror=alert(1)>](https://ok.example)',
];

/** Tags and attributes the renderer may produce; anything else means user HTML got through. */
const TAGS = new Set([
  'p',
  'em',
  'strong',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'br',
  'a',
]);
const ATTRS = new Set(['href', 'rel', 'class', 'start']);

function expectSafe(html: string) {
  for (const m of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    expect(TAGS.has(m[1]!.toLowerCase()), `tag <${m[1]}> in ${html}`).toBe(true);
    for (const a of m[2]!.matchAll(/([^\s=]+)\s*=\s*"([^"]*)"/g)) {
      expect(ATTRS.has(a[1]!.toLowerCase()), `attribute ${a[1]} in ${html}`).toBe(true);
      if (a[1] === 'href') expect(a[2]).toMatch(/^(https?:\/\/|mailto:)/i);
      if (a[1] === 'rel') expect(a[2]).toBe('nofollow ugc noopener');
    }
    // No attribute outside quotes (an unquoted onerror=… would be a bare word here).
    expect(m[2]!.replace(/([^\s=]+)\s*=\s*"[^"]*"/g, '').trim(), `stray attribute text in ${m[0]}`).toBe('');
  }
  expect(html).not.toMatch(/<(script|img|svg|iframe|style|div)\b/i);
}

describe('evidence security: the XSS corpus through the Markdown renderer', () => {
  it.each(XSS_CORPUS)('%j renders to allowed tags and safe links only', (payload) => {
    expectSafe(renderMarkdown(payload));
  });

  it('the whole corpus as one description and as a comment reaches the bug page inert', async () => {
    const user = await signUp('xssmd');
    const res = await call('/api/bugs', {
      cookie: user.cookie,
      form: report(uniqueHost('xssmd'), { description: XSS_CORPUS.join('\n\n') }),
    });
    const id = bugIdOf(res);
    await call(`/api/bugs/${id}/comments`, {
      cookie: user.cookie,
      form: { body: XSS_CORPUS.slice(0, 12).join('\n\n') },
    });
    const page = await (await call(`/bugs/${id}`, { cookie: user.cookie })).text();
    const main = page.slice(page.indexOf('<h2>Description</h2>'), page.indexOf('<form', page.indexOf('id="comments"')));
    for (const block of main.matchAll(/<div class="markdown[^"]*">([\s\S]*?)<\/div>/g)) expectSafe(block[1]!);
    expect(page).not.toMatch(/href="(javascript|data|vbscript):/i);
    expect(page).not.toMatch(/<script>alert|onerror=alert\(1\)>|<svg onload/);
  });
});
