import { copyFileSync, rmSync } from 'node:fs';
import { openDatabase } from '../../server/db/sqlite/open-database.js';

let copies = 0;

/**
 * Entries with `email` in the database file alone, read from a copy taken without its WAL: what
 * checkpoints have written back so far. A copy taken while a checkpoint writes the file may be
 * torn; that counts as 0, so callers poll until the row is there.
 */
export function entriesInFileAlone(dbPath: string, email: string): number {
  const copy = `${dbPath}.copy-${process.pid}-${copies++}`;
  try {
    copyFileSync(dbPath, copy);
    const db = openDatabase(copy);
    try {
      return db.prepare('SELECT count(*) FROM entries WHERE email = ?').pluck().get(email) as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
  }
}
