import type { Env } from '../types';
import { DNS_TYPES, dohQuery, OutboundError, safeFetch } from './outbound';

/**
 * Checks a domain claim for real (README "Claiming a domain"): the DNS TXT record
 * `_blt-verify.<host>` = `blt-verify=<token>` through DNS-over-HTTPS, or the first line of
 * `https://<host>/.well-known/blt-verify.txt`, fetched with every rule of worker/lib/outbound.ts.
 * Returns null when the token is there, or what the person should know about why not.
 */
export async function checkClaim(
  env: Env,
  host: string,
  token: string,
  method: 'dns' | 'file',
): Promise<string | null> {
  try {
    return method === 'dns' ? await checkDns(env, host, token) : await checkFile(env, host, token);
  } catch (err) {
    if (err instanceof OutboundError) return `The check could not be made: ${err.message}`;
    throw err;
  }
}

/** A TXT record's text: its quoted strings joined (a long value comes split into 255-byte parts). */
export function txtValue(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return parts.length ? parts.join('') : data;
}

async function checkDns(env: Env, host: string, token: string): Promise<string | null> {
  const name = `_blt-verify.${host}`;
  const answers = await dohQuery(name, 'TXT', { resolver: env.DOH_RESOLVER });
  const values = answers.filter((a) => a.type === DNS_TYPES.TXT).map((a) => txtValue(a.data).trim());
  if (values.includes(`blt-verify=${token}`)) return null;
  return values.length === 0
    ? `There is no TXT record at ${name} yet (DNS changes can take a few minutes).`
    : `The TXT record at ${name} does not hold this token.`;
}

async function checkFile(env: Env, host: string, token: string): Promise<string | null> {
  const url = `https://${host}/.well-known/blt-verify.txt`;
  const res = await safeFetch(url, { resolver: env.DOH_RESOLVER, accept: 'text/plain' });
  if (res.status !== 200) return `${url} answered ${res.status}, not 200.`;
  const first = (res.text.split(/\r?\n/, 1)[0] ?? '').replace(/^\uFEFF/, '').trim();
  return first === token ? null : `The first line of ${url} is not this token.`;
}
