import type { Child } from 'hono/jsx';
import type { SessionUser } from '../worker/types';
import { ASSET_VERSIONS } from './asset-versions';
import { FormToken } from './components/form';

/** An Atom feed of the page's list, announced in its head (`<link rel="alternate">`). */
export interface FeedLink {
  href: string;
  title: string;
}

export interface LayoutProps {
  title: string;
  user?: SessionUser | null | undefined;
  description?: string | undefined;
  feed?: FeedLink | undefined;
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
      <span class="muted">({user.points} pts)</span> · <NotificationsLink unread={user.unread ?? 0} /> ·{' '}
      <a href="/settings">Settings</a> ·{' '}
      {user.role === 'admin' ? (
        <>
          <a href="/admin/flags">Flagged reports</a> · <a href="/admin/metrics">Metrics</a> ·{' '}
        </>
      ) : null}
      <form method="post" action="/api/auth/logout" class="inline">
        <FormToken />
        <button type="submit" class="link">
          Log out
        </button>
      </form>
    </div>
  );
}

/** "Notifications", with the unread count when there is one (issue 13). */
function NotificationsLink({ unread }: { unread: number }) {
  return (
    <a href="/notifications" id="notifications-link">
      Notifications
      {unread > 0 ? (
        <>
          {' '}
          <span class="count">{unread >= 100 ? '99+' : unread}</span>
          <span class="visually-hidden"> unread</span>
        </>
      ) : null}
    </a>
  );
}

/**
 * The account corner of the static shell (public/*.html, which `npm run assets` writes): a
 * neutral link that htmx swaps for the real UserSlot from /api/auth/me once the page loads.
 */
export function StaticUserSlot() {
  return (
    <div class="user-slot" id="user-slot" data-hx-get="/api/auth/me" data-hx-trigger="load" data-hx-swap="outerHTML">
      <a href="/account">Account</a>
    </div>
  );
}

/** The main navigation, in order: one list so every page (and the static shell) agrees. */
const NAV = [
  ['/bugs', 'Bugs'],
  ['/bugs/new', 'Report a bug'],
  ['/leaderboard', 'Leaderboard'],
  ['/about', 'About'],
] as const;

export interface SiteHeaderProps {
  user?: SessionUser | null | undefined;
  /** The static shell's header: StaticUserSlot instead of the signed-in user's corner. */
  staticShell?: boolean;
  /** The nav link marked aria-current="page" (the static pages mark theirs). */
  current?: string | undefined;
}

/** One header for Worker pages and the static shell, so they are one site. */
export function SiteHeader({ user, staticShell, current }: SiteHeaderProps) {
  return (
    <header class="site-header">
      <a class="brand" href="/">
        BLT<span>-Next</span>
      </a>
      <nav aria-label="Main">
        <ul>
          {NAV.map(([href, label]) => (
            <li>
              <a href={href} aria-current={href === current ? 'page' : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {staticShell ? <StaticUserSlot /> : <UserSlot user={user} />}
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

/** The description of Worker pages that do not set their own. */
const DEFAULT_DESCRIPTION = 'Report bugs you find on any website and climb the leaderboard.';

/** The `<head>` every page shares; `title` is the whole document title. */
export function DocumentHead({
  title,
  description,
  feed,
}: {
  title: string;
  description: string;
  feed?: FeedLink | undefined;
}) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title}</title>
      <meta name="description" content={description} />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <meta name="color-scheme" content="light dark" />
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href={`/assets/app.css?v=${ASSET_VERSIONS.css}`} />
      {feed ? <link rel="alternate" type="application/atom+xml" href={feed.href} title={feed.title} /> : null}
      <script src={`/assets/htmx.min.js?v=${ASSET_VERSIONS.htmx}`} defer></script>
    </head>
  );
}

export interface DocumentProps {
  title: string;
  description: string;
  feed?: FeedLink | undefined;
  header: Child;
  children?: Child;
}

/** The page chrome around a `<main>`: shared by Layout and the static shell (views/static-pages.tsx). */
export function Document({ title, description, feed, header, children }: DocumentProps) {
  return (
    <html lang="en">
      <DocumentHead title={title} description={description} feed={feed} />
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        {header}
        <main id="main" tabindex={-1}>
          {children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}

/** The full document around every Worker page. */
export function Layout({ title, user, description, feed, children }: LayoutProps) {
  return (
    <Document
      title={documentTitle(title)}
      description={description ?? DEFAULT_DESCRIPTION}
      feed={feed}
      header={<SiteHeader user={user} />}
    >
      {children}
    </Document>
  );
}
