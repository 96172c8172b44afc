import type { ChangeCounter } from '../changes.js';
import type { LedgerRepo, LedgerRow } from '../repositories.js';
import type { LedgerReason } from '../types.js';
import type { Queryable } from './queryable.js';

/**
 * The append-only points ledger. Inserting a row is the only way points change: a trigger adds
 * the delta to entries.points and to the contest's total in the same statement.
 */
export function createLedgerRepo(q: Queryable, changes: ChangeCounter): LedgerRepo {
  return {
    async award(
      entry: { id: string; contestId: string },
      delta: number,
      reason: LedgerReason,
      sourceId: string | null,
      now: number,
      note: string | null = null,
    ): Promise<number> {
      if (delta === 0) return 0;
      changes.bump();
      await q.write({
        name: 'rr_ledger_insert',
        text: `INSERT INTO points_ledger (entry_id, contest_id, delta, reason, source_id, note, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values: [entry.id, entry.contestId, delta, reason, sourceId, note, now],
      });
      return delta;
    },
    async awardAll(awards, now) {
      const rows = awards.filter((a) => a.delta !== 0);
      if (rows.length === 0) return awards.map(() => 0);
      changes.bump();
      // One statement (and round trip) for all rows; prepared once per row count.
      const values = rows.flatMap((a) => [a.entry.id, a.entry.contestId, a.delta, a.reason, a.sourceId, a.note ?? null, now]);
      const tuples = rows.map((_, r) => `(${Array.from({ length: 7 }, (_, c) => `$${r * 7 + c + 1}`).join(', ')})`);
      await q.write({
        name: `rr_ledger_insert_${rows.length}`,
        text: `INSERT INTO points_ledger (entry_id, contest_id, delta, reason, source_id, note, created_at)
          VALUES ${tuples.join(', ')}`,
        values,
      });
      return awards.map((a) => a.delta);
    },
    forEntry(entryId: string): Promise<LedgerRow[]> {
      return q.rows<LedgerRow>({
        name: 'rr_ledger_for_entry',
        text: `SELECT id, entry_id AS "entryId", delta, reason, source_id AS "sourceId", note,
            created_at AS "createdAt"
          FROM points_ledger WHERE entry_id = $1 ORDER BY id`,
        values: [entryId],
      });
    },
  };
}
