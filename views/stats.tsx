import type { BugStats } from '../worker/db/bugs';

/** The counts block: the shell's stats region and the top of /stats. */
export function StatsBlock({ stats, base = '' }: { stats: BugStats; base?: string }) {
  return (
    <dl class="stats" id="stats-counts">
      <div>
        <dt>Bugs reported</dt>
        <dd>{stats.total}</dd>
      </div>
      <div>
        <dt>Open</dt>
        <dd>
          <a href={`${base}/bugs?status=open`}>{stats.open}</a>
        </dd>
      </div>
      <div>
        <dt>Closed</dt>
        <dd>
          <a href={`${base}/bugs?status=closed`}>{stats.closed}</a>
        </dd>
      </div>
      <div>
        <dt>Domains</dt>
        <dd>{stats.domains}</dd>
      </div>
    </dl>
  );
}

export function StatsPage({ stats }: { stats: BugStats }) {
  return (
    <>
      <h1>Stats</h1>
      <StatsBlock stats={stats} />
    </>
  );
}
