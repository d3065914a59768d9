import { applyD1Migrations, type D1Migration } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

/**
 * Migrations run before the code that needs them (README "Deploying": the deploy workflow applies
 * them, then rolls the new version out while the old one still serves). So each migration must
 * be an expand step: applied to a database full of rows, it loses no row and removes no column
 * the previous schema had. A contract migration (dropping what an earlier release stopped using)
 * says so on a line `-- contract: <why>` and is exempt.
 *
 * Each migration in turn is "the newest": a scratch D1 (MIGRATION_DB, not the tests' DB) gets all
 * migrations before it, one row in every table, then the migration itself.
 */

const db = env.MIGRATION_DB;
const migrations: D1Migration[] = env.TEST_MIGRATIONS;

type Column = { name: string; type: string; notnull: number; dflt_value: unknown; pk: number };
type ForeignKey = { table: string; from: string; to: string | null };
type Table = { name: string; sql: string; columns: Column[]; fks: ForeignKey[]; withoutRowid: boolean };

/** Values for columns whose CHECK the name-based guesses below cannot meet. */
const OVERRIDES: Record<string, Record<string, unknown>> = {
  screenshots: { key: 'k'.repeat(32) },
  email_tokens: { token_hash: 'a'.repeat(64) },
  api_tokens: { token_hash: 'b'.repeat(64), scopes: 'read' },
  // A UTC date, not a timestamp (0010_disclosure.sql).
  bugs: { disclose_at: '2026-01-02' },
  notifications: { kind: 'comment' },
};

const INTERNAL = /^(sqlite_|_cf_|d1_migrations$)/;

async function all<T>(query: string, ...params: unknown[]): Promise<T[]> {
  return (
    await db
      .prepare(query)
      .bind(...params)
      .all<T>()
  ).results;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The user tables, parents before children; FTS tables and their shadow tables are left out. */
async function tables(): Promise<Table[]> {
  const rows = await all<{ name: string; sql: string }>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name",
  );
  const virtual = rows.filter((r) => /^CREATE VIRTUAL TABLE/i.test(r.sql)).map((r) => r.name);
  const real = rows.filter(
    (r) => !INTERNAL.test(r.name) && !virtual.some((v) => r.name === v || r.name.startsWith(`${v}_`)),
  );
  const out: Table[] = [];
  for (const r of real) {
    out.push({
      name: r.name,
      sql: r.sql,
      columns: await all<Column>(`PRAGMA table_info(${quote(r.name)})`),
      fks: await all<ForeignKey>(`PRAGMA foreign_key_list(${quote(r.name)})`),
      withoutRowid: /WITHOUT\s+ROWID\s*$/i.test(r.sql.trim()),
    });
  }
  const sorted: Table[] = [];
  const pending = new Map(out.map((t) => [t.name, t]));
  while (pending.size) {
    const ready = [...pending.values()].filter((t) =>
      t.fks.every((fk) => fk.table === t.name || !pending.has(fk.table)),
    );
    if (!ready.length) throw new Error(`foreign-key cycle among ${[...pending.keys()].join(', ')}`);
    for (const t of ready) {
      sorted.push(t);
      pending.delete(t.name);
    }
  }
  return sorted;
}

/** Drops everything, children first, so the next round starts from an empty database. */
async function reset() {
  for (const { name } of await all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'view') AND name NOT LIKE 'sqlite_%'",
  )) {
    const type = (await all<{ type: string }>('SELECT type FROM sqlite_master WHERE name = ?', name))[0]?.type;
    if (type) await db.prepare(`DROP ${type.toUpperCase()} IF EXISTS ${quote(name)}`).run();
  }
  for (const { name } of await all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
  )) {
    await db.prepare(`DROP TABLE IF EXISTS ${quote(name)}`).run();
  }
  for (const t of (await tables()).reverse()) await db.prepare(`DROP TABLE IF EXISTS ${quote(t.name)}`).run();
  await db.prepare('DROP TABLE IF EXISTS d1_migrations').run();
}

/** A value meeting the column's likely CHECK: an IN list's first member, or a guess from its name. */
function valueFor(table: Table, col: Column): unknown {
  const override = OVERRIDES[table.name]?.[col.name];
  if (override !== undefined) return override;
  const inList = new RegExp(`\\b${col.name}\\s+IN\\s*\\(([^)]*)\\)`, 'i').exec(table.sql);
  if (inList?.[1]) {
    const first = inList[1].split(',')[0]?.trim() ?? '';
    return /^'.*'$/.test(first) ? first.slice(1, -1) : Number(first);
  }
  if (/INT/i.test(col.type)) return 1;
  const name = col.name;
  if (name === 'day') return '2026-01-02';
  if (name === 'period') return '2026-01';
  if (name === 'hour') return '2026-01-02T03';
  if (name.endsWith('_at') || name === 'expires') return '2026-01-02T03:04:05.000Z';
  if (name === 'url') return 'https://example.com/page';
  if (name === 'hostname' || name === 'host') return 'example.com';
  if (name.includes('email') || name === 'to' || name === 'to_address') return 'fill@example.com';
  if (name === 'username') return 'filluser';
  return `fill ${table.name}.${name}`;
}

/** One row in every table, each foreign key pointing at the row of its parent. */
async function fill(list: Table[]) {
  const inserted = new Map<string, Record<string, unknown>>();
  for (const t of list) {
    const values: Record<string, unknown> = {};
    for (const col of t.columns) {
      const fk = t.fks.find((f) => f.from === col.name);
      if (fk) {
        const parent = inserted.get(fk.table);
        values[col.name] = parent?.[fk.to ?? 'id'] ?? parent?.rowid ?? null;
      } else if (col.pk && /INT/i.test(col.type) && !t.withoutRowid && t.columns.filter((c) => c.pk).length === 1) {
        // INTEGER PRIMARY KEY: the rowid, chosen by SQLite.
      } else {
        values[col.name] = valueFor(t, col);
      }
    }
    const names = Object.keys(values);
    const statement = names.length
      ? `INSERT INTO ${quote(t.name)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`
      : `INSERT INTO ${quote(t.name)} DEFAULT VALUES`;
    try {
      await db
        .prepare(statement)
        .bind(...names.map((n) => values[n]))
        .run();
    } catch (err) {
      // A table a migration seeded (site_totals' one row, migration 0012) is filled already.
      const seeded =
        /UNIQUE constraint failed/.test(String(err)) && (await all(`SELECT 1 FROM ${quote(t.name)}`)).length;
      if (!seeded)
        throw new Error(
          `could not fill ${t.name} (${err}); add its column values to OVERRIDES in tests/migrations.test.ts`,
        );
    }
    const row = (
      await all<Record<string, unknown>>(`SELECT *${t.withoutRowid ? '' : ', rowid'} FROM ${quote(t.name)} LIMIT 1`)
    )[0];
    inserted.set(t.name, row ?? {});
  }
}

/** Every table's columns and the keys of its rows, to compare before and after a migration. */
async function snapshot(list: Table[]) {
  const out: Record<string, { columns: string[]; keys: string[] }> = {};
  for (const t of list) {
    const pk = t.columns.filter((c) => c.pk).map((c) => quote(c.name));
    const key = t.withoutRowid ? pk.join(" || '|' || ") : 'rowid';
    const rows = await all<{ k: unknown }>(`SELECT ${key} AS k FROM ${quote(t.name)} ORDER BY 1`);
    out[t.name] = { columns: t.columns.map((c) => c.name), keys: rows.map((r) => String(r.k)) };
  }
  return out;
}

const isContract = (m: D1Migration) => /^\s*--\s*contract:/im.test(env.TEST_MIGRATION_SOURCES[m.name] ?? '');

describe('every migration is safe to apply before the code that needs it', () => {
  it('has migrations to check and a scratch database that is not the tests’ DB', () => {
    expect(migrations.length).toBeGreaterThan(1);
    expect(db).not.toBe(env.DB);
    expect(Object.keys(env.TEST_MIGRATION_SOURCES).sort()).toEqual(migrations.map((m) => m.name).sort());
  });

  for (const [i, migration] of migrations.entries()) {
    if (i === 0) continue;
    it(`${migration.name}: keeps every row and every column of the schema before it`, async () => {
      await reset();
      await applyD1Migrations(db, migrations.slice(0, i));
      const before = await tables();
      await fill(before);
      const was = await snapshot(before);
      for (const t of before) expect(was[t.name]?.keys.length, `${t.name} was filled`).toBeGreaterThan(0);

      await applyD1Migrations(db, migrations.slice(0, i + 1));
      if (isContract(migration)) return;
      const now = await snapshot(await tables());
      for (const t of before) {
        const after = now[t.name];
        expect(after, `${migration.name} dropped table ${t.name}`).toBeDefined();
        for (const c of was[t.name]?.columns ?? []) {
          expect(after?.columns, `${migration.name} dropped column ${t.name}.${c}`).toContain(c);
        }
        expect(after?.keys, `${migration.name} lost rows of ${t.name}`).toEqual(
          expect.arrayContaining(was[t.name]?.keys ?? []),
        );
      }
    });
  }
});
