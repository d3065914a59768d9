import { describe, expect, it } from 'vitest';
import { call, count, seedBug, uniqueHost } from './helpers';

const isPage = (html: string) => html.startsWith('<!DOCTYPE html>');

describe('routes: one URL, several representations', () => {
  it('GET /bugs is a full page, a fragment for htmx, and JSON for scripts, with Vary', async () => {
    const host = uniqueHost('reps');
    const id = await seedBug({ hostname: host, title: 'Representation check bug' });
    const page = await call(`/bugs?domain=${host}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('Vary')).toMatch(/HX-Request/);
    expect(page.headers.get('Vary')).toMatch(/Accept/);
    const html = await page.text();
    expect(isPage(html)).toBe(true);
    expect(html).toContain(`href="/bugs/${id}"`);
    expect(html).toContain(`value="${host}"`); // the filter form reflects the URL

    const frag = await call(`/api/bugs?domain=${host}`, { hx: true });
    const fragHtml = await frag.text();
    expect(frag.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(isPage(fragHtml)).toBe(false);
    expect(fragHtml.startsWith('<li')).toBe(true);
    expect(fragHtml).toContain('Representation check bug');

    const json = await call(`/api/bugs?domain=${host}`, { json: true });
    expect(json.headers.get('Content-Type')).toMatch(/application\/json/);
    const body = (await json.json()) as { bugs: { id: number }[]; next: string | null };
    expect(body.bugs.map((b) => b.id)).toEqual([id]);
    expect(body.next).toBeNull();
  });

  it('htmx history restores and body-targeted requests get the full page', async () => {
    const restore = await call('/bugs', { hx: true, headers: { 'HX-History-Restore-Request': 'true' } });
    expect(isPage(await restore.text())).toBe(true);
    const full = await call('/bugs', { hx: true, headers: { 'HX-Request-Type': 'full' } });
    expect(isPage(await full.text())).toBe(true);
  });

  it('"Older bugs" links to the next keyset page as a plain link and as an htmx append', async () => {
    const host = uniqueHost('older');
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await seedBug({ hostname: host, title: `Older link bug ${i}` }));
    const html = await (await call(`/bugs?domain=${host}&limit=3`)).text();
    const next =
      /<a href="([^"]+)" data-hx-get="([^"]+)" data-hx-target="closest li" data-hx-swap="outerHTML" rel="next"[^>]*>Older bugs/.exec(
        html,
      );
    expect(next).not.toBeNull();
    const plain = next![1]!.replaceAll('&amp;', '&');
    expect(plain).toMatch(/^\/bugs\?domain=.*&limit=3&before=/);
    const second = await (await call(plain)).text();
    expect(isPage(second)).toBe(true);
    expect(second).toContain(`href="/bugs/${ids[0]}"`);
    expect(second).not.toContain(`href="/bugs/${ids[3]}"`);
    const appended = await (await call(next![2]!.replaceAll('&amp;', '&'), { hx: true })).text();
    expect(appended).toContain(`href="/bugs/${ids[0]}"`);
    expect(appended).not.toContain('Older bugs');
  });

  it('bad list filters are a 400 with a clear message', async () => {
    const res = await call('/bugs?label=nonsense');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Unknown label');
    const json = await call('/api/bugs?limit=1000', { json: true });
    expect(json.status).toBe(400);
  });

  it('GET /bugs/:id and /api/bugs/:id show the bug; unknown id is a 404 page', async () => {
    const id = await seedBug({ title: 'Detail page bug', description: 'Line one\nLine two' });
    const page = await call(`/bugs/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(isPage(html)).toBe(true);
    expect(html).toContain('Detail page bug');
    expect(html).toContain('Line one\nLine two');
    const json = (await (await call(`/api/bugs/${id}`, { json: true })).json()) as { bug: { title: string } };
    expect(json.bug.title).toBe('Detail page bug');
    const frag = await (await call(`/api/bugs/${id}`, { hx: true })).text();
    expect(isPage(frag)).toBe(false);
    const missing = await call('/bugs/987654321');
    expect(missing.status).toBe(404);
    const missingHtml = await missing.text();
    expect(isPage(missingHtml)).toBe(true);
    expect(missingHtml).toContain('Page not found');
  });

  it('unknown paths get the friendly 404 page', async () => {
    const res = await call('/no/such/page');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('There is nothing here');
  });

  it('GET /bugs/new renders the report form; ?url= prefills it', async () => {
    const res = await call('/bugs/new?url=https://pre.example/x');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('<form id="report-form"');
    expect(html).toContain('value="https://pre.example/x"');
  });
});

describe('routes: reporting a bug', () => {
  const valid = (host: string) => ({
    url: `https://${host}/checkout`,
    title: 'Checkout button is dead',
    description: 'Click it, nothing happens.',
    label: 'functional',
    severity: 'high',
  });

  it('plain form POST answers 303 to the new bug, which is then listed on its domain', async () => {
    const host = uniqueHost('post');
    const res = await call('/api/bugs', { form: valid(host) });
    expect(res.status).toBe(303);
    const location = res.headers.get('Location');
    expect(location).toMatch(/^\/bugs\/\d+$/);
    const page = await (await call(location!)).text();
    expect(page).toContain('Checkout button is dead');
    expect(page).toContain('Functional');
    const domain = await call(`/domains/${host}`);
    expect(domain.status).toBe(200);
    expect(await domain.text()).toContain(`href="${location}"`);
    expect(
      await count('bugs', 'user_id IS NULL AND domain_id = (SELECT id FROM domains WHERE hostname = ?)', host),
    ).toBe(1);
  });

  it('the domain is the URL host, lower-cased', async () => {
    const host = uniqueHost('case');
    const res = await call('/api/bugs', { form: { ...valid(host), url: `https://${host.toUpperCase()}/A` } });
    expect(res.status).toBe(303);
    expect(await count('domains', 'hostname = ?', host)).toBe(1);
  });

  it('invalid input re-renders the full form at 422 with per-field messages and values kept', async () => {
    const host = uniqueHost('invalid');
    const res = await call('/api/bugs', {
      form: { url: 'not a url', title: 'abc', description: 'kept text', label: 'nope', severity: 'high' },
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(isPage(html)).toBe(true);
    expect(html).toContain('Enter a full address starting with http:// or https://.');
    expect(html).toContain('The title needs at least 5 characters.');
    expect(html).toContain('Choose one of the labels.');
    expect(html).toContain('value="not a url"');
    expect(html).toContain('value="abc"');
    expect(html).toContain('>kept text</textarea>');
    expect(html).toMatch(/<option value="high" selected/);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it('with htmx, errors come back as the form fragment, and success swaps in the bug and pushes its URL', async () => {
    const bad = await call('/api/bugs', { hx: true, form: { url: 'https://x.example/', title: '' } });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml.startsWith('<form id="report-form"')).toBe(true);
    expect(badHtml).toContain('The title needs at least 5 characters.');

    const host = uniqueHost('hx');
    const ok = await call('/api/bugs', { hx: true, form: valid(host) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('HX-Push-Url')).toMatch(/^\/bugs\/\d+$/);
    expect(ok.headers.get('HX-Retarget')).toBe('#main');
    const html = await ok.text();
    expect(isPage(html)).toBe(false);
    expect(html).toContain('Checkout button is dead');
  });

  it('JSON clients get 201 with Location, and 422 with field errors', async () => {
    const host = uniqueHost('json');
    const ok = await call('/api/bugs', { json: true, form: valid(host) });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('Location')).toMatch(/^\/bugs\/\d+$/);
    const bad = await call('/api/bugs', { json: true, form: { url: 'ftp://x.example/', title: 'Valid title' } });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      error: { code: 'validation_failed', fields: { url: expect.any(String) } },
    });
  });

  it('GET /api/bugs/similar lists open bugs on the typed URL host', async () => {
    const host = uniqueHost('similar');
    const id = await seedBug({ hostname: host, title: 'Already known problem' });
    const frag = await call(`/api/bugs/similar?url=${encodeURIComponent(`https://${host}/other`)}`, { hx: true });
    const html = await frag.text();
    expect(html).toContain('Is it one of these?');
    expect(html).toContain(`href="/bugs/${id}"`);
    const none = await (await call('/api/bugs/similar?url=https://nothing-here.example/', { hx: true })).text();
    expect(none).toContain('No open bugs reported on nothing-here.example yet.');
    const page = await call(`/api/bugs/similar?url=https://${host}/`);
    expect(isPage(await page.text())).toBe(true);
  });
});

describe('routes: stats, domains, health', () => {
  it('GET /api/stats is a fragment, JSON and the /stats page', async () => {
    await seedBug();
    const json = (await (await call('/api/stats', { json: true })).json()) as Record<string, number>;
    expect(json.total).toBeGreaterThan(0);
    expect(json.total).toBe(json.open! + json.closed!);
    const frag = await (await call('/api/stats', { hx: true })).text();
    expect(frag.startsWith('<dl')).toBe(true);
    const page = await (await call('/stats')).text();
    expect(isPage(page)).toBe(true);
    expect(page).toContain('Bugs reported');
  });

  it('GET /domains/:hostname 404s for unknown or invalid hosts', async () => {
    expect((await call('/domains/never-reported.example')).status).toBe(404);
    expect((await call('/domains/not a host')).status).toBe(404);
  });

  it('GET /api/health checks D1', async () => {
    const res = await call('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', d1: 'ok' });
  });
});
