import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { ApiScope } from '../db/schema';
import { ERROR_STATUS } from './errors';

/**
 * What one route says about itself for `/api/openapi.json` and for API tokens. It sits in the
 * route's own chain, next to the zod schemas the route validates with:
 *
 *   bugs.post('/api/bugs', operation({ summary: 'File a report', scope: 'report', body: reportSchema,
 *     responses: { 201: BugEnvelope } }), …)
 *
 * `operation()` is a no-op at run time; the document is built from `app.routes` (every handler
 * that carries a spec), and middleware/api-token.ts finds the spec of the matched route to check
 * the token's scope. A route without one is closed to API tokens and, if it answers JSON, fails
 * tests/openapi.test.ts until it is documented or listed there as browser-only.
 */
export interface OperationSpec {
  summary: string;
  /** The token scope this needs; GETs default to `read`. */
  scope?: ApiScope;
  /**
   * `false` for the browser's own flows (sign-up, log-in, settings, token management, admin
   * pages): documented, because they answer JSON to `Accept: application/json` with the session
   * cookie, but closed to API tokens (403), so a leaked token cannot take over the account.
   */
  tokens?: false;
  query?: z.ZodType;
  /** The form body; API-token operations also take it as JSON (lib/validation.ts formOrJson). */
  body?: z.ZodType;
  /** Statuses the operation answers on purpose, with their JSON. Errors share the one error shape. */
  responses: Partial<Record<200 | 201 | 202 | 503, z.ZodType>>;
  tags?: string[];
}

export const OPERATION = Symbol.for('blt-next.openapi.operation');

/** A route's entry in the API: the spec rides on a middleware that only calls next(). */
export type OperationMiddleware = MiddlewareHandler & { [OPERATION]: OperationSpec };

export function operation(spec: OperationSpec): OperationMiddleware {
  const mw: MiddlewareHandler = async function operation(_c, next) {
    await next();
  };
  return Object.assign(mw, { [OPERATION]: spec });
}

/** The spec a handler carries, if it is an operation() middleware. */
export function specOf(handler: unknown): OperationSpec | undefined {
  if (typeof handler !== 'function' || !(OPERATION in handler)) return undefined;
  const spec: unknown = handler[OPERATION];
  return spec && typeof spec === 'object' && 'summary' in spec ? (spec as OperationSpec) : undefined;
}

/** The scope a documented operation needs from a token. */
export function scopeOf(method: string, spec: OperationSpec): ApiScope {
  return spec.scope ?? (method === 'GET' ? 'read' : 'triage');
}

/** The one JSON error shape (lib/errors.ts), for every error response of every operation. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
    request_id: z.string(),
  }),
});

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<string, string> = { '201': 'Created', '202': 'Accepted', '503': 'A check failed' };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  return rest;
}

/** `/bugs/:id{[0-9]{1,15}}` → `/bugs/{id}`, with each parameter's pattern. */
export function openApiPath(honoPath: string): { path: string; params: { name: string; pattern?: string }[] } {
  const params: { name: string; pattern?: string }[] = [];
  const path = honoPath.replace(/:([A-Za-z_]+)(\{((?:[^{}]|\{[^{}]*\})+)\})?/g, (_m, name: string, _p, re?: string) => {
    params.push(re ? { name, pattern: `^${re}$` } : { name });
    return `{${name}}`;
  });
  return { path, params };
}

export interface DocumentedRoute {
  method: string;
  path: string;
  handler: unknown;
}

/** The OpenAPI 3.1 document of every route that carries an operation() spec. */
export function openApiDocument(routes: readonly DocumentedRoute[], origin?: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const spec = specOf(r.handler);
    if (!spec) continue;
    const method = r.method.toLowerCase();
    const { path, params } = openApiPath(r.path);
    const scope = spec.tokens === false ? null : scopeOf(r.method, spec);
    const parameters: unknown[] = params.map((p) => ({
      name: p.name,
      in: 'path',
      required: true,
      schema: { type: 'string', ...(p.pattern ? { pattern: p.pattern } : {}) },
    }));
    if (spec.query) {
      const q = jsonSchema(spec.query, 'input');
      const required = new Set(Array.isArray(q.required) ? q.required : []);
      const props = (q.properties ?? {}) as Record<string, unknown>;
      for (const [name, schema] of Object.entries(props)) {
        parameters.push({ name, in: 'query', required: required.has(name), schema });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(spec.responses)) {
      if (!schema) continue;
      responses[status] = {
        description: STATUS_TEXT[status] ?? 'OK',
        content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
      };
    }
    responses.default = {
      description: 'An error, in the one error shape (README "JSON")',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const op: Record<string, unknown> = {
      operationId: `${method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch?: string) => (ch ?? '').toUpperCase())}`,
      summary: spec.summary,
      ...(spec.tags ? { tags: spec.tags } : {}),
      parameters,
      security: [...(scope ? [{ apiToken: [scope] }] : []), { session: [] }, ...(method === 'get' ? [{}] : [])],
      ...(scope ? { 'x-token-scope': scope } : { 'x-tokens': false }),
      responses,
    };
    if (spec.body) {
      const body = jsonSchema(spec.body, 'input');
      op.requestBody = {
        required: true,
        content: {
          'application/x-www-form-urlencoded': { schema: body },
          ...(scope ? { 'application/json': { schema: body } } : {}),
        },
      };
    }
    paths[path] ??= {};
    paths[path][method] = op;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'BLT-Next',
      version: '1',
      description:
        'The OWASP Bug Logging Tool. Every operation answers JSON to `Accept: application/json` or to any ' +
        'request with `Authorization: Bearer blt_…` (create tokens at /settings/tokens). Bodies are form fields, ' +
        'or JSON with a token.',
    },
    ...(origin ? { servers: [{ url: origin }] } : {}),
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBodySchema, 'output') },
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'A personal token `blt_…` from /settings/tokens' },
        session: { type: 'apiKey', in: 'cookie', name: '__Host-blt_session' },
      },
    },
  };
}
