import type { Db } from '../../db/sqlite/open-database.js';
import type { ChangeCounter } from '../changes.js';
import type { LedgerRepo, LedgerRow } from '../repositories.js';
import type { LedgerReason } from '../types.js';

/**
 * The append-only points ledger. Inserting a row is the only way points change: a trigger adds
 * the delta to entries.points and to the contest's total in the same statement.
 */
export function createLedgerRepo(db: Db, changes: ChangeCounter): LedgerRepo & { mismatches(): Array<{ id: string; points: number; ledger: number }> } {
  const insert = db.prepare(`INSERT INTO points_ledger
      (entry_id, contest_id, delta, reason, source_id, note, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const forEntry = db.prepare<[string], LedgerRow>(`SELECT id, entry_id AS entryId, delta, reason,
      source_id AS sourceId, note, created_at AS createdAt
    FROM points_ledger WHERE entry_id = ? ORDER BY id`);
  const mismatches = db.prepare<[], { id: string; points: number; ledger: number }>(`
    SELECT e.id, e.points, coalesce(sum(l.delta), 0) AS ledger
    FROM entries e LEFT JOIN points_ledger l ON l.entry_id = e.id
    GROUP BY e.id HAVING e.points <> coalesce(sum(l.delta), 0)`);

  /** Writes one ledger row; zero deltas are not recorded (nothing changed). */
  function award(
    entry: { id: string; contestId: string },
    delta: number,
    reason: LedgerReason,
    sourceId: string | null,
    now: number,
    note: string | null = null,
  ): number {
    if (delta === 0) return 0;
    changes.bump();
    insert.run(entry.id, entry.contestId, delta, reason, sourceId, note, now);
    return delta;
  }

  return {
    award: async (entry, delta, reason, sourceId, now, note) => award(entry, delta, reason, sourceId, now, note),
    // One statement per row here: SQLite has no round trip to save.
    awardAll: async (awards, now) => awards.map((a) => award(a.entry, a.delta, a.reason, a.sourceId, now, a.note ?? null)),
    async forEntry(entryId: string): Promise<LedgerRow[]> {
      return forEntry.all(entryId);
    },
    /** Entries whose points differ from their ledger sum: always empty unless something is broken. */
    mismatches() {
      return mismatches.all();
    },
  };
}
