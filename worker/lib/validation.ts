import type { z } from 'zod';

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
