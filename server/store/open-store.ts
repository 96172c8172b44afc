import { ApiError } from '../domain/errors.js';
import { backupDatabase } from '../db/sqlite/backup.js';
import type { Store } from './repositories.js';
import { createPostgresStore, PG_BACKUP_HINT } from './postgres/postgres-store.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

/**
 * What opening a store may be told: the embedded engine's settings (durability, a write thread,
 * the addon the single executable unpacked); PostgreSQL takes its settings from the URL.
 */
export type StoreOptions = SqliteStoreOptions;

/** A private, empty store in memory: what buildApp uses when given none (tests). */
export const createMemoryStore = (): Store => createSqliteStore(':memory:');

/** A `postgres://` or `postgresql://` URL selects PostgreSQL; anything else is a SQLite file path. */
export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

/**
 * Opens (creating and migrating as needed) the store `target` names: a SQLite file (or
 * `:memory:`) by default, PostgreSQL for a URL. The SQLite options but `now` are ignored on PostgreSQL.
 */
export async function openStore(target: string, options: StoreOptions = {}): Promise<Store> {
  return isPostgresUrl(target) ? createPostgresStore(target, { now: options.now }) : createSqliteStore(target, options);
}

/**
 * `refrocket backup`: a consistent online copy of a SQLite file through SQLite's backup API.
 * Refused for PostgreSQL before connecting: its own tools (pg_dump, base backups) do it properly.
 */
export async function backupStore(target: string, destination: string, options: StoreOptions = {}) {
  if (isPostgresUrl(target)) throw new ApiError(400, PG_BACKUP_HINT);
  return backupDatabase(target, destination, options);
}
