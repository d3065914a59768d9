import type { Child } from 'hono/jsx';
import type { SessionUser } from '../worker/types';
import { ASSET_VERSIONS } from './asset-versions';
import { FormToken } from './components/form';

export interface LayoutProps {
  title: string;
  user?: SessionUser | null | undefined;
  description?: string | undefined;
  children?: Child;
}

/**
 * htmx 4 settings: no injected indicator styles (our CSP forbids inline styles, app.css has
 * them). htmx 4 has no `allowEval` switch; the CSP's lack of 'unsafe-eval' is what stops it.
 */
export const HTMX_CONFIG = JSON.stringify({ includeIndicatorCSS: false });

/** The account corner of the header; also served alone by /api/auth/me for the static shell. */
export function UserSlot({ user }: { user?: SessionUser | null | undefined }) {
  if (!user) {
    return (
      <p class="user-slot" id="user-slot">
        <a href="/login">Log in</a> · <a href="/signup">Sign up</a>
      </p>
    );
  }
  return (
    <div class="user-slot" id="user-slot">
      <a href={`/users/${encodeURIComponent(user.username)}`}>{user.username}</a>{' '}
      <span class="muted">({user.points} pts)</span> ·{' '}
      <form method="post" action="/api/auth/logout" class="inline">
        <FormToken />
        <button type="submit" class="link">
          Log out
        </button>
      </form>
    </div>
  );
}

/** Same markup as public/index.html's header, so the shell and Worker pages are one site. */
export function SiteHeader({ user }: { user?: SessionUser | null | undefined }) {
  return (
    <header class="site-header">
      <a class="brand" href="/">
        BLT<span>-Next</span>
      </a>
      <nav aria-label="Main">
        <ul>
          <li>
            <a href="/bugs">Bugs</a>
          </li>
          <li>
            <a href="/bugs/new">Report a bug</a>
          </li>
          <li>
            <a href="/leaderboard">Leaderboard</a>
          </li>
          <li>
            <a href="/about">About</a>
          </li>
        </ul>
      </nav>
      <UserSlot user={user} />
    </header>
  );
}

export function SiteFooter() {
  return (
    <footer class="site-footer">
      <p>
        BLT-Next — an <a href="https://owasp.org/www-project-bug-logging-tool/">OWASP</a> Bug Logging Tool.{' '}
        <a href="/stats">Stats</a> · <a href="/about">About</a>
      </p>
    </footer>
  );
}

/** "Bugs · BLT-Next": one spelling for the document title, in pages and in htmx navigations. */
export function documentTitle(title: string): string {
  return `${title} · BLT-Next`;
}

/**
 * The `<title>` an htmx fragment carries when it stands for a new URL (one it pushes): htmx 4
 * takes it out of the fragment and sets `document.title`, so the tab and history say where
 * the user is. Only navigations carry one; parts of a page must not rename it.
 */
export function FragmentTitle({ title }: { title: string }) {
  return <title>{documentTitle(title)}</title>;
}

/** The full document around every Worker page. */
export function Layout({ title, user, description, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{documentTitle(title)}</title>
        <meta
          name="description"
          content={description ?? 'Report bugs you find on any website and climb the leaderboard.'}
        />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <meta name="color-scheme" content="light dark" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={`/assets/app.css?v=${ASSET_VERSIONS.css}`} />
        <script src={`/assets/htmx.min.js?v=${ASSET_VERSIONS.htmx}`} defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <SiteHeader user={user} />
        <main id="main" tabindex={-1}>
          {children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}
