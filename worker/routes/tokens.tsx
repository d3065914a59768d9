import { zValidator } from '@hono/zod-validator';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { TokensPage, TokensPanel, type TokensProps } from '../../views/tokens';
import { insertApiToken, listApiTokens, MAX_TOKENS_PER_USER, revokeApiToken } from '../db/api-tokens';
import { API_SCOPES } from '../db/schema';
import * as api from '../lib/api-schemas';
import { newApiToken, SCOPE_TEXT } from '../lib/api-tokens';
import { apiError, fail } from '../lib/errors';
import { type DocumentedRoute, openApiDocument, operation } from '../lib/openapi';
import { afterWrite, respond } from '../lib/respond';
import { fieldErrors, keptFields, plainText, rejectInvalid } from '../lib/validation';
import type { AppEnv, SessionUser } from '../types';

/** The create form: a name and at least one scope (checkboxes named `scopes`). */
export const tokenSchema = z.object({
  name: z
    .string({ error: 'Name the token.' })
    .trim()
    .min(1, 'Name the token, for example “CI”.')
    .max(60, 'The name can be at most 60 characters.')
    .check(plainText('The name')),
  scopes: z
    .union([z.enum(API_SCOPES), z.array(z.enum(API_SCOPES))], { error: 'Choose scopes among those listed.' })
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .refine((v) => v.length > 0, 'Choose at least one scope.'),
});

const NOTICES = { revoked: 'The token was revoked: it no longer works.' } as const;

function signedIn(c: Context): SessionUser {
  // Tokens are managed in the browser only: a token cannot make or revoke tokens (api-token.ts
  // refuses undocumented routes), so this is always the cookie's user.
  return c.var.user ?? fail(401, 'Log in to manage your API tokens.');
}

async function panel(c: Context, user: SessionUser, extra: Partial<TokensProps> = {}): Promise<TokensProps> {
  return { tokens: await listApiTokens(c.var.db, user.id), scopeText: SCOPE_TEXT, ...extra };
}

/** `/settings/tokens`: personal API tokens (README "Use the API"). */
const tokens = new Hono<AppEnv>();

tokens.get(
  '/settings/tokens',
  operation({ summary: 'Your API tokens', tokens: false, tags: ['browser'], responses: { 200: api.TokensResponse } }),
  zValidator('query', z.object({ notice: z.enum(['revoked']).optional().catch(undefined) })),
  async (c) => {
    const user = signedIn(c);
    const { notice } = c.req.valid('query');
    const props = await panel(c, user, { notice: notice && NOTICES[notice] });
    return respond(c, {
      title: 'API tokens',
      page: () => <TokensPage {...props} />,
      fragment: () => <TokensPanel {...props} />,
      json: () => ({ tokens: props.tokens }),
    });
  },
);

tokens.post(
  '/settings/tokens',
  operation({
    summary: 'Make an API token (its secret is in this answer only)',
    tokens: false,
    tags: ['browser'],
    body: tokenSchema,
    responses: { 201: api.NewTokenResponse },
  }),
  zValidator('form', tokenSchema, async (result, c) => {
    if (result.success) return;
    const user = signedIn(c);
    const raw = await c.req.parseBody({ all: true });
    const kept = keptFields(raw, ['name']);
    const scopes = raw.scopes;
    const values = {
      name: kept.name,
      scopes: Array.isArray(scopes)
        ? scopes.filter((s) => typeof s === 'string')
        : typeof scopes === 'string'
          ? [scopes]
          : [],
    };
    const errors = fieldErrors(result.error);
    const props = await panel(c, user, { errors, values });
    return respond(c, {
      status: 422,
      title: 'API tokens',
      page: () => <TokensPage {...props} />,
      fragment: () => <TokensPanel {...props} />,
      json: () => apiError('validation_failed', undefined, errors),
    });
  }),
  async (c) => {
    const user = signedIn(c);
    const form = c.req.valid('form');
    const { token, hash } = await newApiToken();
    const stored = await insertApiToken(c.var.db, { userId: user.id, name: form.name, scopes: form.scopes, hash });
    const errors = stored ? undefined : { form: `You have ${MAX_TOKENS_PER_USER} tokens: revoke one first.` };
    // Shown once, in this answer itself: a redirect would have to carry the secret in a URL.
    const props = await panel(c, user, stored ? { created: { name: form.name, token } } : { errors, values: form });
    return respond(c, {
      status: stored ? 201 : 422,
      title: 'API tokens',
      page: () => <TokensPage {...props} />,
      fragment: () => <TokensPanel {...props} />,
      json: () =>
        stored ? { token, name: form.name, scopes: form.scopes } : apiError('validation_failed', errors?.form),
    });
  },
);

tokens.post(
  '/settings/tokens/:id{[0-9]{1,15}}/revoke',
  operation({
    summary: 'Revoke an API token',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.TokenRevokedResponse },
  }),
  zValidator('param', z.object({ id: z.coerce.number().int().positive() }), rejectInvalid(404)),
  async (c) => {
    const user = signedIn(c);
    const { id } = c.req.valid('param');
    if (!(await revokeApiToken(c.var.db, user.id, id))) fail(404, 'There is no such token.');
    return afterWrite(c, {
      to: '/settings/tokens?notice=revoked',
      json: () => ({ id, revoked: true }),
      fragment: async () => <TokensPanel {...(await panel(c, user, { notice: NOTICES.revoked }))} />,
    });
  },
);

export default tokens;

/** `GET /api/openapi.json`: the OpenAPI 3.1 document of every route that carries an operation() spec. */
export function apiDocs(routes: () => readonly DocumentedRoute[]) {
  const docs = new Hono<AppEnv>();
  docs.get(
    '/api/openapi.json',
    operation({
      summary: 'This document (OpenAPI 3.1)',
      tags: ['ops'],
      responses: { 200: z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) }) },
    }),
    (c) => c.json(openApiDocument(routes(), new URL(c.req.url).origin)),
  );
  return docs;
}
