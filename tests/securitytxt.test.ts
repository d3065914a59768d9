import { describe, expect, it } from 'vitest';
import { mailtoAddress, parseSecurityTxt, SECURITY_TXT_MAX_BYTES } from '../worker/lib/securitytxt';

const NOW = new Date('2026-11-27T12:00:00Z');

describe('security.txt parser (RFC 9116)', () => {
  it('reads a valid file: Contact, Expires, Preferred-Languages, comments', () => {
    const txt = [
      '# Our security contacts',
      'Contact: mailto:security@example.com',
      'Contact: https://example.com/security',
      'Expires: 2027-06-30T23:00:00.000Z',
      'Preferred-Languages: en, de',
      'Policy: https://example.com/policy',
      '',
    ].join('\n');
    const r = parseSecurityTxt(txt, NOW);
    expect(r.status).toBe('found');
    expect(r.email).toBe('security@example.com');
    expect(r.contacts).toEqual(['mailto:security@example.com', 'https://example.com/security']);
    expect(r.expires).toBe('2027-06-30T23:00:00.000Z');
    expect(r.preferredLanguages).toEqual(['en', 'de']);
    expect(r.problems).toEqual([]);
  });

  it('ignores an expired file', () => {
    const r = parseSecurityTxt('Contact: mailto:sec@example.com\nExpires: 2025-01-01T00:00:00Z\n', NOW);
    expect(r.status).toBe('expired');
  });

  it('missing fields: no Contact is invalid; no Expires is tolerated but noted', () => {
    const noContact = parseSecurityTxt('Expires: 2027-01-01T00:00:00Z\nPolicy: https://x.example/p\n', NOW);
    expect(noContact.status).toBe('invalid');
    expect(noContact.problems).toContain('no mailto: or https: Contact');
    const noExpires = parseSecurityTxt('Contact: mailto:sec@example.com\n', NOW);
    expect(noExpires.status).toBe('found');
    expect(noExpires.problems).toContain('no Expires');
    expect(parseSecurityTxt('', NOW).status).toBe('invalid');
    // tel: only is no contact we can use.
    expect(parseSecurityTxt('Contact: tel:+1-201-555-0123\nExpires: 2027-01-01T00:00:00Z', NOW).status).toBe('invalid');
  });

  it('CRLF line ends, field names in any case, a byte-order mark', () => {
    const r = parseSecurityTxt('\uFEFFcontact: mailto:Sec@Example.com\r\nEXPIRES: 2027-01-01T00:00:00+02:00\r\n', NOW);
    expect(r.status).toBe('found');
    expect(r.email).toBe('Sec@Example.com');
    expect(r.expires).toBe('2026-12-31T22:00:00.000Z');
  });

  it('an OpenPGP cleartext-signed file: reads the signed part only', () => {
    const txt = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      'Contact: mailto:signed@example.com',
      'Expires: 2027-01-01T00:00:00Z',
      '- -----not a real armor line',
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'Contact: mailto:after-the-signature@example.com',
      'iQIzBAEBCAAdFiEE',
      '-----END PGP SIGNATURE-----',
    ].join('\r\n');
    const r = parseSecurityTxt(txt, NOW);
    expect(r.signed).toBe(true);
    expect(r.status).toBe('found');
    expect(r.contacts).toEqual(['mailto:signed@example.com']);
  });

  it('several Contacts: all kept in order, the first mailto is the one mailed', () => {
    const r = parseSecurityTxt(
      'Contact: https://example.com/report\nContact: mailto:first@example.com\nContact: mailto:second@example.com\nExpires: 2027-01-01T00:00:00Z',
      NOW,
    );
    expect(r.contacts).toHaveLength(3);
    expect(r.email).toBe('first@example.com');
  });

  it('refuses an oversized file whole', () => {
    const big = `Contact: mailto:sec@example.com\n# ${'x'.repeat(SECURITY_TXT_MAX_BYTES)}\n`;
    const r = parseSecurityTxt(big, NOW);
    expect(r.status).toBe('invalid');
    expect(r.email).toBeNull();
  });

  it('mailto: addresses: query and extra recipients dropped, junk refused', () => {
    expect(mailtoAddress('mailto:sec@example.com?subject=hi')).toBe('sec@example.com');
    expect(mailtoAddress('mailto:a@example.com,b@example.com')).toBe('a@example.com');
    expect(mailtoAddress('mailto:sec%40example.com')).toBe('sec@example.com');
    expect(mailtoAddress('mailto:"evil"@x')).toBeNull();
    expect(mailtoAddress('mailto:a@b.c\r\nBcc: x@y.z')).toBeNull();
    expect(mailtoAddress('https://x.example')).toBeNull();
  });
});
