import { randomBytes } from 'node:crypto';
import type { Db } from '../db/open-database.js';

export interface NewVisit {
  contestId: string;
  entryId: string;
  url: string | null;
  referrer: string | null;
  visitorKey: string | null;
  createdAt: number;
}

export function createVisitsRepo(db: Db) {
  const insert = db.prepare(`INSERT INTO visits (contest_id, entry_id, url, referrer, visitor_key,
      created_at) VALUES (@contestId, @entryId, @url, @referrer, @visitorKey, @createdAt)`);
  const countForEntry = db.prepare<[string], number>(
    'SELECT count(*) FROM visits WHERE entry_id = ?',
  ).pluck();
  const saltFor = db.prepare<[string], string>('SELECT salt FROM visitor_salts WHERE day = ?').pluck();
  const insertSalt = db.prepare('INSERT OR IGNORE INTO visitor_salts (day, salt) VALUES (?, ?)');
  const dropOldSalts = db.prepare('DELETE FROM visitor_salts WHERE day < ?');

  return {
    insert(visit: NewVisit): void {
      insert.run(visit);
    },
    countForEntry(entryId: string): number {
      return countForEntry.get(entryId) ?? 0;
    },
    /** Today's salt, created on first use; older salts are deleted so old keys can't be re-derived. */
    saltForDay(day: string): string {
      const existing = saltFor.get(day);
      if (existing) return existing;
      insertSalt.run(day, randomBytes(32).toString('hex'));
      dropOldSalts.run(day);
      return saltFor.get(day)!;
    },
  };
}

export type VisitsRepo = ReturnType<typeof createVisitsRepo>;
