import { z } from 'zod';

/**
 * The first message for each field of a failed parse, keyed by field name, for forms to show
 * beside the field. Issues not tied to a field go under `form`.
 */
export function fieldErrors(error: z.core.$ZodError): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? 'form');
    out[key] ??= issue.message;
  }
  return out;
}

/** Control characters (C0, DEL, C1) and UTF-16 halves without their partner. */
const CONTROL = /[\p{Cc}\p{Cs}]/u;
/** The same, but newline, carriage return and tab are text in a multi-line field. */
const CONTROL_MULTILINE = /(?![\t\n\r])[\p{Cc}\p{Cs}]/u;

/**
 * True when `s` has no control characters (SQLite's CHECKs and every page would choke on a
 * NUL, and an ESC or bell is never meant). `multiline` lets newline and tab through, for
 * descriptions and comments.
 */
export function isPlainText(s: string, multiline = false): boolean {
  return !(multiline ? CONTROL_MULTILINE : CONTROL).test(s);
}

/**
 * The zod check every text field of every form uses: `z.string().check(plainText('The title'))`.
 * One rule, one message shape: "<What> cannot contain control characters."
 */
export function plainText(what: string, opts: { multiline?: boolean } = {}) {
  return z.refine<string>((s) => isPlainText(s, opts.multiline), `${what} cannot contain control characters.`);
}
