/**
 * The one way the Worker fetches a URL someone else controls (domain verification, security.txt):
 * README "Domain owners" and DESIGN.md "Reaching unclaimed sites". A claimed host is chosen by
 * whoever types it, so every fetch here is treated as an attempt to reach something it must not:
 *
 * - https only, on the default port, no credentials in the URL;
 * - no IP literal in a private, loopback, link-local, CGNAT, unique-local or otherwise
 *   non-global range (IPv4 and IPv6, IPv4-mapped and NAT64/6to4 forms included); no `localhost`,
 *   single-label, `.local`, `.internal`, `.localhost`, `.home.arpa` or `.lan` names;
 * - a Worker cannot see the address its fetch connects to, so the name is first resolved (A and
 *   AAAA) through the configured DNS-over-HTTPS resolver, and refused when any answer is private;
 * - `redirect: 'manual'`, following at most MAX_REDIRECTS redirects and only on the same host;
 * - one AbortSignal timeout over the whole exchange (resolver included);
 * - at most `maxBytes` of the body are read, then the stream is cancelled.
 *
 * A name can still change between our resolution and the fetch (DNS rebinding); on Cloudflare's
 * network a Worker's fetch cannot reach private addresses anyway, and the check above is what
 * keeps `wrangler dev` and other runtimes from being pointed at the machine they run on.
 */

/** Cloudflare's public resolver, JSON API: the default when DOH_RESOLVER is not set. */
export const DEFAULT_DOH_RESOLVER = 'https://cloudflare-dns.com/dns-query';
export const OUTBOUND_TIMEOUT_MS = 5000;
export const OUTBOUND_MAX_BYTES = 4096;
export const MAX_REDIRECTS = 3;

/** Why an outbound fetch was refused or failed; `message` is safe to show to the user. */
export type OutboundReason =
  | 'bad_url'
  | 'forbidden_host'
  | 'private_address'
  | 'dns_failed'
  | 'redirect_refused'
  | 'too_many_redirects'
  | 'timeout'
  | 'network';

export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundReason,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface OutboundOptions {
  /** The DNS-over-HTTPS resolver (JSON API), e.g. env.DOH_RESOLVER. */
  resolver?: string | undefined;
  timeoutMs?: number;
  maxBytes?: number;
  /** Accept header of the request. */
  accept?: string;
}

export interface OutboundResponse {
  status: number;
  /** The URL that answered (after same-host redirects). */
  url: string;
  contentType: string;
  /** At most `maxBytes` of the body, decoded as UTF-8. */
  text: string;
}

// ——— Address rules ———

/** Parses dotted-quad IPv4 (exactly four decimal parts, as the URL parser normalises them). */
export function parseIPv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** Parses IPv6 text (with `::` and a trailing dotted IPv4) into eight 16-bit groups. */
export function parseIPv6(input: string): number[] | null {
  let s = input.replace(/^\[|\]$/g, '').toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const after = s.slice(lastColon + 1);
  if (after.includes('.')) {
    const [a, b, c, d] = parseIPv4(after) ?? [];
    if (a === undefined || b === undefined || c === undefined || d === undefined) return null;
    tail = [(a << 8) | b, (c << 8) | d];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest].map((g) =>
    Number.parseInt(g, 16),
  );
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups.length === 8 ? groups : null;
}

/**
 * Is this IPv4 address one a fetch must never reach? Everything that is not global unicast:
 * this-network, private (RFC 1918), CGNAT, loopback, link-local, IETF protocol assignments,
 * documentation, benchmarking, multicast, reserved and broadcast.
 */
export function isPrivateIPv4(a: number[]): boolean {
  const [x = 0, y = 0, z = 0] = a;
  return (
    x === 0 ||
    x === 10 ||
    (x === 100 && y >= 64 && y <= 127) ||
    x === 127 ||
    (x === 169 && y === 254) ||
    (x === 172 && y >= 16 && y <= 31) ||
    (x === 192 && y === 0 && (z === 0 || z === 2)) ||
    (x === 192 && y === 88 && z === 99) ||
    (x === 192 && y === 168) ||
    (x === 198 && (y === 18 || y === 19)) ||
    (x === 198 && y === 51 && z === 100) ||
    (x === 203 && y === 0 && z === 113) ||
    x >= 224
  );
}

/**
 * Is this IPv6 address one a fetch must never reach? Only global unicast (2000::/3) passes, less
 * documentation, the IETF/Teredo block, and addresses that embed an IPv4 one (IPv4-mapped
 * ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16), which are judged by that IPv4 address.
 * So ::, ::1, fc00::/7 (unique local), fe80::/10 (link local), ff00::/8 and the rest are refused.
 */
export function isPrivateIPv6(groups: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isPrivateIPv4(v4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPrivateIPv4(v4(g6, g7));
  if (g0 === 0x2002) return isPrivateIPv4(v4(g1, g2));
  if ((g0 & 0xe000) !== 0x2000) return true;
  if (g0 === 0x2001 && g1 === 0x0db8) return true;
  if (g0 === 0x2001 && g1 < 0x0200) return true;
  return false;
}

/** Is `ip` (v4 or v6 text) an address a fetch must never reach? Unparseable text counts as private. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return isPrivateIPv4(v4);
  const v6 = parseIPv6(ip);
  return v6 ? isPrivateIPv6(v6) : true;
}

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet'];

/**
 * Why a host name (as the URL parser gives it) may not be fetched, or null when it may be tried.
 * IP literals are judged by their address; names must have a dot and no local-only suffix.
 */
export function hostRefusal(hostname: string): OutboundReason | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') || host.includes(':')) return isPrivateAddress(host) ? 'private_address' : null;
  if (parseIPv4(host)) return isPrivateAddress(host) ? 'private_address' : null;
  if (/^[0-9.]+$/.test(host) || /^0x/i.test(host)) return 'forbidden_host';
  if (host === 'localhost' || !host.includes('.')) return 'forbidden_host';
  if (LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'forbidden_host';
  return null;
}

// ——— DNS over HTTPS ———

export interface DnsAnswer {
  name: string;
  type: number;
  data: string;
}

export const DNS_TYPES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const;

/**
 * One DNS-over-HTTPS question in the JSON API (`application/dns-json`, Cloudflare's and Google's
 * format): the answers, [] for NXDOMAIN or no data. Throws OutboundError('dns_failed') when the
 * resolver cannot be asked or answers something else than DNS JSON.
 */
export async function dohQuery(
  name: string,
  type: keyof typeof DNS_TYPES,
  opts: { resolver?: string | undefined; signal?: AbortSignal } = {},
): Promise<DnsAnswer[]> {
  const resolver = new URL(opts.resolver || DEFAULT_DOH_RESOLVER);
  if (resolver.protocol !== 'https:') throw new OutboundError('dns_failed', 'The DNS resolver must be an https URL.');
  resolver.searchParams.set('name', name);
  resolver.searchParams.set('type', type);
  let res: Response;
  try {
    res = await fetch(resolver.toString(), {
      headers: { accept: 'application/dns-json' },
      signal: opts.signal ?? AbortSignal.timeout(OUTBOUND_TIMEOUT_MS),
      redirect: 'manual',
    });
  } catch (err) {
    throw asOutboundError(err, 'dns_failed', 'The DNS resolver could not be reached.');
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new OutboundError('dns_failed', `The DNS resolver answered ${res.status}.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(await readCapped(res, 64 * 1024));
  } catch (err) {
    throw asOutboundError(err, 'dns_failed', 'The DNS resolver did not answer in DNS JSON.');
  }
  if (typeof body !== 'object' || body === null) throw new OutboundError('dns_failed', 'Unreadable DNS answer.');
  const status = 'Status' in body ? body.Status : undefined;
  if (status === 3) return []; // NXDOMAIN
  if (status !== 0) throw new OutboundError('dns_failed', 'The DNS lookup failed.');
  const answers = 'Answer' in body && Array.isArray(body.Answer) ? body.Answer : [];
  return answers.flatMap((a: unknown): DnsAnswer[] => {
    if (typeof a !== 'object' || a === null) return [];
    const r = a as Record<string, unknown>;
    return typeof r.type === 'number' && typeof r.data === 'string'
      ? [{ name: typeof r.name === 'string' ? r.name : '', type: r.type, data: r.data }]
      : [];
  });
}

/**
 * Resolves A and AAAA for `host` and refuses it when it has no address or any address is
 * private. An IP literal is judged as is (no lookup).
 */
export async function assertPublicHost(
  hostname: string,
  opts: { resolver?: string | undefined; signal?: AbortSignal } = {},
): Promise<void> {
  const refusal = hostRefusal(hostname);
  if (refusal) throw new OutboundError(refusal, 'That host is not on the public internet.');
  const host = hostname.replace(/\.$/, '');
  if (parseIPv4(host) || host.startsWith('[')) return;
  const [a, aaaa] = await Promise.all([dohQuery(host, 'A', opts), dohQuery(host, 'AAAA', opts)]);
  const addresses = [...a, ...aaaa].filter((r) => r.type === DNS_TYPES.A || r.type === DNS_TYPES.AAAA);
  if (addresses.length === 0) throw new OutboundError('dns_failed', `${host} has no address in DNS.`);
  if (addresses.some((r) => isPrivateAddress(r.data))) {
    throw new OutboundError('private_address', `${host} resolves to a private address.`);
  }
}

// ——— The fetch ———

/**
 * GETs `url` under every rule above and returns its status and the first `maxBytes` of its body.
 * Throws OutboundError for anything refused or failed (a non-2xx answer is returned, not thrown).
 */
export async function safeFetch(rawUrl: string, opts: OutboundOptions = {}): Promise<OutboundResponse> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? OUTBOUND_TIMEOUT_MS);
  let url = checkUrl(rawUrl);
  const host = url.hostname;
  await assertPublicHost(host, { resolver: opts.resolver, signal });
  for (let hops = 0; ; hops++) {
    let res: Response;
    try {
      res = await fetch(url.toString(), {
        method: 'GET',
        redirect: 'manual',
        signal,
        headers: { accept: opts.accept ?? 'text/plain', 'user-agent': 'BLT-Next (OWASP Bug Logging Tool)' },
      });
    } catch (err) {
      throw asOutboundError(err, 'network', `${host} could not be reached.`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel();
      if (hops >= MAX_REDIRECTS) throw new OutboundError('too_many_redirects', `${host} redirected too often.`);
      let next: URL;
      try {
        next = checkUrl(new URL(res.headers.get('location') ?? '', url).toString());
      } catch {
        throw new OutboundError('redirect_refused', `${host} redirected to an address we do not follow.`);
      }
      if (next.hostname !== host) {
        throw new OutboundError('redirect_refused', `${host} redirected to another host (${next.hostname}).`);
      }
      url = next;
      continue;
    }
    let text: string;
    try {
      text = await readCapped(res, opts.maxBytes ?? OUTBOUND_MAX_BYTES);
    } catch (err) {
      throw asOutboundError(err, 'network', `${host} stopped answering.`);
    }
    return { status: res.status, url: url.toString(), contentType: res.headers.get('content-type') ?? '', text };
  }
}

/** The URL if it may be fetched at all (https, default port, no credentials, allowed host). */
function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('bad_url', 'Not a URL.');
  }
  // https only: verification proves control of the site people reach over TLS, and a plain-http
  // answer could come from anyone on the path.
  if (url.protocol !== 'https:') throw new OutboundError('bad_url', 'Only https URLs are fetched.');
  if (url.port !== '' && url.port !== '443') throw new OutboundError('bad_url', 'Only the default https port is used.');
  if (url.username || url.password) throw new OutboundError('bad_url', 'URLs with credentials are not fetched.');
  const refusal = hostRefusal(url.hostname);
  if (refusal) throw new OutboundError(refusal, 'That host is not on the public internet.');
  return url;
}

/** Reads at most `max` bytes of the body, then cancels the rest of the stream. */
async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < max) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, max - total);
      chunks.push(take);
      total += take.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function asOutboundError(err: unknown, reason: OutboundReason, message: string): OutboundError {
  if (err instanceof OutboundError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return new OutboundError('timeout', 'The site took too long.');
  return new OutboundError(reason, message);
}
