import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import rebuildSql from '../scripts/sql/rebuild-counters.sql?raw';
import { deleteBugScreenshots } from '../worker/db/screenshots';
import { bugIdOf, contains, image, jpegStructure, postMultipart, shotsOf, storedBytes } from './evidence-helpers';
import { call, count, db, makeAdmin, seedBug, setStatus, signUp, uniqueHost } from './helpers';

const SECRETS = ['BLTTestCam', 'Leaky 9000', 'Jane Secret', 'Exif\0\0', 'GPSLatitude', 'IPTC-secret-name'];

const report = (host: string, extra: Record<string, string> = {}) => ({
  url: `https://${host}/cart`,
  title: 'Checkout button does nothing',
  description: 'Steps in the screenshots.',
  ...extra,
});

type BugJson = {
  bug: { id: number; screenshots: { url: string; width: number; height: number; type: string }[] };
};

describe('screenshots: upload, strip, store on R2, serve', () => {
  it('a report with a GPS-tagged JPEG (no JS): 303, stored without any EXIF/XMP/IPTC, still a whole JPEG', async () => {
    const jpeg = image('jpeg');
    for (const s of SECRETS) expect(contains(jpeg.bytes, s), `fixture carries ${s}`).toBe(true);
    const res = await postMultipart('/api/bugs', report(uniqueHost('shot')), [
      { name: 'IMG_0001.jpg', bytes: jpeg.bytes },
    ]);
    expect(res.status).toBe(303);
    const id = bugIdOf(res);
    const [row] = await shotsOf(id);
    expect(row).toMatchObject({ type: 'image/jpeg', width: 64, height: 48 });
    const stored = await storedBytes(row!.key);
    expect(stored).not.toBeNull();
    for (const s of SECRETS) expect(contains(stored!, s), `stored bytes still carry ${s}`).toBe(false);
    // A walk of its segments: SOI … SOF (same size) … SOS … EOI, nothing after; no APP1/APP13.
    const shape = jpegStructure(stored!);
    expect(shape.size).toEqual({ width: 64, height: 48 });
    expect(shape.endsAtEoi).toBe(true);
    expect(shape.markers).toContain(0xda);
    expect(shape.markers).not.toContain(0xe1);
    expect(shape.markers).not.toContain(0xed);
    expect(row!.bytes).toBe(stored!.length);
  });

  it('every format is sniffed, measured from its header and stripped (PNG, WebP, GIF, progressive JPEG)', async () => {
    const names = ['png', 'webp', 'webpLossless', 'gif', 'progressiveJpeg'] as const;
    const files = names.map((n) => ({ name: `${n}.bin`, bytes: image(n).bytes, type: 'application/octet-stream' }));
    const res = await postMultipart('/api/bugs', report(uniqueHost('fmt')), files);
    expect(res.status).toBe(303);
    const rows = await shotsOf(bugIdOf(res));
    expect(rows.map((r) => [r.type, r.width, r.height])).toEqual(
      names.map((n) => [image(n).type, image(n).width, image(n).height]),
    );
    for (const r of rows) {
      const bytes = (await storedBytes(r.key))!;
      for (const s of SECRETS) expect(contains(bytes, s), `${r.type} still carries ${s}`).toBe(false);
    }
    // WebP: the VP8X flags no longer announce EXIF or XMP.
    const webp = (await storedBytes(rows[1]!.key))!;
    expect(String.fromCharCode(...webp.subarray(12, 16))).toBe('VP8X');
    expect(webp[20]! & 0x0c).toBe(0);
    expect(contains(webp, 'EXIF')).toBe(false);
    expect(contains(webp, 'XMP ')).toBe(false);
  });

  it('the bug page shows sized, lazy thumbnails linking to the full image; JSON lists {url,width,height,type}', async () => {
    const res = await postMultipart('/api/bugs', report(uniqueHost('page')), [
      { name: 'a.png', bytes: image('png').bytes },
      { name: 'b.jpg', bytes: image('jpeg').bytes },
    ]);
    const id = bugIdOf(res);
    const rows = await shotsOf(id);
    const html = await (await call(`/bugs/${id}`)).text();
    for (const r of rows) {
      const url = `/bugs/${id}/screenshots/${r.key}`;
      expect(html).toContain(
        `<a href="${url}"><img src="${url}" width="${r.width}" height="${r.height}" loading="lazy"`,
      );
    }
    const json = (await (await call(`/bugs/${id}`, { json: true })).json()) as BugJson;
    expect(json.bug.screenshots).toEqual(
      rows.map((r) => ({ url: `/bugs/${id}/screenshots/${r.key}`, width: r.width, height: r.height, type: r.type })),
    );
  });

  it('a public screenshot is served with its sniffed type, nosniff, a sandbox CSP and a day of public caching', async () => {
    const res = await postMultipart('/api/bugs', report(uniqueHost('serve')), [
      { name: 'x.txt', bytes: image('gif').bytes, type: 'text/plain' },
    ]);
    const id = bugIdOf(res);
    const [row] = await shotsOf(id);
    const got = await call(`/bugs/${id}/screenshots/${row!.key}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('Content-Type')).toBe('image/gif');
    expect(got.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(got.headers.get('Content-Security-Policy')).toBe("sandbox; default-src 'none'");
    expect(got.headers.get('Cache-Control')).toBe('public, max-age=86400');
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(await storedBytes(row!.key));
    // A key of another report, or one that does not exist: 404.
    const other = await seedBug();
    expect((await call(`/bugs/${other}/screenshots/${row!.key}`)).status).toBe(404);
    expect((await call(`/bugs/${id}/screenshots/${'A'.repeat(32)}`)).status).toBe(404);
  });

  it('with htmx the report with screenshots swaps in the new bug and pushes its URL', async () => {
    const res = await postMultipart(
      '/api/bugs',
      report(uniqueHost('hx')),
      [{ name: 'a.webp', bytes: image('webp').bytes }],
      {
        hx: true,
      },
    );
    expect(res.status).toBe(200);
    const pushed = res.headers.get('HX-Push-Url') ?? '';
    expect(pushed).toMatch(/^\/bugs\/\d+$/);
    const html = await res.text();
    expect(html).toContain(`${pushed}/screenshots/`);
    expect(html).toContain('loading="lazy"');
  });

  it('without files the report form still posts (multipart or not), and JSON lists no screenshots', async () => {
    const res = await postMultipart('/api/bugs', report(uniqueHost('none')), [], { json: true });
    expect(res.status).toBe(201);
    expect(((await res.json()) as BugJson).bug.screenshots).toEqual([]);
    // An empty file input (nothing chosen) is a part with no name and no bytes: ignored.
    const empty = await postMultipart('/api/bugs', report(uniqueHost('empty')), [
      { name: '', bytes: new Uint8Array() },
    ]);
    expect(empty.status).toBe(303);
    expect(await shotsOf(bugIdOf(empty))).toEqual([]);
  });

  it('six files, a file over 5 MB, or more than 15 MB together: 422 naming the problem, fields kept, nothing stored', async () => {
    const host = uniqueHost('many');
    const png = image('png').bytes;
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `s${i}.png`, bytes: png }));
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(png);
    const chunk = new Uint8Array(3.9 * 1024 * 1024);
    chunk.set(png);
    const before = await count('bugs');
    const cases: [Parameters<typeof postMultipart>[2], RegExp][] = [
      [six, /at most 5 screenshots \(you chose 6\)/],
      [[{ name: 'huge.png', bytes: big }], /“huge\.png” is 5\.0 MB; each screenshot may be at most 5 MB/],
      [
        Array.from({ length: 4 }, (_, i) => ({ name: `c${i}.png`, bytes: chunk })),
        /add up to 15\.6 MB; at most 15 MB together/,
      ],
    ];
    for (const [files, message] of cases) {
      const res = await postMultipart('/api/bugs', report(host, { title: 'Kept title here' }), files);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toMatch(message);
      expect(html).toContain('Choose your screenshots again');
      expect(html).toContain('value="Kept title here"');
    }
    expect(await count('bugs')).toBe(before);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });
  it('a report refused for another field says to choose the files again (no JS); htmx keeps them, so it does not', async () => {
    const host = uniqueHost('again');
    const files = [{ name: 'a.png', bytes: image('png').bytes }];
    const page = await postMultipart('/api/bugs', report(host, { title: 'ab' }), files);
    expect(page.status).toBe(422);
    expect(await page.text()).toContain('id="screenshots-again"');
    const fragment = await postMultipart('/api/bugs', report(host, { title: 'ab' }), files, { hx: true });
    expect(fragment.status).toBe(422);
    const html = await fragment.text();
    expect(html).not.toContain('id="screenshots-again"');
    expect(html).toMatch(/<input type="file" id="screenshots"[^>]* data-hx-preserve/);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });
});

describe('screenshots: removal, spam', () => {
  it('the reporter removes one screenshot: row and R2 object gone, its URL a 404; others get 403', async () => {
    const owner = await signUp('shotowner');
    const other = await signUp('shotother');
    const res = await postMultipart(
      '/api/bugs',
      report(uniqueHost('rm')),
      [
        { name: 'a.png', bytes: image('png').bytes },
        { name: 'b.gif', bytes: image('gif').bytes },
      ],
      { cookie: owner.cookie },
    );
    const id = bugIdOf(res);
    const [first, second] = await shotsOf(id);
    const page = await (await call(`/bugs/${id}`, { cookie: owner.cookie })).text();
    expect(page).toContain(`action="/bugs/${id}/screenshots/${first!.key}/delete"`);
    expect(await (await call(`/bugs/${id}`, { cookie: other.cookie })).text()).not.toContain('/delete"');

    const refused = await call(`/bugs/${id}/screenshots/${first!.key}/delete`, { cookie: other.cookie, form: {} });
    expect(refused.status).toBe(403);
    expect(await shotsOf(id)).toHaveLength(2);

    const removed = await call(`/bugs/${id}/screenshots/${first!.key}/delete`, { cookie: owner.cookie, form: {} });
    expect(removed.status).toBe(303);
    expect((await shotsOf(id)).map((r) => r.key)).toEqual([second!.key]);
    expect(await storedBytes(first!.key)).toBeNull();
    expect((await call(`/bugs/${id}/screenshots/${first!.key}`)).status).toBe(404);
  });

  it('marking a report spam takes its screenshots with it: rows, R2 objects, and the URL is a 404', async () => {
    const admin = await signUp('shotadmin');
    await makeAdmin(admin.id);
    const res = await postMultipart('/api/bugs', report(uniqueHost('spam')), [
      { name: 'a.png', bytes: image('png').bytes },
    ]);
    const id = bugIdOf(res);
    const [row] = await shotsOf(id);
    const spam = await call(`/api/bugs/${id}/status`, { cookie: admin.cookie, form: { status: 'spam' } });
    expect(spam.status).toBe(303);
    expect(await shotsOf(id)).toEqual([]);
    expect(await storedBytes(row!.key)).toBeNull();
    for (const cookie of [undefined, admin.cookie]) {
      expect((await call(`/bugs/${id}/screenshots/${row!.key}`, { cookie })).status).toBe(404);
    }
  });

  it('deleteBugScreenshots() removes the rows and objects of the given reports only', async () => {
    const a = bugIdOf(
      await postMultipart('/api/bugs', report(uniqueHost('da')), [{ name: 'a.png', bytes: image('png').bytes }]),
    );
    const b = bugIdOf(
      await postMultipart('/api/bugs', report(uniqueHost('db')), [{ name: 'b.png', bytes: image('png').bytes }]),
    );
    const [ra] = await shotsOf(a);
    const [rb] = await shotsOf(b);
    expect(await deleteBugScreenshots(db(), env.SCREENSHOTS, [a])).toBe(1);
    expect(await shotsOf(a)).toEqual([]);
    expect(await storedBytes(ra!.key)).toBeNull();
    expect(await shotsOf(b)).toHaveLength(1);
    expect(await storedBytes(rb!.key)).not.toBeNull();
  });
});

describe('Markdown descriptions and comments, with Preview', () => {
  it('the bug page renders the description as CommonMark: emphasis, fenced code, safe links, images as links', async () => {
    const description = [
      '## Steps',
      '1. Open **checkout**',
      '2. See [the docs](https://docs.example/x)',
      '',
      '```js',
      'fetch("/api?q=<script>")',
      '```',
      '',
      '![evil pixel](https://tracker.example/p.gif)',
    ].join('\n');
    const res = await call('/api/bugs', { form: report(uniqueHost('md'), { description }) });
    const html = await (await call(res.headers.get('Location')!)).text();
    expect(html).toContain('<h3>Steps</h3>');
    expect(html).toContain('<strong>checkout</strong>');
    expect(html).toContain('<a href="https://docs.example/x" rel="nofollow ugc noopener">the docs</a>');
    expect(html).toContain('<pre><code class="language-js">fetch(&quot;/api?q=&lt;script&gt;&quot;)');
    expect(html).toContain('<a href="https://tracker.example/p.gif" rel="nofollow ugc noopener">Image: evil pixel</a>');
    expect(html).not.toContain('<img src="https://tracker.example');
  });

  it('Preview on the report form answers 200 with the form and the rendered description, and stores nothing', async () => {
    const host = uniqueHost('prev');
    const before = await count('bugs');
    const form = report(host, { description: 'Some *emphasis*', intent: 'preview' });
    const page = await call('/api/bugs', { form });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<em>emphasis</em>');
    expect(html).toContain('id="report-form"');
    expect(html).toContain('Some *emphasis*</textarea>');
    const fragment = await call('/api/bugs', { form, hx: true });
    expect(fragment.status).toBe(200);
    const frag = await fragment.text();
    expect(frag).toMatch(/^<form id="report-form"/);
    expect(frag).toContain('<em>emphasis</em>');
    // Even an invalid report previews (the title is missing) and nothing is stored.
    expect((await call('/api/bugs', { form: { description: '**x**', intent: 'preview' } })).status).toBe(200);
    expect(await count('bugs')).toBe(before);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it('Preview on the comment form answers 200 with the rendered comment; no comment is stored', async () => {
    const user = await signUp('preview');
    const id = await seedBug();
    for (const hx of [false, true]) {
      const res = await call(`/api/bugs/${id}/comments`, {
        cookie: user.cookie,
        hx,
        form: { body: 'Try `curl -v`', intent: 'preview' },
      });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<code>curl -v</code>');
      expect(html).toContain('Try `curl -v`</textarea>');
    }
    expect(await count('comments', 'bug_id = ?', id)).toBe(0);
  });

  it('comments are Markdown too', async () => {
    const user = await signUp('mdcomment');
    const id = await seedBug();
    await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'Works **now**' } });
    expect(await (await call(`/bugs/${id}`)).text()).toContain('<strong>now</strong>');
  });
});

async function counterSnapshot() {
  const cells = await env.DB.prepare('SELECT day, label, status, n FROM bug_counts WHERE n > 0 ORDER BY 1, 2, 3').all();
  const domains = await env.DB.prepare('SELECT id FROM domains WHERE has_public_bugs = 1 ORDER BY id').all();
  return { cells: cells.results, domains: domains.results };
}

async function rebuildCounters() {
  const statements = rebuildSql
    .split(/;\s*\n/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
}

describe('editing, with history', () => {
  it('the reporter edits an open report: a revision keeps the old values, the page says edited and links the history', async () => {
    const user = await signUp('editor');
    const host = uniqueHost('edit');
    const created = await call('/api/bugs', {
      cookie: user.cookie,
      form: report(host, { title: 'Original title words', description: 'old text', label: 'typo' }),
    });
    const id = bugIdOf(created);
    const form = await call(`/bugs/${id}/edit`, { cookie: user.cookie });
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(formHtml).toContain('value="Original title words"');
    expect(formHtml).toContain('old text</textarea>');

    const saved = await call(`/bugs/${id}/edit`, {
      cookie: user.cookie,
      form: {
        url: `https://${host}/cart`,
        title: 'Better title words',
        description: 'new *text*',
        label: 'design',
        severity: 'low',
      },
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('Location')).toBe(`/bugs/${id}`);
    const rev = await env.DB.prepare('SELECT * FROM bug_revisions WHERE bug_id = ?').bind(id).all();
    expect(rev.results).toHaveLength(1);
    expect(rev.results[0]).toMatchObject({
      user_id: user.id,
      title: 'Original title words',
      description: 'old text',
      label: 'typo',
      severity: 'none',
    });
    const page = await (await call(`/bugs/${id}`)).text();
    expect(page).toContain('Better title words');
    expect(page).toContain('<em>text</em>');
    expect(page).toMatch(/Edited <time[^>]*>[^<]*<\/time> · <a href="\/bugs\/\d+\/history">History<\/a>/);

    const history = await (await call(`/bugs/${id}/history`)).text();
    expect(history).toContain('Original title words');
    expect(history).toContain(user.username);
    const json = (await (await call(`/bugs/${id}/history`, { json: true })).json()) as {
      revisions: { title: string; username: string }[];
    };
    expect(json.revisions).toMatchObject([{ title: 'Original title words', username: user.username }]);
  });

  it('an edit moves the report in counters, FTS and domain pages in the same batch (recount agrees)', async () => {
    const user = await signUp('mover');
    const from = uniqueHost('from');
    const to = uniqueHost('to');
    const word = `zq${Math.random().toString(36).slice(2, 9)}`;
    const id = bugIdOf(
      await call('/api/bugs', {
        cookie: user.cookie,
        form: report(from, { title: `Old ${word} title`, label: 'typo' }),
      }),
    );
    await call(`/bugs/${id}/edit`, {
      cookie: user.cookie,
      form: {
        url: `https://${to}/x`,
        title: `New ${word}x title`,
        description: '',
        label: 'security',
        severity: 'high',
      },
    });
    // FTS follows the title.
    const found = (await (await call(`/api/bugs?q=${word}x`, { json: true })).json()) as { bugs: { id: number }[] };
    expect(found.bugs.map((b) => b.id)).toEqual([id]);
    const old = (await (await call(`/api/bugs?q=Old+${word}`, { json: true })).json()) as { bugs: unknown[] };
    expect(old.bugs).toEqual([]);
    // Domain pages and flags follow the URL.
    expect(await (await call(`/domains/${to}`)).text()).toContain(`New ${word}x title`);
    expect(await count('domains', 'hostname = ? AND has_public_bugs = 1', to)).toBe(1);
    expect(await count('domains', 'hostname = ? AND has_public_bugs = 0', from)).toBe(1);
    // Counters equal a recount from the bugs themselves.
    const kept = await counterSnapshot();
    await rebuildCounters();
    expect(await counterSnapshot()).toEqual(kept);
  });

  it('a closed report: the reporter gets 403 and nothing is written; an admin may edit it', async () => {
    const user = await signUp('closededit');
    const admin = await signUp('editadmin');
    await makeAdmin(admin.id);
    const host = uniqueHost('closed');
    const id = bugIdOf(await call('/api/bugs', { cookie: user.cookie, form: report(host) }));
    await setStatus(id, 'closed');
    const form = { url: `https://${host}/cart`, title: 'Changed after closing', label: 'general', severity: 'none' };
    expect((await call(`/bugs/${id}/edit`, { cookie: user.cookie })).status).toBe(403);
    expect((await call(`/bugs/${id}/edit`, { cookie: user.cookie, form })).status).toBe(403);
    expect(await count('bug_revisions', 'bug_id = ?', id)).toBe(0);
    const byAdmin = await call(`/bugs/${id}/edit`, { cookie: admin.cookie, form });
    expect(byAdmin.status).toBe(303);
    expect(await count('bug_revisions', 'bug_id = ? AND user_id = ?', id, admin.id)).toBe(1);
  });

  it('an invalid edit is a 422 with the form kept; an unchanged one writes no revision', async () => {
    const user = await signUp('badedit');
    const host = uniqueHost('bad');
    const id = bugIdOf(await call('/api/bugs', { cookie: user.cookie, form: report(host) }));
    const bad = await call(`/bugs/${id}/edit`, {
      cookie: user.cookie,
      form: { url: 'javascript:alert(1)', title: 'Kept edit title', label: 'general', severity: 'none' },
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('value="Kept edit title"');
    const same = await call(`/bugs/${id}/edit`, {
      cookie: user.cookie,
      form: {
        url: `https://${host}/cart`,
        title: 'Checkout button does nothing',
        description: 'Steps in the screenshots.',
        label: 'general',
        severity: 'none',
      },
    });
    expect(same.status).toBe(303);
    expect(await count('bug_revisions', 'bug_id = ?', id)).toBe(0);
  });
});

describe('removing comments', () => {
  it('the author removes their comment: shown as "Comment removed", its words gone; others 403; admins any', async () => {
    const author = await signUp('cauthor');
    const other = await signUp('cother');
    const admin = await signUp('cadmin');
    await makeAdmin(admin.id);
    const id = await seedBug();
    await call(`/api/bugs/${id}/comments`, { cookie: author.cookie, form: { body: 'secret words here' } });
    await call(`/api/bugs/${id}/comments`, { cookie: author.cookie, form: { body: 'second comment' } });
    const rows = await env.DB.prepare('SELECT id FROM comments WHERE bug_id = ? ORDER BY id')
      .bind(id)
      .all<{ id: number }>();
    const [first, second] = rows.results.map((r) => r.id);

    const refused = await call(`/bugs/${id}/comments/${first}/delete`, { cookie: other.cookie, form: {} });
    expect(refused.status).toBe(403);
    expect(await count('comments', 'id = ? AND deleted_at IS NULL', first)).toBe(1);

    const removed = await call(`/bugs/${id}/comments/${first}/delete`, { cookie: author.cookie, form: {} });
    expect(removed.status).toBe(303);
    const page = await (await call(`/bugs/${id}`)).text();
    expect(page).toContain('Comment removed.');
    expect(page).not.toContain('secret words here');
    expect(await count('comments', "id = ? AND body != 'secret words here'", first)).toBe(1);

    const hx = await call(`/bugs/${id}/comments/${second}/delete`, { cookie: admin.cookie, form: {}, hx: true });
    expect(hx.status).toBe(200);
    expect(await hx.text()).toMatch(/^<section class="comments" id="comments"/);
    expect(await count('comments', 'bug_id = ? AND deleted_at IS NOT NULL', id)).toBe(2);
    // A comment of another bug is not found through this one.
    const elsewhere = await seedBug();
    expect((await call(`/bugs/${elsewhere}/comments/${first}/delete`, { cookie: admin.cookie, form: {} })).status).toBe(
      404,
    );
  });
});
