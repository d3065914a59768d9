import type { CompiledQuery, sql } from 'kysely';
import type { CleanImage } from '../lib/images';
import type { DB } from './index';
import { prepared, rowsOf } from './prepared';
import type { ImageType } from './schema';

/**
 * Screenshots of reports: rows in D1 (which bug, type, size) and bytes in R2 under a random key.
 * R2 and D1 cannot share a transaction, so the order is what keeps them honest: bytes are put
 * before the row that points at them is written (a failed batch deletes them again), and rows
 * are deleted before the bytes (a failed R2 delete leaves an orphan object no URL reaches,
 * never a row pointing at nothing).
 */

/** At most this many screenshots per report, each at most MAX_SCREENSHOT_BYTES. */
export const MAX_SCREENSHOTS = 5;
export const MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024;
/** All files of one report together. */
export const MAX_SCREENSHOTS_TOTAL = 15 * 1024 * 1024;

/** One screenshot as pages and JSON show it. */
export interface Screenshot {
  key: string;
  type: ImageType;
  width: number;
  height: number;
}

/** A screenshot put in R2, waiting for its row (written in the report's batch). */
export interface StoredScreenshot extends Screenshot {
  bytes: number;
}

/** Where a screenshot's bytes live in the bucket. */
export function objectKey(key: string): string {
  return `screenshots/${key}`;
}

/** The URL the Worker serves a screenshot at. */
export function screenshotUrl(bugId: number, key: string): string {
  return `/bugs/${bugId}/screenshots/${key}`;
}

/** 24 random bytes as 32 base64url characters: unguessable, and the migration's CHECK shape. */
function randomKey(): string {
  let s = '';
  for (const b of crypto.getRandomValues(new Uint8Array(24))) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_');
}

/** Puts cleaned images in R2 under fresh random keys; the caller writes their rows (or removes them). */
export async function putScreenshots(bucket: R2Bucket, images: CleanImage[]): Promise<StoredScreenshot[]> {
  return Promise.all(
    images.map(async (img) => {
      const key = randomKey();
      await bucket.put(objectKey(key), img.bytes, { httpMetadata: { contentType: img.type } });
      return { key, type: img.type, width: img.width, height: img.height, bytes: img.bytes.length };
    }),
  );
}

/** Removes R2 objects whose rows were never written (a refused or duplicate report). */
export async function discardScreenshots(bucket: R2Bucket, shots: { key: string }[]): Promise<void> {
  if (shots.length) await bucket.delete(shots.map((s) => objectKey(s.key)));
}

/** The insert of a report's screenshot rows, for the report's own batch. */
export function insertScreenshots(
  db: DB,
  bugId: number | ReturnType<typeof sql<number>>,
  shots: StoredScreenshot[],
): CompiledQuery[] {
  if (shots.length === 0) return [];
  const now = new Date().toISOString();
  return [
    db
      .insertInto('screenshots')
      .values(
        shots.map((s) => ({
          bug_id: bugId,
          key: s.key,
          type: s.type,
          width: s.width,
          height: s.height,
          bytes: s.bytes,
          created_at: now,
        })),
      )
      .compile(),
  ];
}

/** A report's screenshots, oldest first. */
export async function listScreenshots(db: DB, bugId: number): Promise<Screenshot[]> {
  return rowsOf(db, screenshotsOf(db, bugId));
}

const screenshotsOf = prepared((db, bugId: number) =>
  db.selectFrom('screenshots').select(['key', 'type', 'width', 'height']).where('bug_id', '=', bugId).orderBy('id'),
);

/** One screenshot of one report (a key of another report is not found). */
export async function findScreenshot(db: DB, bugId: number, key: string): Promise<Screenshot | undefined> {
  return db
    .selectFrom('screenshots')
    .select(['key', 'type', 'width', 'height'])
    .where('bug_id', '=', bugId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Removes one screenshot: its row, then its bytes. */
export async function deleteScreenshot(db: DB, bucket: R2Bucket, bugId: number, key: string): Promise<boolean> {
  const gone = await db
    .deleteFrom('screenshots')
    .where('bug_id', '=', bugId)
    .where('key', '=', key)
    .returning('key')
    .execute();
  await discardScreenshots(bucket, gone);
  return gone.length > 0;
}

/**
 * Every screenshot of these reports, rows and R2 objects: spam and deleted reports take their
 * screenshots with them. Call it after (or instead of) the write that marks or deletes them;
 * deleting the rows first means no URL can reach a half-deleted screenshot.
 */
export async function deleteBugScreenshots(db: DB, bucket: R2Bucket, bugIds: number[]): Promise<number> {
  if (bugIds.length === 0) return 0;
  const gone = await db.deleteFrom('screenshots').where('bug_id', 'in', bugIds).returning('key').execute();
  // R2 deletes at most 1,000 keys per call.
  for (let i = 0; i < gone.length; i += 1000) await discardScreenshots(bucket, gone.slice(i, i + 1000));
  return gone.length;
}
