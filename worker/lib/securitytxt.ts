/**
 * RFC 9116 security.txt, read the way the Worker needs it: who to tell about a report on a site
 * nobody has claimed. Pure (no I/O): worker/contact.ts fetches the file and passes its text here.
 */

/** Larger files are refused whole (RFC 9116 sets no limit; real files are well under 2 KB). */
export const SECURITY_TXT_MAX_BYTES = 16 * 1024;

export type SecurityTxtStatus = 'found' | 'expired' | 'invalid';

export interface SecurityTxt {
  /**
   * `found`: usable (has at least one mailto: or https: Contact and has not expired);
   * `expired`: its Expires is in the past, so it is ignored (RFC 9116 §2.5.5);
   * `invalid`: too large, or no usable Contact.
   */
  status: SecurityTxtStatus;
  /** mailto: and https: Contact URIs, in file order (other schemes such as tel: are skipped). */
  contacts: string[];
  /** The first mailto: Contact's address, if any: where a notice is mailed. */
  email: string | null;
  /** Expires as ISO time, or null when the file has none (a missing Expires is tolerated). */
  expires: string | null;
  preferredLanguages: string[];
  /** Whether the content was wrapped in an OpenPGP cleartext signature (not verified). */
  signed: boolean;
  /** What was wrong, for logs and the admin (never shown to the public). */
  problems: string[];
}

const EMAIL =
  /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * The signed part of an OpenPGP cleartext-signed message (RFC 4880 §7): the text between the
 * armor headers' blank line and the signature block, dash-escaping undone. Null when not signed.
 */
function unwrapSigned(lines: string[]): string[] | null {
  const begin = lines.findIndex((l) => l.trim() === '-----BEGIN PGP SIGNED MESSAGE-----');
  if (begin === -1) return null;
  let i = begin + 1;
  while (i < lines.length && lines[i]?.trim() !== '') i++; // armor headers (Hash: …)
  const end = lines.findIndex((l, j) => j > i && l.trim() === '-----BEGIN PGP SIGNATURE-----');
  return lines.slice(i + 1, end === -1 ? lines.length : end).map((l) => (l.startsWith('- ') ? l.slice(2) : l));
}

/** The address of a mailto: URI (first recipient, query dropped), if it looks like one. */
export function mailtoAddress(uri: string): string | null {
  if (!/^mailto:/i.test(uri)) return null;
  let addr = uri.slice(7).split('?')[0]?.split(',')[0] ?? '';
  try {
    addr = decodeURIComponent(addr);
  } catch {
    return null;
  }
  addr = addr.trim();
  return addr.length <= 254 && EMAIL.test(addr) ? addr : null;
}

/** Parses a security.txt body as fetched; `now` decides whether it has expired. */
export function parseSecurityTxt(text: string, now: Date = new Date()): SecurityTxt {
  const result: SecurityTxt = {
    status: 'invalid',
    contacts: [],
    email: null,
    expires: null,
    preferredLanguages: [],
    signed: false,
    problems: [],
  };
  if (new TextEncoder().encode(text).byteLength > SECURITY_TXT_MAX_BYTES) {
    result.problems.push(`larger than ${SECURITY_TXT_MAX_BYTES} bytes`);
    return result;
  }
  let lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const signed = unwrapSigned(lines);
  if (signed) {
    result.signed = true;
    lines = signed;
  }
  let expiresSeen = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      result.problems.push('a line that is not "Field: value"');
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'contact') {
      if (/^mailto:/i.test(value)) {
        const addr = mailtoAddress(value);
        if (addr) {
          result.contacts.push(`mailto:${addr}`);
          result.email ??= addr;
        } else result.problems.push('a mailto: Contact that is not an address');
      } else if (/^https:\/\/[^\s]+$/i.test(value)) result.contacts.push(value);
      // tel: and http: contacts are valid for people but useless to us (http is also not allowed by the RFC).
    } else if (name === 'expires') {
      expiresSeen += 1;
      const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)
        ? Date.parse(value)
        : NaN;
      if (Number.isNaN(t)) result.problems.push('an Expires that is not an RFC 3339 time');
      else if (result.expires === null) result.expires = new Date(t).toISOString();
    } else if (name === 'preferred-languages') {
      result.preferredLanguages = value
        .split(',')
        .map((l) => l.trim())
        .filter((l) => /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(l));
    }
  }
  if (expiresSeen > 1) result.problems.push('Expires more than once');
  if (expiresSeen === 0) result.problems.push('no Expires');
  if (result.expires !== null && Date.parse(result.expires) <= now.getTime()) {
    result.status = 'expired';
    return result;
  }
  if (result.contacts.length === 0) {
    result.problems.push('no mailto: or https: Contact');
    return result;
  }
  result.status = 'found';
  return result;
}
