/**
 * Tables whose freed bytes must be scrubbed once the current transaction commits: an erasure or
 * a visitor-salt rotation leaves the old values in free space (SQLite: the WAL and freed cells;
 * PostgreSQL: dead tuples) until the engine is told to clean up. Repositories ask; the store acts
 * after COMMIT (SQLite: a TRUNCATE checkpoint; PostgreSQL: VACUUM of those tables).
 */
export class ScrubRequests {
  private readonly tables = new Set<string>();

  request(...tables: string[]): void {
    for (const table of tables) this.tables.add(table);
  }

  /** The tables asked for since the last call, and forgets them. */
  take(): string[] {
    const tables = [...this.tables];
    this.tables.clear();
    return tables;
  }
}

/** Every table an erasure may change. */
export const ERASURE_TABLES = ['entries', 'purchases', 'visits', 'points_ledger'];
