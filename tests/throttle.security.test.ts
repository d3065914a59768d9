import { describe, expect, it } from 'vitest';
import { call, count, PASSWORD, signUp } from './helpers';

/** A client IP no other test uses (the throttle counts per IP). */
let ipCounter = 0;
function freshIp(): string {
  ipCounter += 1;
  return `10.${Math.floor(Math.random() * 250)}.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

function login(username: string, password: string, ip: string) {
  return call('/api/auth/login', { headers: { 'CF-Connecting-IP': ip }, form: { username, password } });
}

const statuses = (rs: Response[]) =>
  rs.reduce<Record<number, number>>((acc, r) => {
    acc[r.status] = (acc[r.status] ?? 0) + 1;
    return acc;
  }, {});

describe('login throttle (DESIGN.md "Throttling"): limits hold under concurrency', { timeout: 60_000 }, () => {
  it('100 simultaneous wrong logins for one account, each from its own IP: only 50 are judged', async () => {
    const u = await signUp('conc_acct');
    const rs = await Promise.all(Array.from({ length: 100 }, () => login(u.username, 'wrong password!!', freshIp())));
    expect(statuses(rs)).toEqual({ 401: 50, 429: 50 });
    for (const r of rs.filter((r) => r.status === 429)) {
      expect(Number(r.headers.get('Retry-After'))).toBeGreaterThan(0);
      expect(r.headers.getSetCookie()).toEqual([]);
    }
    // The right password from yet another IP is refused too: the account's bucket is full.
    expect((await login(u.username, PASSWORD, freshIp())).status).toBe(429);
  });

  it('40 parallel wrong logins for one account from one IP: only 10 are judged', async () => {
    const u = await signUp('conc_ip');
    const ip = freshIp();
    const rs = await Promise.all(Array.from({ length: 40 }, () => login(u.username, 'wrong password!!', ip)));
    expect(statuses(rs)).toEqual({ 401: 10, 429: 30 });
  });

  it('120 parallel wrong logins for different names from one IP: only 100 are judged', async () => {
    const ip = freshIp();
    const rs = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        login(`nobody_${i}_${Math.random().toString(36).slice(2)}`, 'whatever123', ip),
      ),
    );
    expect(statuses(rs)).toEqual({ 401: 100, 429: 20 });
    const u = await signUp('ipvictim');
    expect((await login(u.username, PASSWORD, ip)).status).toBe(429);
  });
});

describe('login throttle: keyed on the account, per (account, IP)', { timeout: 60_000 }, () => {
  it('the username and the email address of one account share one bucket', async () => {
    const u = await signUp('user4');
    const email = `${u.username.toUpperCase()}@example.test`;
    // Per account from any IP: 25 guesses by name and 25 by address fill the one bucket of 50.
    for (let i = 0; i < 25; i++) expect((await login(u.username, 'wrong password!!', freshIp())).status).toBe(401);
    for (let i = 0; i < 25; i++) expect((await login(email, 'wrong password!!', freshIp())).status).toBe(401);
    expect((await login(email, 'wrong password!!', freshIp())).status).toBe(429);
    expect((await login(u.username, PASSWORD, freshIp())).status).toBe(429);
  });

  it('per (account, IP), the username and the email address count together', async () => {
    const u = await signUp('user5');
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await login(u.username, 'wrong password!!', ip)).status).toBe(401);
    for (let i = 0; i < 5; i++)
      expect((await login(`${u.username}@example.test`, 'wrong password!!', ip)).status).toBe(401);
    expect((await login(`${u.username}@example.test`, 'wrong password!!', ip)).status).toBe(429);
    expect((await login(u.username, PASSWORD, ip)).status).toBe(429);
  });

  it('a throttled account on a shared IP does not lock out another account there', async () => {
    const a = await signUp('chapter_a');
    const b = await signUp('chapter_b');
    const ip = freshIp();
    for (let i = 0; i < 10; i++) expect((await login(a.username, 'wrong password!!', ip)).status).toBe(401);
    expect((await login(a.username, PASSWORD, ip)).status).toBe(429);
    const res = await login(b.username, PASSWORD, ip);
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().join()).toContain('__Host-blt_session=');
    // A's own bucket is per IP: A can still sign in from elsewhere.
    expect((await login(a.username, PASSWORD, freshIp())).status).toBe(303);
  });

  it('a correct password clears that (account, IP) bucket, so the count starts again', async () => {
    const u = await signUp('clears');
    const ip = freshIp();
    for (let i = 0; i < 9; i++) expect((await login(u.username, 'wrong password!!', ip)).status).toBe(401);
    expect((await login(u.username, PASSWORD, ip)).status).toBe(303);
    for (let i = 0; i < 10; i++) expect((await login(u.username, 'wrong password!!', ip)).status).toBe(401);
    expect((await login(u.username, 'wrong password!!', ip)).status).toBe(429);
  });

  it('successful logins are not counted as failures', async () => {
    const u = await signUp('often');
    const ip = freshIp();
    for (let i = 0; i < 12; i++) expect((await login(u.username, PASSWORD, ip)).status).toBe(303);
    expect(await count('login_attempts', 'ip = ?', ip)).toBe(0);
  });

  it('429 looks the same for an unknown user and for a wrong password', async () => {
    const u = await signUp('same429');
    const ip1 = freshIp();
    const ip2 = freshIp();
    const unknown = `${u.username}_nope`;
    for (let i = 0; i < 10; i++) {
      await login(u.username, 'wrong password!!', ip1);
      await login(unknown, 'wrong password!!', ip2);
    }
    const a = await login(u.username, 'wrong password!!', ip1);
    const b = await login(unknown, 'wrong password!!', ip2);
    expect(a.status).toBe(429);
    expect(b.status).toBe(429);
    const strip = (html: string) => html.replace(/X-Request-Id.*/g, '').replace(/Request id[^<]*<[^>]*>[^<]*/g, '');
    expect(strip(await a.text())).toBe(strip(await b.text()));
  });
});
