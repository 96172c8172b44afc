import type pg from 'pg';
import { migrations as defaultMigrations, type Migration } from './migrations.js';

export class MigrationError extends Error {
  constructor(migration: Migration, cause: unknown) {
    super(
      `PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
    this.name = 'MigrationError';
  }
}

/** The oldest server the schema and queries are written for. */
export const MIN_SERVER_VERSION_NUM = 140000;

/**
 * Key (any fixed bigint) of the session advisory lock held while migrating, so
 * collectors starting together migrate once: the others wait on the lock, then find every
 * migration applied.
 */
const MIGRATION_LOCK_KEY = '7526752111057163700';

/** Migrations can wait for the lock and build indexes: no 5-second query bound here. */
const MIGRATION_QUERY_TIMEOUT_MS = 10 * 60_000;

/**
 * Applies the pending migrations in order, each in its own transaction, on one connection taken
 * from `db` (a pool) or on `db` itself (a client). Throws MigrationError on the first failure,
 * leaving the database at the last good version: start-up must stop there rather than serve a
 * half-migrated schema. Returns how many migrations it applied.
 */
export async function migratePostgres(
  db: pg.Pool | pg.Client,
  migrations: Migration[] = defaultMigrations,
): Promise<number> {
  const isPool = 'totalCount' in db;
  const client = isPool ? await (db as pg.Pool).connect() : (db as pg.Client);
  let broken: Error | undefined;
  // Checked out of a pool, the client has no 'error' listener: a dropped connection must fail
  // the migration (its next query does), not crash the process with an unhandled event.
  const onError = (error: Error) => void (broken ??= error);
  if (isPool) client.on('error', onError);
  try {
    const run = (text: string, values?: unknown[]) =>
      client.query({ text, values, query_timeout: MIGRATION_QUERY_TIMEOUT_MS } as pg.QueryConfig);
    await checkServerVersion(client);
    await run('SET statement_timeout = 0');
    await run('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(run, migrations);
    } finally {
      await run('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((error) => {
        broken = error; // the session's lock ends with the connection, which is then dropped
      });
      await run('RESET statement_timeout').catch((error) => (broken = error));
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    if (isPool) {
      if (!broken) client.off('error', onError);
      (client as pg.PoolClient).release(broken);
    }
  }
}

type Run = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

async function checkServerVersion(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ v: string; version: string }>(
    "SELECT current_setting('server_version_num') AS v, current_setting('server_version') AS version",
  );
  if (Number(rows[0].v) < MIN_SERVER_VERSION_NUM) {
    throw new Error(`refrocket needs PostgreSQL 14 or newer; this server is PostgreSQL ${rows[0].version}`);
  }
}

async function applyPending(run: Run, migrations: Migration[]): Promise<number> {
  await run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`);
  const applied = new Set(
    (await run('SELECT version FROM schema_migrations')).rows.map((row) => Number(row.version)),
  );
  let count = 0;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    try {
      await run('BEGIN');
      await run(migration.sql);
      await run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      await run('COMMIT');
    } catch (error) {
      await run('ROLLBACK').catch(() => undefined);
      throw new MigrationError(migration, error);
    }
    count++;
  }
  return count;
}
