import type Database from 'better-sqlite3';
import { migrations as defaultMigrations, type Migration } from './migrations.js';

export class MigrationError extends Error {
  constructor(migration: Migration, cause: unknown) {
    super(
      `migration ${migration.version} (${migration.name}) failed: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
  }
}

/**
 * Applies the pending migrations in order, each in its own transaction. Throws MigrationError on
 * the first failure, leaving the database at the last good version: start-up must stop there
 * rather than serve a half-migrated schema.
 */
export function migrate(db: Database.Database, migrations: Migration[] = defaultMigrations): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  let count = 0;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, new Date().toISOString());
      })();
    } catch (error) {
      throw new MigrationError(migration, error);
    }
    count++;
  }
  return count;
}
