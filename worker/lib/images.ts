import type { ImageType } from '../db/schema';

/**
 * Screenshots, byte by byte: what an upload really is (sniffed, never the file name or the
 * client's Content-Type), how big it is in pixels (from its own header), and the same image
 * without the metadata that can carry a location, a camera serial or a name: EXIF, XMP, IPTC,
 * text chunks and comments. Hand-written on purpose: a few hundred lines we can read beat a
 * decoder in the Worker, and the output is the input minus whole blocks, so the picture data
 * itself is never touched. Anything that does not parse as its format end to end is refused.
 */

/** An image ready to store: its type, size in pixels and bytes without metadata. */
export interface CleanImage {
  type: ImageType;
  width: number;
  height: number;
  bytes: Uint8Array;
}

/** Why a file was refused, in words for the person who chose it. */
export class ImageError extends Error {}

/** Larger than this on either side is refused: no screenshot is, and decoders must not be asked to. */
export const MAX_IMAGE_SIDE = 16_384;

const NOT_AN_IMAGE = 'is not a PNG, JPEG, WebP or GIF image';
const DAMAGED = 'is damaged or not a complete image';

/** The format the first bytes say, or null: the only way a type is ever decided here. */
export function sniffImageType(b: Uint8Array): ImageType | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 8) === 'PNG\r\n\x1a\n') return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'image/gif';
  return null;
}

/**
 * Sniffs, measures and strips `input`. Throws ImageError (with the reason, to follow the file's
 * name in a message) when it is not one of the four formats or does not parse as one.
 */
export function cleanImage(input: Uint8Array): CleanImage {
  const type = sniffImageType(input);
  if (!type) throw new ImageError(NOT_AN_IMAGE);
  let out: Omit<CleanImage, 'type'>;
  try {
    out =
      type === 'image/png'
        ? cleanPng(input)
        : type === 'image/jpeg'
          ? cleanJpeg(input)
          : type === 'image/webp'
            ? cleanWebp(input)
            : cleanGif(input);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError(DAMAGED);
  }
  if (out.width < 1 || out.height < 1) throw new ImageError(DAMAGED);
  if (out.width > MAX_IMAGE_SIDE || out.height > MAX_IMAGE_SIDE) {
    throw new ImageError(`is ${out.width} × ${out.height} pixels; at most ${MAX_IMAGE_SIDE} on each side`);
  }
  return { type, ...out };
}

/** Concatenates parts into one array. */
function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function need(b: Uint8Array, end: number): void {
  if (end > b.length) throw new ImageError(DAMAGED);
}

const be16 = (b: Uint8Array, i: number) => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const be32 = (b: Uint8Array, i: number) => be16(b, i) * 0x10000 + be16(b, i + 2);
const le16 = (b: Uint8Array, i: number) => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const le24 = (b: Uint8Array, i: number) => le16(b, i) | ((b[i + 2] ?? 0) << 16);
const le32 = (b: Uint8Array, i: number) => le16(b, i) + le16(b, i + 2) * 0x10000;
const fourcc = (b: Uint8Array, i: number) => String.fromCharCode(...b.subarray(i, i + 4));

// ---------------------------------------------------------------------------------------------
// PNG: signature, then chunks (length, type, data, CRC) from IHDR to IEND. Only chunks that draw
// or colour the picture are kept; eXIf, tEXt, iTXt, zTXt, tIME and any unknown or private chunk
// are dropped, and so is anything after IEND (where polyglots hide their second file).

const PNG_KEEP = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'cICP',
  'mDCV',
  'cLLI',
  'sBIT',
  'bKGD',
  'hIST',
  'pHYs',
  'sPLT',
  'acTL',
  'fcTL',
  'fdAT',
]);

function cleanPng(b: Uint8Array) {
  const parts = [b.subarray(0, 8)];
  let at = 8;
  let width = 0;
  let height = 0;
  let first = true;
  let idat = false;
  for (;;) {
    need(b, at + 12);
    const length = be32(b, at);
    const type = fourcc(b, at + 4);
    const end = at + 12 + length;
    need(b, end);
    if (first) {
      if (type !== 'IHDR' || length !== 13) throw new ImageError(DAMAGED);
      width = be32(b, at + 8);
      height = be32(b, at + 12);
      first = false;
    }
    if (type === 'IDAT') idat = true;
    if (PNG_KEEP.has(type)) parts.push(b.subarray(at, end));
    at = end;
    if (type === 'IEND') break;
  }
  if (!idat) throw new ImageError(DAMAGED);
  return { width, height, bytes: join(parts) };
}

// ---------------------------------------------------------------------------------------------
// JPEG: markers from SOI to EOI. APP1 (EXIF, XMP), APP13 (IPTC / Photoshop), COM, and APP2
// unless it is an ICC colour profile (MPF there points at more images with their own EXIF) are
// dropped; entropy-coded data after each SOS is copied as is; nothing after EOI is kept.

/** Start-of-frame markers, the ones that carry the picture's size. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function dropJpegSegment(marker: number, b: Uint8Array, data: number): boolean {
  if (marker === 0xe1 || marker === 0xed || marker === 0xfe) return true;
  if (marker === 0xe2) return String.fromCharCode(...b.subarray(data, data + 12)) !== 'ICC_PROFILE\0';
  // Other APPn that are not JFIF/JFXX (APP0) or Adobe's colour transform (APP14): vendor blobs.
  return marker >= 0xe3 && marker <= 0xef && marker !== 0xee;
}

function cleanJpeg(b: Uint8Array) {
  const parts = [b.subarray(0, 2)];
  let at = 2;
  let width = 0;
  let height = 0;
  let scanned = false;
  for (;;) {
    need(b, at + 2);
    if (b[at] !== 0xff) throw new ImageError(DAMAGED);
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      parts.push(b.subarray(at, at + 2));
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      throw new ImageError(DAMAGED);
    }
    need(b, at + 4);
    const length = be16(b, at + 2);
    if (length < 2) throw new ImageError(DAMAGED);
    const end = at + 2 + length;
    need(b, end);
    if (SOF.has(marker)) {
      need(b, at + 9);
      height = be16(b, at + 5);
      width = be16(b, at + 7);
    }
    if (!dropJpegSegment(marker, b, at + 4)) parts.push(b.subarray(at, end));
    at = end;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      let i = at;
      while (i + 1 < b.length) {
        if (b[i] === 0xff) {
          const next = b[i + 1] ?? 0;
          if (next !== 0 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
        }
        i += 1;
      }
      need(b, i + 2);
      parts.push(b.subarray(at, i));
      at = i;
      scanned = true;
    }
  }
  if (!scanned || width === 0) throw new ImageError(DAMAGED);
  return { width, height, bytes: join(parts) };
}

// ---------------------------------------------------------------------------------------------
// WebP: RIFF, then chunks (FourCC, little-endian size, data, pad to even). EXIF and "XMP " go,
// and so does any chunk WebP does not define; VP8X's flags lose their EXIF and XMP bits.

const WEBP_KEEP = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function cleanWebp(b: Uint8Array) {
  need(b, 12);
  const riffEnd = 8 + le32(b, 4);
  need(b, riffEnd);
  const parts: Uint8Array[] = [];
  let at = 12;
  let width = 0;
  let height = 0;
  let image = false;
  let firstChunk = true;
  while (at < riffEnd) {
    need(b, at + 8);
    const type = fourcc(b, at);
    const size = le32(b, at + 4);
    const data = at + 8;
    const end = data + size + (size % 2);
    if (data + size > riffEnd) throw new ImageError(DAMAGED);
    const chunk = b.slice(at, Math.min(end, riffEnd));
    if (type === 'VP8X') {
      if (!firstChunk || size < 10) throw new ImageError(DAMAGED);
      chunk[8] = (chunk[8] ?? 0) & ~(VP8X_EXIF | VP8X_XMP);
      width = le24(b, data + 4) + 1;
      height = le24(b, data + 7) + 1;
    } else if (type === 'VP8 ') {
      if (size < 10 || b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) {
        throw new ImageError(DAMAGED);
      }
      if (!width) {
        width = le16(b, data + 6) & 0x3fff;
        height = le16(b, data + 8) & 0x3fff;
      }
      image = true;
    } else if (type === 'VP8L') {
      if (size < 5 || b[data] !== 0x2f) throw new ImageError(DAMAGED);
      if (!width) {
        const bits = le32(b, data + 1);
        width = (bits & 0x3fff) + 1;
        height = ((bits >>> 14) & 0x3fff) + 1;
      }
      image = true;
    } else if (type === 'ANMF') {
      image = true;
    }
    if (WEBP_KEEP.has(type)) parts.push(chunk);
    firstChunk = false;
    at = end;
  }
  if (!image) throw new ImageError(DAMAGED);
  const body = join(parts);
  const header = new Uint8Array(12);
  header.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  const size = body.length + 4;
  header.set([size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, (size >>> 24) & 0xff], 4);
  header.set([0x57, 0x45, 0x42, 0x50], 8); // WEBP
  return { width, height, bytes: join([header, body]) };
}

// ---------------------------------------------------------------------------------------------
// GIF: header, logical screen (and global colour table), then blocks to the trailer. Comment and
// plain-text extensions go, and application extensions except the animation loop (NETSCAPE2.0 /
// ANIMEXTS1.0): XMP travels in one of those. Nothing after the trailer is kept.

/** Skips data sub-blocks from `at`; returns the index after the 0 terminator. */
function subBlocksEnd(b: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    need(b, i + 1);
    const n = b[i] ?? 0;
    i += 1;
    if (n === 0) return i;
    i += n;
  }
}

function cleanGif(b: Uint8Array) {
  need(b, 13);
  const width = le16(b, 6);
  const height = le16(b, 8);
  const flags = b[10] ?? 0;
  let at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  need(b, at);
  const parts = [b.subarray(0, at)];
  let frames = 0;
  for (;;) {
    need(b, at + 1);
    const kind = b[at];
    if (kind === 0x3b) {
      parts.push(b.subarray(at, at + 1));
      break;
    }
    if (kind === 0x2c) {
      need(b, at + 10);
      const local = b[at + 9] ?? 0;
      const lzw = at + 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0);
      const end = subBlocksEnd(b, lzw + 1);
      parts.push(b.subarray(at, end));
      at = end;
      frames += 1;
    } else if (kind === 0x21) {
      need(b, at + 2);
      const label = b[at + 1];
      const end = subBlocksEnd(b, at + 2);
      let keep = label === 0xf9; // graphic control: delays and transparency
      if (label === 0xff) {
        const app = String.fromCharCode(...b.subarray(at + 3, at + 14));
        keep = app === 'NETSCAPE2.0' || app === 'ANIMEXTS1.0';
      }
      if (keep) parts.push(b.subarray(at, end));
      at = end;
    } else {
      throw new ImageError(DAMAGED);
    }
  }
  if (frames === 0) throw new ImageError(DAMAGED);
  return { width, height, bytes: join(parts) };
}
