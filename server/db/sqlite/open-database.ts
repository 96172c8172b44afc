import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * SQLite's `synchronous` setting. NORMAL (default) in WAL mode: a commit survives a crash of the
   * process (kill -9) but the last commits may be lost on power loss or an OS crash. FULL also
   * survives power loss, at the cost of an fsync per commit.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Passed to better-sqlite3; the single executable hands it the addon it unpacked. */
  nativeBinding?: Database.Options['nativeBinding'];
  /** Open an existing file without creating, migrating or changing any setting (backups). */
  readonly?: boolean;
  /** WAL pages before this connection checkpoints by itself (SQLite's default: 1,000). */
  walAutocheckpoint?: number;
}

/** Opens (creating if needed) and migrates a database. `:memory:` gives a private, empty one. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  const db = new Database(path, {
    nativeBinding: options.nativeBinding,
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  }
  db.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed in the pages, not left in free space: an erased
  // email or a deleted visitor salt must not stay readable in the file (see store/scrub.ts).
  db.pragma('secure_delete = ON');
  // A batch re-run isolates each write in a savepoint (see store/write-queue.ts); SQLite keeps a savepoint's undo
  // pages in a temp file unless told otherwise, which on the hot path costs more than the write.
  db.pragma('temp_store = MEMORY');
  // A second writer (backup, CLI while the server runs) waits instead of failing at once.
  db.pragma('busy_timeout = 5000');
  if (options.walAutocheckpoint !== undefined) db.pragma(`wal_autocheckpoint = ${options.walAutocheckpoint}`);
  if (!options.readonly) migrate(db);
  return db;
}
