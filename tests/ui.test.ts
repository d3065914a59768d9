import { describe, expect, it } from 'vitest';
import { relativeTime } from '../views/components/format';
import { call, count, seedBug, signUp, uniqueHost } from './helpers';

const isPage = (html: string) => html.startsWith('<!DOCTYPE html>');

describe('ui: htmx navigations keep the URL and the title honest', () => {
  it('an htmx report pushes /bugs/:id and carries the new page title for htmx to apply', async () => {
    const host = uniqueHost('title');
    const res = await call('/api/bugs', {
      hx: true,
      form: { url: `https://${host}/`, title: 'Title follows the URL', label: 'general', severity: 'none' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('HX-Push-Url')).toMatch(/^\/bugs\/\d+$/);
    const html = await res.text();
    expect(html.startsWith('<title>Title follows the URL · BLT-Next</title>')).toBe(true);
  });

  it('the htmx filter pushes only the parameters that are set, with the page title', async () => {
    const res = await call('/bugs?q=&label=security&severity=&status=&domain=', { hx: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('HX-Push-Url')).toBe('/bugs?label=security');
    const html = await res.text();
    expect(html.startsWith('<title>Bugs · BLT-Next</title>')).toBe(true);
    // The summary of the collapsed filter form follows the new selection.
    expect(html).toMatch(/id="active-filters"[^>]*data-hx-swap-oob/);
    expect(html).toContain('Label: Security');
    const none = await call('/bugs?q=&label=&severity=&status=&domain=', { hx: true });
    expect(none.headers.get('HX-Push-Url')).toBe('/bugs');
  });

  it('fragments that are parts of a page ("Older bugs", similar bugs) change neither URL nor title', async () => {
    const host = uniqueHost('part');
    await seedBug({ hostname: host });
    for (const path of [`/api/bugs?domain=${host}`, `/api/bugs/similar?url=https://${host}/`]) {
      const res = await call(path, { hx: true });
      expect(res.headers.get('HX-Push-Url')).toBeNull();
      expect(await res.text()).not.toContain('<title>');
    }
  });
});

describe('ui: report friction', () => {
  it('an address typed without a scheme is stored as https:// and shown in full', async () => {
    const host = uniqueHost('noscheme');
    const res = await call('/api/bugs', { form: { url: `${host}/cart?x=1`, title: 'Typed without a scheme' } });
    expect(res.status).toBe(303);
    const row = await (await import('cloudflare:workers')).env.DB.prepare('SELECT url FROM bugs WHERE id = ?')
      .bind(Number(res.headers.get('Location')!.split('/').pop()))
      .first<{ url: string }>();
    expect(row?.url).toBe(`https://${host}/cart?x=1`);
    const page = await (await call(res.headers.get('Location')!)).text();
    expect(page).toContain(`>https://${host}/cart?x=1</a>`);
  });

  it('other schemes and things that are not host names are still refused', async () => {
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,hi',
      'mailto:a@b.example',
      'ftp://x.example/',
      'no spaces.example',
    ]) {
      const res = await call('/api/bugs', { form: { url, title: 'Should never be stored' } });
      expect(res.status, url).toBe(422);
    }
    expect(await count('bugs', "title = 'Should never be stored'")).toBe(0);
  });

  it('the address field lets browsers accept scheme-less typing', async () => {
    const html = await (await call('/bugs/new')).text();
    expect(html).toMatch(/<input id="url" name="url" type="text" inputmode="url"/);
  });

  it('similar bugs: the same domain first, then open bugs with matching title words elsewhere', async () => {
    const host = uniqueHost('same');
    const other = uniqueHost('other');
    const word = `zq${Math.random().toString(36).slice(2, 8)}`;
    const sameId = await seedBug({ hostname: host, title: 'Something unrelated here' });
    const titleId = await seedBug({ hostname: other, title: `Checkout ${word} broken badly` });
    const closedId = await seedBug({ hostname: other, title: `Closed ${word} one` });
    await (await import('./helpers')).setStatus(closedId, 'closed');
    const html = await (
      await call(`/api/bugs/similar?url=${encodeURIComponent(`https://${host}/x`)}&title=${word}%20fails`, { hx: true })
    ).text();
    expect(html).toContain(`href="/bugs/${sameId}"`);
    expect(html).toContain(`href="/bugs/${titleId}"`);
    expect(html.indexOf(`/bugs/${sameId}"`)).toBeLessThan(html.indexOf(`/bugs/${titleId}"`));
    expect(html).not.toContain(`href="/bugs/${closedId}"`);
    // A title alone is enough.
    const byTitle = await (await call(`/api/bugs/similar?title=${word}`, { hx: true })).text();
    expect(byTitle).toContain(`href="/bugs/${titleId}"`);
  });

  it('without JS: "Check for similar bugs" renders a full page with the hint and the form, values kept', async () => {
    const host = uniqueHost('nojs');
    const id = await seedBug({ hostname: host, title: 'Known issue on this site' });
    const form = await (await call('/bugs/new')).text();
    expect(form).toMatch(/formaction="\/api\/bugs\/similar"/);
    const res = await call(`/api/bugs/similar?url=${host}/a&title=My%20new%20title&description=kept`);
    const html = await res.text();
    expect(isPage(html)).toBe(true);
    expect(html).toContain(`href="/bugs/${id}"`);
    expect(html).toContain('value="My new title"');
    expect(html).toContain('>kept</textarea>');
  });

  it('the 422 page shows the similar bugs too', async () => {
    const host = uniqueHost('hint422');
    const id = await seedBug({ hostname: host, title: 'Already reported thing' });
    const res = await call('/api/bugs', { form: { url: `https://${host}/`, title: 'abc' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(`href="/bugs/${id}"`);
  });
});

describe('ui: lists show what carries information', () => {
  it('no "Severity: None" or "0 upvotes"; dates are relative with the absolute date in title', async () => {
    const host = uniqueHost('noise');
    await seedBug({ hostname: host, severity: 'none' });
    await seedBug({ hostname: host, severity: 'high' });
    const html = await (await call(`/bugs?domain=${host}`)).text();
    expect(html).not.toContain('Severity: None');
    expect(html).toContain('Severity: High');
    expect(html).not.toContain('0 upvotes');
    expect(html).toMatch(
      /<time datetime="\d{4}-\d\d-\d\dT[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">just now<\/time>/,
    );
  });

  it('relativeTime reads like a person would say it', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    expect(relativeTime('2026-11-27T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-11-27T11:00:00Z', now)).toBe('1 hour ago');
    expect(relativeTime('2026-11-27T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2026-11-27T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-11-26T10:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-11-20T12:00:00Z', now)).toBe('7 days ago');
    expect(relativeTime('2026-09-01T12:00:00Z', now)).toBe('2026-09-01');
  });

  it('a profile does not repeat "by <name>" on its own list', async () => {
    const user = await signUp('byline');
    await seedBug({ userId: user.id });
    const html = await (await call(`/users/${user.username}`)).text();
    expect(html).not.toContain(`by <a href="/users/${user.username}"`);
  });
});

describe('ui: the leaderboard marks its top three and the viewer', () => {
  it('the signed-in user sees their own row marked, for eyes and screen readers', async () => {
    const user = await signUp('lbme');
    await seedBug({ userId: user.id });
    const html = await (await call('/leaderboard?limit=100', { cookie: user.cookie })).text();
    const row = new RegExp(`<tr class="[^"]*\\bme\\b[^"]*" aria-current="true">(?:(?!</tr>).)*${user.username}`, 's');
    expect(html).toMatch(row);
    expect(html).toContain('(you)');
    expect(html).toMatch(/<tr class="top top-1"/);
    const anon = await (await call('/leaderboard?limit=100')).text();
    expect(anon).not.toContain('aria-current="true"');
  });
});
