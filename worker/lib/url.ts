/**
 * Parses a URL a user gave us. Only http(s) with a host is accepted: `javascript:`, `data:`,
 * and friends never reach a page as a link. Returns the normalised URL and lower-case host.
 */
export function parseReportUrl(raw: string): { url: string; hostname: string } | null {
  let parsed: URL;
  try {
    parsed = new URL(withDefaultScheme(raw.trim()));
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const hostname = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if (!hostname || hostname.length > 253) return null;
  return { url: parsed.href, hostname };
}

/** Host names as they appear in /domains/:hostname; rejects anything that is not one. */
export const HOSTNAME_RE = /^(?:[a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$|^\[[0-9a-f:.]+\]$/;

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
