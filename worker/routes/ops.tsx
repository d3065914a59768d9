import { Hono } from 'hono';
import { sql } from 'kysely';
import { MetricsPage } from '../../views/metrics';
import { pingDb } from '../db';
import { metricsOverview } from '../db/metrics';
import { LATEST_MIGRATION } from '../db/migrations';
import * as api from '../lib/api-schemas';
import { fail } from '../lib/errors';
import { operation } from '../lib/openapi';
import { respond } from '../lib/respond';
import type { AppEnv } from '../types';

/** Health checks for the deploy workflow and metrics for admins (README "Where to look when something breaks"). */
const ops = new Hono<AppEnv>();

type Check = { ok: boolean; [detail: string]: unknown };

/** Unsent mail older than this fails the deep health check. */
export const BACKLOG_MINUTES = 30;

/**
 * What the rollout waits on: D1 answers, the migrations this code needs are applied, mail is not
 * stuck in the outbox (the local Queue reports no backlog, so the outbox table is asked). Always JSON,
 * never cached; 503 when any check fails. Names what it checked, never an error's text.
 */
ops.get(
  '/api/health/deep',
  operation({
    summary: 'Deep health: D1, migrations, mail backlog (503 when a check fails)',
    tags: ['ops'],
    tokens: false,
    responses: { 200: api.DeepHealthResponse, 503: api.DeepHealthResponse },
  }),
  async (c) => {
    const db = c.var.db;
    const checks: Record<string, Check> = {};
    const started = Date.now();
    try {
      await pingDb(db);
      checks.d1 = { ok: true, ms: Date.now() - started };
    } catch {
      checks.d1 = { ok: false, ms: Date.now() - started };
    }
    if (checks.d1.ok) {
      try {
        const { rows } = await sql<{
          name: string;
        }>`SELECT name FROM d1_migrations WHERE name = ${LATEST_MIGRATION}`.execute(db);
        checks.migrations = { ok: rows.length === 1, needs: LATEST_MIGRATION };
      } catch {
        checks.migrations = { ok: false, needs: LATEST_MIGRATION };
      }
    }
    if (checks.migrations?.ok) {
      // Mail waiting to go: the queue delivers within seconds and the cron sweep re-queues what
      // waited 10 minutes, so anything older than BACKLOG_MINUTES means mail is stuck.
      const { rows } = await sql<{ n: number; oldest: string | null }>`
      SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE status IN ('pending', 'failed')`.execute(db);
      const pending = rows[0]?.n ?? 0;
      const oldest = rows[0]?.oldest ?? null;
      const minutes = oldest ? Math.floor((Date.now() - Date.parse(oldest)) / 60_000) : 0;
      checks.outbox = { ok: minutes < BACKLOG_MINUTES, pending, oldest_minutes: minutes };
    }
    const ok = Object.values(checks).every((ch) => ch.ok) && 'migrations' in checks;
    c.header('Cache-Control', 'no-store');
    return c.json({ status: ok ? 'ok' : 'fail', checks }, ok ? 200 : 503);
  },
);

/** The last 24 hours of requests, errors, latency, D1 cost, cache hits and events, for admins. */
ops.get(
  '/admin/metrics',
  operation({
    summary: 'The last 24 hours of metrics (admins)',
    tokens: false,
    tags: ['browser'],
    responses: { 200: api.MetricsResponse },
  }),
  async (c) => {
    const user = c.var.user;
    if (!user) fail(401, 'Log in to do that.');
    if (user.role !== 'admin') fail(403, 'Only admins can see the metrics.');
    const overview = await metricsOverview(c.var.db);
    c.header('Cache-Control', 'private, no-store');
    return respond(c, {
      title: 'Metrics',
      page: () => <MetricsPage overview={overview} />,
      json: () => overview,
    });
  },
);

export default ops;
