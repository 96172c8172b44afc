import { statSync } from 'node:fs';
import { openDatabase, type OpenDatabaseOptions } from './open-database.js';

/**
 * Online backup through SQLite's backup API: a consistent snapshot even while the server keeps
 * writing (the copy restarts from scratch if a write lands mid-copy, so it never mixes states).
 */
export async function backupDatabase(source: string, destination: string, options: OpenDatabaseOptions = {}) {
  // Read-only: a backup never creates, migrates or otherwise touches its source.
  const db = openDatabase(source, { ...options, readonly: true });
  try {
    const started = Date.now();
    await db.backup(destination);
    return { source, destination, bytes: statSync(destination).size, ms: Date.now() - started };
  } finally {
    db.close();
  }
}
