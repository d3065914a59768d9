/**
 * The one host name rule (issue 7 item 14): the report form, the list filter, the similar-bugs
 * hint and `/domains/:hostname` all use it, so a host that can be reported always has a page.
 * A name of DNS labels: 1–63 of `a-z 0-9 -` each, not starting or ending with `-`, no empty
 * label, at least two labels, 253 characters at most, and a last label that is not all digits.
 * IP addresses (v4 and v6) are refused: bugs are filed against a site's name, and an address
 * says nothing about whose site it is (and is often private). Give it in lower case; IDNs
 * arrive in their `xn--` form from the URL parser.
 */
export function isValidHostname(hostname: string): boolean {
  if (hostname.length === 0 || hostname.length > 253) return false;
  const labels = hostname.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  return !/^[0-9]+$/.test(labels.at(-1) ?? '');
}

const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parses a URL a user gave us. Only http(s) with a valid host name is accepted: `javascript:`,
 * `data:`, and friends never reach a page as a link. Returns the normalised URL and lower-case
 * host, or why it was refused.
 */
export function checkReportUrl(
  raw: string,
): { ok: true; url: string; hostname: string } | { ok: false; reason: 'url' | 'hostname'; hostname?: string } {
  let parsed: URL;
  try {
    parsed = new URL(withDefaultScheme(raw.trim()));
  } catch {
    return { ok: false, reason: 'url' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, reason: 'url' };
  const hostname = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if (!isValidHostname(hostname)) return { ok: false, reason: 'hostname', hostname };
  return { ok: true, url: parsed.href, hostname };
}

/** The normalised URL and host of a report address, or null when `checkReportUrl` refuses it. */
export function parseReportUrl(raw: string): { url: string; hostname: string } | null {
  const r = checkReportUrl(raw);
  return r.ok ? { url: r.url, hostname: r.hostname } : null;
}

/**
 * People type `shop.example/cart`, not `https://shop.example/cart`. When what was typed has
 * no scheme and starts with a host name (with a dot, or localhost), read it as https://.
 * Anything else is left alone, so `javascript:`, `data:` or `mailto:` stay what they are
 * (and are refused by the http(s) rule).
 */
export function withDefaultScheme(raw: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return raw;
  const host = /^(?:(?:[a-z0-9-]+\.)+[a-z0-9-]+|localhost)(?::\d{1,5})?(?:[/?#]|$)/i;
  return host.test(raw) ? `https://${raw}` : raw;
}
