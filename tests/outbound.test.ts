import { delay } from 'msw';
import { describe, expect, it } from 'vitest';
import { hostRefusal, isPrivateAddress, OutboundError, parseIPv6, safeFetch } from '../worker/lib/outbound';
import { dns, HttpResponse, http, outside, RESOLVER, seen, useOutside } from './outside';

/** The address rules of the one outbound fetch (worker/lib/outbound.ts), without the network. */
describe('outbound: which addresses are private', () => {
  const privateV4 = [
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1', // CGNAT
    '100.127.255.254',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.169.254', // cloud metadata (link-local)
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '192.168.1.1',
    '198.18.0.1',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
  ];
  const publicV4 = ['1.1.1.1', '8.8.8.8', '93.184.216.34', '100.63.255.255', '100.128.0.1', '172.15.0.1', '172.32.0.1'];
  const privateV6 = [
    '::',
    '::1',
    'fe80::1',
    'febf::1',
    'fc00::1',
    'fd12:3456:789a::1', // unique local
    'ff02::1',
    '::ffff:127.0.0.1', // IPv4-mapped loopback
    '::ffff:7f00:1', // the same, hex form (as the URL parser writes it)
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1', // NAT64 of a private address
    '2002:c0a8:0101::1', // 6to4 of 192.168.1.1
    '2001:db8::1', // documentation
    '2001::1', // Teredo
    '::127.0.0.1', // IPv4-compatible (deprecated)
    '100::1', // discard
    '[::1]',
    'fe80::1%eth0',
  ];
  const publicV6 = ['2606:4700:4700::1111', '2a00:1450:4001:81b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'];

  it.each(privateV4)('IPv4 %s is private', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(publicV4)('IPv4 %s is public', (ip) => expect(isPrivateAddress(ip)).toBe(false));
  it.each(privateV6)('IPv6 %s is private', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(publicV6)('IPv6 %s is public', (ip) => expect(isPrivateAddress(ip)).toBe(false));

  it('unparseable addresses count as private', () => {
    for (const bad of ['', 'example.com', '1.2.3', '256.1.1.1', '1:2:3:4:5:6:7:8:9', '::g', '1::2::3']) {
      expect(isPrivateAddress(bad), bad).toBe(true);
    }
  });

  it('parses IPv6 with :: and an embedded IPv4', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6('2001:db8::1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('outbound: which host names may be fetched', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'foo.localhost',
    'intranet',
    'printer.local',
    'db.internal',
    'router.home.arpa',
    'nas.lan',
  ])('%s is refused', (host) => expect(hostRefusal(host)).toBe('forbidden_host'));

  it.each(['127.0.0.1', '10.1.2.3', '[::1]', '[::ffff:7f00:1]', '[fd00::1]', '169.254.169.254'])(
    'address %s is refused as private',
    (host) => expect(hostRefusal(host)).toBe('private_address'),
  );

  it('the URL parser turns numeric tricks into dotted addresses, which are then judged', () => {
    for (const raw of ['https://2130706433/', 'https://0x7f.1/', 'https://017700000001/', 'https://127.1/']) {
      expect(hostRefusal(new URL(raw).hostname), raw).toBe('private_address');
    }
  });

  it.each(['example.com', 'shop.example.org', 'xn--bcher-kva.example', '8.8.8.8'])('%s may be tried', (host) =>
    expect(hostRefusal(host)).toBeNull(),
  );
});

describe('outbound: safeFetch against the (intercepted) outside internet', () => {
  useOutside();
  const host = 'verify.example.org';
  const publicDns = () => dns({ [host]: { A: ['93.184.216.34'] } });

  it('reads at most maxBytes of an endless body, then stops (cancels the stream)', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
      },
    });
    outside.use(
      publicDns(),
      http.get(`https://${host}/big`, () => new HttpResponse(endless)),
    );
    const res = await safeFetch(`https://${host}/big`, { maxBytes: 4096 });
    expect(res.status).toBe(200);
    expect(res.text.length).toBe(4096);
    // An endless body ends the fetch all the same: only a few chunks were ever pulled. (msw puts
    // its own stream in between, so the source's cancel() is not seen here.)
    expect(pulls).toBeLessThan(20);
  });

  it('gives up after the timeout', async () => {
    outside.use(
      publicDns(),
      http.get(`https://${host}/slow`, async () => {
        await delay('infinite');
        return HttpResponse.text('never');
      }),
    );
    const started = Date.now();
    await expect(safeFetch(`https://${host}/slow`, { timeoutMs: 300 })).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('follows at most 3 redirects', async () => {
    let hops = 0;
    outside.use(
      publicDns(),
      http.get(`https://${host}/loop`, () => {
        hops += 1;
        return HttpResponse.redirect(`https://${host}/loop`, 302);
      }),
    );
    await expect(safeFetch(`https://${host}/loop`)).rejects.toMatchObject({ reason: 'too_many_redirects' });
    expect(hops).toBe(4);
  });

  it('refuses http, other ports, credentials and IP literals in private ranges before any request', async () => {
    for (const url of [
      `http://${host}/x`,
      `https://${host}:8443/x`,
      `https://user:pw@${host}/x`,
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://[::ffff:a9fe:a9fe]/x',
      'https://localhost/x',
    ]) {
      await expect(safeFetch(url), url).rejects.toBeInstanceOf(OutboundError);
    }
    expect(seen).toEqual([]);
  });

  it('refuses a name with no address, and a resolver that fails', async () => {
    outside.use(dns({}));
    await expect(safeFetch('https://nxdomain.example.org/')).rejects.toMatchObject({ reason: 'dns_failed' });
    outside.use(http.get(RESOLVER, () => new HttpResponse('oops', { status: 500 })));
    await expect(safeFetch(`https://${host}/`)).rejects.toMatchObject({ reason: 'dns_failed' });
  });
});
