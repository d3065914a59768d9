import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import readme from '../README.md?raw';
import { makeToken } from './api-helpers';
import { ORIGIN, signUp } from './helpers';

/** The curl commands of README "Use the API", in order (`<!-- api:curl -->` blocks). */
function curlExamples(): string[] {
  const out: string[] = [];
  for (const m of readme.matchAll(/<!-- api:curl -->\n```sh\n([\s\S]*?)```/g)) {
    out.push(m[1]!.replace(/\\\n\s*/g, ' ').trim());
  }
  return out;
}

/** Shell words of one command line: single quotes literal, double quotes and bare words expand $VARS; stops at a bare `|`. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  const expand = (s: string) => s.replace(/\$([A-Z_]+)/g, (_m, name: string) => vars[name] ?? `$${name}`);
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      cur = (cur ?? '') + expand(line.slice(i + 1, end));
      i = end;
    } else if (ch === ' ') {
      if (cur !== null) out.push(cur);
      cur = null;
    } else if (ch === '|' && cur === null) {
      break;
    } else {
      cur = (cur ?? '') + (ch === '$' ? expand(line.slice(i).match(/^\$[A-Z_]+/)?.[0] ?? '$') : ch);
      if (ch === '$') i += (line.slice(i).match(/^\$[A-Z_]+/)?.[0].length ?? 1) - 1;
    }
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** A curl command as the Request it sends (the options the README uses: -s -i -X -H -d). */
function curlRequest(cmd: string, vars: Record<string, string>): Request {
  const argv = words(cmd, vars);
  expect(argv[0]).toBe('curl');
  let url = '';
  let method: string | undefined;
  let body: string | undefined;
  const headers = new Headers();
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-H') {
      const h = argv[++i]!;
      const colon = h.indexOf(':');
      headers.append(h.slice(0, colon).trim(), h.slice(colon + 1).trim());
    } else if (a === '-d' || a === '--data') body = argv[++i];
    else if (a === '-X') method = argv[++i];
    else if (/^-[si]+$/.test(a)) continue;
    else if (a.startsWith('-')) throw new Error(`README curl uses an option this test does not know: ${a}`);
    else url = a;
  }
  if (body !== undefined && !headers.has('Content-Type'))
    headers.set('Content-Type', 'application/x-www-form-urlencoded');
  return new Request(url, { method: method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

describe('README "Use the API": the curl examples work', () => {
  it('runs each example in order against the Worker', async () => {
    const examples = curlExamples();
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const { cookie } = await signUp('readme');
    const vars: Record<string, string> = {
      BLT: ORIGIN,
      TOKEN: await makeToken(cookie, ['read', 'report', 'comment']),
    };
    for (const cmd of examples) {
      const res = await exports.default.fetch(curlRequest(cmd, vars));
      expect(res.status, cmd).toBeGreaterThanOrEqual(200);
      expect(res.status, cmd).toBeLessThan(300);
      expect(res.headers.get('Content-Type'), cmd).toMatch(/^application\/json/);
      expect(res.headers.get('RateLimit'), cmd).toMatch(/^"token";r=\d+;t=\d+$/);
      expect(res.headers.get('RateLimit-Policy'), cmd).toMatch(/^"token";q=\d+;w=3600$/);
      const json = await res.json<{ bug?: { id: number; is_hidden: number } }>();
      if (json.bug && !vars.BUG) {
        expect(res.status).toBe(201);
        expect(json.bug.is_hidden).toBe(1); // "private": true, a real JSON boolean
        vars.BUG = String(json.bug.id);
      }
    }
    expect(vars.BUG, 'an example files a report').toBeTruthy();
  });
});
