import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { fail } from './errors';

/** Rows per page of every list unless `limit` says otherwise. */
export const DEFAULT_PAGE_SIZE = 25;

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

/**
 * The validator hook for input only links and scripts send (queries, path parameters, buttons):
 * an invalid one is answered `status` with every message (or `message`), through the one
 * onError. Forms that people fill in use their own hook, to show the form again.
 */
export function rejectInvalid(status: 400 | 404 = 400, message?: string) {
  return function rejectInvalid(result: { success: true } | { success: false; error: z.core.$ZodError }) {
    if (!result.success) fail(status, message ?? result.error.issues.map((i) => i.message).join(' '));
  };
}

/** A username as the users table's CHECK allows it: 3 to 30 letters, digits, _ and -. */
export const usernameSchema = z
  .string({ error: 'Choose a username.' })
  .min(3, 'The username needs 3 to 30 characters.')
  .max(30, 'The username needs 3 to 30 characters.')
  .check(plainText('The username'))
  .regex(/^[A-Za-z0-9_-]+$/, 'Use only letters, digits, _ and - in the username.');

/** The page size DEFAULT_PAGE_SIZE unless `limit` asks for 1 to 100 rows. */
export const limitSchema = z.coerce
  .number({ error: 'limit must be a number.' })
  .int('limit must be a whole number.')
  .min(1, 'limit must be 1 to 100.')
  .max(100, 'limit must be 1 to 100.')
  .default(DEFAULT_PAGE_SIZE);

/**
 * A keyset cursor from the query, decoded by `decode`: absent or empty is the first page (null),
 * one that does not decode is a 400 "Malformed page cursor."
 */
export function cursorSchema<T>(decode: (raw: string) => T | null) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T | null => {
      if (raw === undefined || raw === '') return null;
      const cursor = decode(raw);
      if (cursor === null) ctx.addIssue({ code: 'custom', message: 'Malformed page cursor.' });
      return cursor;
    });
}

const keptText = z.string().optional().catch(undefined);

/**
 * What the user typed into `names`, as text, for showing a refused form again exactly as it was
 * sent (never throws; anything that is not text is left out). Passwords are never among `names`.
 */
export function keptFields<K extends string>(raw: unknown, names: readonly K[]): Partial<Record<K, string>> {
  const shape = Object.fromEntries(names.map((n) => [n, keptText]));
  const parsed = z.object(shape).safeParse(raw);
  const out: Partial<Record<K, string>> = {};
  if (!parsed.success) return out;
  for (const n of names) {
    const v = parsed.data[n];
    if (typeof v === 'string') out[n] = v;
  }
  return out;
}

/** True when the request body is JSON (only API-token requests get this far with one: middleware/security.ts). */
export function hasJsonBody(c: Context): boolean {
  return /^application\/json\b/i.test(c.req.header('Content-Type') ?? '');
}

/**
 * One body validator for forms and, from API-token clients, JSON: `make(target)` builds the
 * route's zValidator for a target, with the same schema and hook, and this picks the one the
 * body's Content-Type calls for. A JSON body's result is also filed under `form`, so handlers
 * read `c.req.valid('form')` whatever came in. Schemas accept form text and JSON types alike
 * (`checkbox()`, `wholeNumberText()`), so neither needs a cast.
 */
export function formOrJson<M extends MiddlewareHandler>(make: (target: 'form' | 'json') => M): M {
  const form = make('form');
  const json = make('json');
  const either: MiddlewareHandler = async function formOrJson(c, next) {
    if (!hasJsonBody(c)) return form(c, next);
    return json(c, async () => {
      c.req.addValidatedData('form', c.req.valid('json' as never));
      await next();
    });
  };
  // The same middleware type as make's: it runs one of the two it was given.
  return either as M;
}

/** A checkbox: absent or JSON false is off; JSON true or the form's `on` (or true/1) is on. */
export function checkbox(message: string) {
  return z
    .union([z.boolean(), z.enum(['on', 'true', '1'])], { error: message })
    .optional()
    .transform((v) => v === true || typeof v === 'string');
}
