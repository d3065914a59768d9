import { API_SCOPES, type ApiScope } from '../worker/db/schema';
import { type Errors, Field, FieldError, FormToken, HtmxForm } from './components/form';
import { When } from './components/when';

/** A token as the page lists it (never its hash, never the secret after it was shown). */
export interface TokenRow {
  id: number;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
}

export interface TokensProps {
  tokens: TokenRow[];
  /** Each scope's meaning, from worker/lib/api-tokens.ts. */
  scopeText: Record<ApiScope, string>;
  /** The token just made: shown this once, never stored or shown again. */
  created?: { name: string; token: string } | undefined;
  errors?: Errors;
  values?: { name?: string | undefined; scopes?: readonly string[] | undefined };
  notice?: string | undefined;
}

/** The page: what tokens are for, then the panel htmx swaps after each create or revoke. */
export function TokensPage(p: TokensProps) {
  return (
    <>
      <h1>API tokens</h1>
      <p>
        Tokens let scripts and apps use BLT-Next as you, over the same URLs as the site: send{' '}
        <code>Authorization: Bearer blt_…</code>. Give each one only the scopes it needs; revoke it when it is no longer
        used. Changing or resetting your password revokes them all.{' '}
        <a href="/api/openapi.json">The API description (OpenAPI)</a> lists what each scope allows.
      </p>
      <TokensPanel {...p} />
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>
  );
}

/** Create form, the new token (once), and the list with a Revoke button per token. */
export function TokensPanel(p: TokensProps) {
  const errors = p.errors ?? {};
  const chosen = new Set(p.values?.scopes ?? ['read']);
  return (
    <div id="tokens">
      {p.notice ? (
        <p class="notice" role="status">
          {p.notice}
        </p>
      ) : null}
      {p.created ? (
        <section class="notice" aria-labelledby="new-token-heading">
          <h2 id="new-token-heading">Your new token "{p.created.name}"</h2>
          <p>Copy it now: it is shown only this once. BLT-Next keeps only its hash.</p>
          <label for="new-token">Token</label>
          <input id="new-token" type="text" readonly value={p.created.token} autocomplete="off" spellcheck={false} />
        </section>
      ) : null}
      <section aria-labelledby="create-heading">
        <h2 id="create-heading">Create a token</h2>
        <HtmxForm action="/settings/tokens" class="auth-form" target="#tokens" errors={errors} novalidate>
          <Field
            name="name"
            type="text"
            label="Name"
            hint="What uses it, e.g. “CI” or “my phone”."
            errors={errors}
            value={p.values?.name ?? ''}
            maxlength={60}
            required
          />
          <fieldset id="scopes" aria-describedby={errors.scopes ? 'scopes-error' : undefined}>
            <legend>Scopes</legend>
            {API_SCOPES.map((s) => (
              <label class="check">
                <input type="checkbox" name="scopes" value={s} checked={chosen.has(s)} /> {p.scopeText[s]}
              </label>
            ))}
            <FieldError name="scopes" errors={errors} />
          </fieldset>
          <button type="submit">Create token</button>
        </HtmxForm>
      </section>
      <section aria-labelledby="list-heading">
        <h2 id="list-heading">Your tokens</h2>
        {p.tokens.length === 0 ? (
          <p>No tokens yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="history">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="visually-hidden">Revoke</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.tokens.map((t) => (
                  <tr>
                    <td>{t.name}</td>
                    <td>{t.scopes.split(' ').join(', ')}</td>
                    <td>
                      <When iso={t.created_at} />
                    </td>
                    <td>{t.last_used_at ? <When iso={t.last_used_at} /> : 'Never'}</td>
                    <td>
                      <form
                        method="post"
                        action={`/settings/tokens/${t.id}/revoke`}
                        data-hx-post={`/settings/tokens/${t.id}/revoke`}
                        data-hx-target="#tokens"
                        data-hx-swap="outerHTML"
                        data-hx-sync="this:drop"
                      >
                        <FormToken />
                        <button type="submit" aria-label={`Revoke ${t.name}`}>
                          Revoke
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
