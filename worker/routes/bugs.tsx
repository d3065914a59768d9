import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import {
  BugDetailView,
  BugRows,
  BugsPage,
  type FieldErrors,
  ReportForm,
  ReportPage,
  SimilarBugs,
  SimilarPage,
} from '../../views/bugs';
import { qs } from '../../views/components/format';
import { type BugFilters, decodeCursor, encodeCursor, findBugById, insertBug, listBugs, similarBugs } from '../db/bugs';
import { LABELS, SEVERITIES } from '../db/schema';
import { fail } from '../lib/errors';
import { representation } from '../lib/negotiate';
import { respond } from '../lib/respond';
import { HOSTNAME_RE, parseReportUrl } from '../lib/url';
import type { AppEnv } from '../types';

/** Query of every bug list; unknown values are a 400, not silently "all". */
export const listQuery = z.object({
  label: z.enum(['', ...LABELS], { error: 'Unknown label.' }).optional(),
  severity: z.enum(['', ...SEVERITIES], { error: 'Unknown severity.' }).optional(),
  status: z.enum(['', 'open', 'closed'], { error: 'Status must be open or closed.' }).optional(),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .max(253)
    .refine((d) => d === '' || HOSTNAME_RE.test(d), 'Domain must be a host name such as example.com.')
    .optional(),
  q: z.string().trim().max(200, 'Search at most 200 characters.').optional(),
  before: z
    .string()
    .optional()
    .refine((b) => b === undefined || b === '' || decodeCursor(b) !== null, 'Malformed page cursor.'),
  limit: z.coerce
    .number({ error: 'limit must be a number.' })
    .int()
    .min(1, 'limit must be 1 to 100.')
    .max(100, 'limit must be 1 to 100.')
    .default(25),
});

function badQuery(error: z.core.$ZodError): never {
  fail(400, error.issues.map((i) => i.message).join(' '));
}

/** Report form fields (scripts post the same names). Messages are written for people. */
export const reportSchema = z.object({
  url: z
    .string({ error: 'Enter the address of the page with the bug.' })
    .trim()
    .min(1, 'Enter the address of the page with the bug.')
    .max(2048, 'The address can be at most 2,048 characters.')
    .refine((u) => parseReportUrl(u) !== null, 'Enter a full address starting with http:// or https://.'),
  title: z
    .string({ error: 'Give the bug a title.' })
    .trim()
    .min(5, 'The title needs at least 5 characters.')
    .max(200, 'The title can be at most 200 characters.'),
  description: z
    .string({ error: 'The description must be text.' })
    .max(10_000, 'The description can be at most 10,000 characters.')
    .default(''),
  label: z.enum(LABELS, { error: 'Choose one of the labels.' }).default('general'),
  severity: z.enum(SEVERITIES, { error: 'Choose one of the severities.' }).default('none'),
  private: z.enum(['on', 'true', '1'], { error: 'Private must be a checkbox.' }).optional(),
});

function fieldErrors(error: z.core.$ZodError): FieldErrors {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? 'url');
    out[key] ??= issue.message;
  }
  return out;
}

const keptText = z.string().optional().catch(undefined);
/** Raw posted values, kept as text so the form shows exactly what was typed (never throws). */
const keptFields = z.object({
  url: keptText,
  title: keptText,
  description: keptText,
  label: keptText,
  severity: keptText,
  private: z.unknown().optional(),
});
function keptValues(raw: unknown) {
  const parsed = keptFields.safeParse(raw);
  return parsed.success ? { ...parsed.data, private: parsed.data.private !== undefined } : {};
}

const bugs = new Hono<AppEnv>();

/** `/bugs` and `/api/bugs` are one resource: page, appendable rows, or JSON. */
const listHandler = zValidator('query', listQuery, (result) => {
  if (!result.success) badQuery(result.error);
});

for (const path of ['/bugs', '/api/bugs'] as const) {
  bugs.get(path, listHandler, async (c) => {
    const q = c.req.valid('query');
    const filters: BugFilters = {
      label: q.label || undefined,
      severity: q.severity || undefined,
      status: q.status || undefined,
      domain: q.domain || undefined,
      q: q.q || undefined,
    };
    const cursor = q.before ? decodeCursor(q.before) : null;
    const { rows, next } = await listBugs(c.var.db, { filters, cursor, limit: q.limit });
    const nextQs = next
      ? qs({ ...filters, limit: q.limit === 25 ? undefined : q.limit, before: encodeCursor(next) })
      : null;
    const list = {
      rows,
      nextHref: nextQs === null ? null : `/bugs${nextQs}`,
      nextFragmentHref: nextQs === null ? null : `/api/bugs${nextQs}`,
    };
    return respond(c, {
      title: 'Bugs',
      page: () => <BugsPage filters={filters} {...list} />,
      fragment: () => <BugRows {...list} emptyText={cursor ? undefined : 'No bugs match these filters.'} />,
      json: () => ({ bugs: rows, next: next ? encodeCursor(next) : null }),
    });
  });
}

bugs.get('/bugs/new', (c) => {
  const url = c.req.query('url');
  const values = url && url.length <= 2048 ? { url } : {};
  return respond(c, {
    title: 'Report a bug',
    page: () => <ReportPage values={values} signedIn={c.var.user !== null} />,
    fragment: () => <ReportForm values={values} signedIn={c.var.user !== null} />,
    json: () => ({ fields: Object.keys(reportSchema.shape), labels: LABELS, severities: SEVERITIES }),
  });
});

bugs.get('/api/bugs/similar', async (c) => {
  const parsed = parseReportUrl(c.req.query('url') ?? '');
  const hostname = parsed?.hostname ?? null;
  const rows = hostname ? await similarBugs(c.var.db, hostname) : [];
  return respond(c, {
    title: 'Similar bugs',
    page: () => <SimilarPage hostname={hostname} rows={rows} />,
    fragment: () => <SimilarBugs hostname={hostname} rows={rows} />,
    json: () => ({ hostname, bugs: rows }),
  });
});

for (const path of ['/bugs/:id{[0-9]{1,15}}', '/api/bugs/:id{[0-9]{1,15}}'] as const) {
  bugs.get(path, async (c) => {
    const bug = await findBugById(c.var.db, Number(c.req.param('id')), c.var.user);
    if (!bug) fail(404, 'There is no bug with that number, or it is private.');
    return respond(c, {
      title: bug.title,
      description: `Bug on ${bug.hostname}: ${bug.title}`,
      page: () => <BugDetailView bug={bug} />,
      json: () => ({ bug }),
    });
  });
}

bugs.post(
  '/api/bugs',
  zValidator('form', reportSchema, async (result, c) => {
    if (result.success) return;
    // The hook's `data` is the parse result (undefined on failure); the parsed form is cached.
    const values = keptValues(await c.req.parseBody());
    const errors = fieldErrors(result.error);
    return respond(c, {
      status: 422,
      title: 'Report a bug',
      page: () => <ReportPage values={values} errors={errors} signedIn={c.var.user !== null} />,
      fragment: () => <ReportForm values={values} errors={errors} signedIn={c.var.user !== null} />,
      json: () => ({ error: 'validation', fields: errors }),
    });
  }),
  async (c) => {
    const form = c.req.valid('form');
    const target = parseReportUrl(form.url);
    if (!target) fail(400);
    const user = c.var.user;
    const id = await insertBug(c.var.db, c.env.DB, {
      url: target.url,
      hostname: target.hostname,
      title: form.title,
      description: form.description,
      label: form.label,
      severity: form.severity,
      isHidden: user !== null && form.private !== undefined,
      userId: user?.id ?? null,
    });
    const location = `/bugs/${id}`;
    const rep = representation(c);
    if (rep === 'page') return c.redirect(location, 303);
    const bug = await findBugById(c.var.db, id, user);
    if (!bug) fail(404);
    if (rep === 'json') {
      c.header('Location', location);
      return c.json({ bug }, 201);
    }
    // htmx: show the new bug in place of the whole main area and put its URL in history.
    c.header('HX-Retarget', '#main');
    c.header('HX-Reswap', 'innerHTML');
    c.header('HX-Push-Url', location);
    return c.html(<BugDetailView bug={bug} />);
  },
);

export default bugs;
