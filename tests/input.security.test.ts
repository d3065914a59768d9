import { describe, expect, it } from 'vitest';
import { isValidHostname } from '../worker/lib/url';
import { call, count, PASSWORD, seedBug, signUp, uniqueHost } from './helpers';

/** Issue 7 item 13: control characters are refused by validation (422), never by SQLite (500). */
describe('input security: control characters', () => {
  it('a NUL in a report title is a 422 with a clear message, the form kept, nothing written', async () => {
    const host = uniqueHost('nul');
    const before = await count('bugs');
    const res = await call('/api/bugs', { form: { url: `https://${host}/`, title: 'ab\u0000cdefgh' } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('The title cannot contain control characters.');
    expect(html).toContain(`value="https://${host}/"`);
    expect(await count('bugs')).toBe(before);
    expect(await count('domains', 'hostname = ?', host)).toBe(0);
  });

  it.each([
    ['title', 'tab\tin a title'],
    ['title', 'bell \u0007 title'],
    ['title', 'C1 \u0085 next line'],
    ['title', 'a DEL \u007f here'],
    ['description', 'line one\u0000'],
    ['description', 'escape \u001b[31m red'],
    ['url', 'https://ok.example/\u0000x'],
  ])('%s with a control character (%j) → 422 and no row', async (field, value) => {
    const host = uniqueHost('ctl');
    const form: Record<string, string> = { url: `https://${host}/`, title: 'A perfectly valid title' };
    form[field] = value;
    const before = await count('bugs');
    const res = await call('/api/bugs', { form, json: true });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; fields?: Record<string, string> } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields?.[field]).toMatch(/control characters/);
    expect(await count('bugs')).toBe(before);
  });

  it('newlines and tabs are fine in a description and a comment', async () => {
    const host = uniqueHost('multi');
    const res = await call('/api/bugs', {
      form: {
        url: `https://${host}/`,
        title: 'A perfectly valid title',
        description: 'Steps:\r\n\t1. open\r\n\t2. see',
      },
    });
    expect(res.status).toBe(303);
    const user = await signUp('multiline');
    const id = await seedBug({ hostname: host });
    const c = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: 'one\r\n\ttwo' } });
    expect(c.status).toBe(303);
  });

  it('a NUL in a comment body is a 422 with the comment kept, nothing written', async () => {
    const user = await signUp('nulcomment');
    const id = await seedBug();
    const res = await call(`/api/bugs/${id}/comments`, { cookie: user.cookie, form: { body: '\u0000x' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('The comment cannot contain control characters.');
    expect(await count('comments', 'bug_id = ?', id)).toBe(0);
  });

  it('sign-up refuses control characters in username and email; login in the username', async () => {
    const base = { password: PASSWORD, password_confirmation: PASSWORD };
    const a = await call('/api/auth/signup', {
      json: true,
      form: { ...base, username: 'nul\u0000user', email: 'nul@example.test' },
    });
    expect(a.status).toBe(422);
    expect(((await a.json()) as { error: { fields: Record<string, string> } }).error.fields.username).toMatch(
      /control characters/,
    );
    const b = await call('/api/auth/signup', {
      json: true,
      form: { ...base, username: 'nulmail_user', email: 'nul\u0000@example.test' },
    });
    expect(b.status).toBe(422);
    expect(((await b.json()) as { error: { fields: Record<string, string> } }).error.fields.email).toMatch(
      /control characters/,
    );
    expect(await count('users', "username = 'nulmail_user' OR email = 'nul@example.test'")).toBe(0);
    const l = await call('/api/auth/login', { json: true, form: { username: 'x\u0000y', password: 'whatever' } });
    expect(l.status).toBe(422);
  });

  it('a search with a control character is a 400, not a query', async () => {
    expect((await call('/bugs?q=a%00b')).status).toBe(400);
  });
});

/** Issue 7 item 14: one host name rule for reports, lists, similar bugs and domain pages. */
describe('input security: one host name rule', () => {
  const label63 = 'a'.repeat(63);
  it.each([
    ['a..example', false],
    ['-a.example', false],
    ['a-.example', false],
    ['a_b.example', false],
    [`${'a'.repeat(64)}.example`, false],
    [`${label63}.${label63}.${label63}.${'a'.repeat(62)}`, false], // 254 characters
    ['127.0.0.1', false],
    ['[::1]', false],
    ['localhost', false],
    ['example.123', false],
    [`${label63}.example`, true],
    [`${label63}.${label63}.${label63}.${'a'.repeat(61)}`, true], // 253 characters
    ['xn--bcher-kva.example', true],
    ['a-b.c-d.example', true],
  ])('isValidHostname(%s) is %s', (host, valid) => {
    expect(isValidHostname(host)).toBe(valid);
  });

  it('a report on https://a..example/ is a 422 on the form, and nothing is stored', async () => {
    const before = await count('bugs');
    const res = await call('/api/bugs', { form: { url: 'https://a..example/', title: 'A perfectly valid title' } });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('is not a valid host name');
    expect(await count('bugs')).toBe(before);
    expect(await count('domains', "hostname = 'a..example'")).toBe(0);
  });

  it.each(['http://127.0.0.1/', 'http://[::1]/', 'https://-bad.example/', 'http://intranet/'])(
    'a report on %s is a 422',
    async (url) => {
      const res = await call('/api/bugs', { json: true, form: { url, title: 'A perfectly valid title' } });
      expect(res.status).toBe(422);
    },
  );

  it('a host name accepted on a report has a domain page, and the list filter and hint agree', async () => {
    const host = `${'b'.repeat(63)}.${uniqueHost('long')}`;
    const res = await call('/api/bugs', { form: { url: `https://${host.toUpperCase()}./x`, title: 'A valid title' } });
    expect(res.status).toBe(303);
    expect((await call(`/domains/${host}`)).status).toBe(200);
    expect((await call(`/api/bugs?domain=${host}`, { json: true })).status).toBe(200);
    const similar = (await (await call(`/api/bugs/similar?url=https://${host}/`, { json: true })).json()) as {
      hostname: string;
    };
    expect(similar.hostname).toBe(host);
  });

  it('the list filter and the similar-bugs hint refuse what a report would refuse', async () => {
    expect((await call('/api/bugs?domain=a..example', { json: true })).status).toBe(400);
    expect((await call('/domains/a..example')).status).toBe(404);
    const similar = (await (await call('/api/bugs/similar?url=https://a..example/', { json: true })).json()) as {
      hostname: string | null;
    };
    expect(similar.hostname).toBeNull();
  });
});
