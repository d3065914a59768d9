import { env, exports } from 'cloudflare:workers';
import { inject } from 'vitest';
import { ORIGIN } from './helpers';

/** One of the fixture images (tests/fixtures/images.mjs) as bytes, with its real size and type. */
export function image(name: keyof ReturnType<typeof inject<'images'>>) {
  const f = inject('images')[name];
  const bin = atob(f.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return { ...f, bytes };
}

export interface Upload {
  name: string;
  bytes: Uint8Array;
  /** What the client claims; the Worker must not believe it. */
  type?: string;
}

/** Posts a multipart form with files, as a browser's report form does (same-origin by default). */
export function postMultipart(
  path: string,
  fields: Record<string, string>,
  files: Upload[],
  opts: { cookie?: string; hx?: boolean; json?: boolean } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('screenshots', new File([f.bytes], f.name, { type: f.type ?? 'image/png' }));
  const headers = new Headers({ Origin: ORIGIN });
  if (opts.cookie) headers.set('Cookie', opts.cookie);
  if (opts.hx) headers.set('HX-Request', 'true');
  if (opts.json) headers.set('Accept', 'application/json');
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, { method: 'POST', headers, body: form, redirect: 'manual' }),
  );
}

/** The id in a /bugs/:id Location. */
export function bugIdOf(res: Response): number {
  const m = /\/bugs\/(\d+)/.exec(res.headers.get('Location') ?? '');
  if (!m?.[1]) throw new Error(`no bug location (${res.status})`);
  return Number(m[1]);
}

/** The screenshot rows of a bug, oldest first. */
export async function shotsOf(bugId: number) {
  const { results } = await env.DB.prepare(
    'SELECT key, type, width, height, bytes FROM screenshots WHERE bug_id = ? ORDER BY id',
  )
    .bind(bugId)
    .all<{ key: string; type: string; width: number; height: number; bytes: number }>();
  return results;
}

/** The stored bytes of a screenshot, straight from the R2 bucket; null when gone. */
export async function storedBytes(key: string): Promise<Uint8Array | null> {
  const obj = await env.SCREENSHOTS.get(`screenshots/${key}`);
  return obj ? new Uint8Array(await obj.arrayBuffer()) : null;
}

/** True when `needle` (latin1) occurs in `hay`. */
export function contains(hay: Uint8Array, needle: string): boolean {
  const n = [...needle].map((ch) => ch.charCodeAt(0));
  outer: for (let i = 0; i + n.length <= hay.length; i++) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Walks a JPEG's segments from SOI to EOI the way a decoder does and returns the markers, the
 * frame size, and whether the file ends right after EOI: a structural proof it still decodes
 * (the browser suite decodes it for real in Chromium).
 */
export function jpegStructure(b: Uint8Array) {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('no SOI');
  const markers: number[] = [];
  let at = 2;
  let size: { width: number; height: number } | null = null;
  for (;;) {
    if (b[at] !== 0xff) throw new Error(`no marker at ${at}`);
    const m = b[at + 1]!;
    markers.push(m);
    if (m === 0xd9) return { markers, size, endsAtEoi: at + 2 === b.length };
    const len = (b[at + 2]! << 8) | b[at + 3]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      size = { height: (b[at + 5]! << 8) | b[at + 6]!, width: (b[at + 7]! << 8) | b[at + 8]! };
    }
    at += 2 + len;
    if (m === 0xda) {
      while (!(b[at] === 0xff && b[at + 1] !== 0 && !(b[at + 1]! >= 0xd0 && b[at + 1]! <= 0xd7))) at++;
    }
    if (at >= b.length) throw new Error('ran past the end');
  }
}
