import { vi } from 'vitest';
import { DEFAULT_DOH_RESOLVER } from '../worker/lib/outbound';

/** What a fake site answers for a URL: a Response, or a function making one per request. */
export type Answer = Response | (() => Response);

/**
 * Intercepts the outside internet only (a spy on the global fetch, which the Worker's outbound
 * code calls in this same isolate): the DoH resolver answers `addresses[host]` (a public address by
 * default) for the hosts of `sites`, each site URL answers what it is given, and anything else is
 * refused — no test ever reaches the real network. The outbound code itself runs for real.
 * Returns the spy (its calls list what was fetched); restore it with `vi.restoreAllMocks()`.
 */
export function interceptInternet(sites: Record<string, Answer>, addresses: Record<string, string> = {}) {
  const hosts = new Set(Object.keys(sites).map((u) => new URL(u).hostname));
  return vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (url.origin + url.pathname === DEFAULT_DOH_RESOLVER) {
      const name = url.searchParams.get('name') ?? '';
      const type = url.searchParams.get('type');
      if (!hosts.has(name)) return Response.json({ Status: 3 });
      if (type === 'AAAA') return Response.json({ Status: 0, Answer: [] });
      return Response.json({ Status: 0, Answer: [{ name, type: 1, data: addresses[name] ?? '93.184.216.34' }] });
    }
    const answer = sites[url.toString()];
    if (!answer) throw new TypeError(`test: no route to ${url}`);
    return typeof answer === 'function' ? answer() : answer.clone();
  });
}
