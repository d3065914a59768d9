import type { Context } from 'hono';
import type { BugDetail } from '../db/bugs';
import {
  MAX_SCREENSHOT_BYTES,
  MAX_SCREENSHOTS,
  MAX_SCREENSHOTS_TOTAL,
  type Screenshot,
  screenshotUrl,
} from '../db/screenshots';
import type { SessionUser } from '../types';
import { type CleanImage, cleanImage, ImageError } from './images';

/**
 * Evidence rules shared by the report routes (routes/bugs.tsx) and the evidence routes
 * (routes/evidence.tsx): who may edit, and how an upload of screenshots is read.
 */

/** "Open" for editing: the reporter may edit until the report is closed (or spam). */
export function isOpen(bug: BugDetail): boolean {
  return bug.status === 'open';
}

/** Reporter while the report is open; admins any report. */
export function canEdit(bug: BugDetail, user: SessionUser | null): boolean {
  if (!user) return false;
  return user.role === 'admin' || (bug.user_id === user.id && isOpen(bug));
}

/** The reporter and admins may remove a screenshot. */
export function canRemoveScreenshots(bug: BugDetail, user: SessionUser | null): boolean {
  return user !== null && (user.role === 'admin' || bug.user_id === user.id);
}

/** Screenshots with the URL pages link and JSON lists: `[{url, width, height, type}]`. */
export function screenshotsView(bugId: number, shots: Screenshot[]) {
  return shots.map((s) => ({ ...s, url: screenshotUrl(bugId, s.key) }));
}

/** The JSON shape of a report's screenshots (from screenshotsView). */
export function screenshotsJson(shots: ReturnType<typeof screenshotsView>) {
  return shots.map((s) => ({ url: s.url, width: s.width, height: s.height, type: s.type }));
}

/** How a file upload is read: cleaned images, or the message naming the file and why. */
export type ReadScreenshots = { ok: true; images: CleanImage[]; digests: string[] } | { ok: false; message: string };

const AGAIN = 'Choose your screenshots again.';

/**
 * The `screenshots` files of a report form, each sniffed, measured and stripped of metadata
 * (lib/images.ts). Empty file inputs (nothing chosen) are skipped. The body has already passed
 * the 16 MiB limit before anything read it (app.tsx).
 */
export async function readScreenshots(c: Context): Promise<ReadScreenshots> {
  const type = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) return { ok: true, images: [], digests: [] };
  const files = (await c.req.formData())
    .getAll('screenshots')
    .filter((f): f is File => typeof f !== 'string' && !(f.size === 0 && f.name === ''));
  if (files.length > MAX_SCREENSHOTS) {
    return {
      ok: false,
      message: `Attach at most ${MAX_SCREENSHOTS} screenshots (you chose ${files.length}). ${AGAIN}`,
    };
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > MAX_SCREENSHOTS_TOTAL) {
    return { ok: false, message: `The screenshots add up to ${mb(total)}; at most 15 MB together. ${AGAIN}` };
  }
  const images: CleanImage[] = [];
  const digests: string[] = [];
  for (const f of files) {
    const name = displayName(f.name);
    if (f.size > MAX_SCREENSHOT_BYTES) {
      return { ok: false, message: `“${name}” is ${mb(f.size)}; each screenshot may be at most 5 MB. ${AGAIN}` };
    }
    try {
      const img = cleanImage(new Uint8Array(await f.arrayBuffer()));
      images.push(img);
      digests.push(hex(await crypto.subtle.digest('SHA-256', img.bytes)));
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      return { ok: false, message: `“${name}” ${err.message}. ${AGAIN}` };
    }
  }
  return { ok: true, images, digests };
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A file name fit to show in a message: no paths, no control characters, not too long. */
function displayName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return (clean.length > 80 ? `${clean.slice(0, 77)}…` : clean) || 'the file';
}
