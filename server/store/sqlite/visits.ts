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
  const saltFor = db.prepare<[string], string>('SELECT salt FROM visitor_salts WHERE day = ?').pluck();
  const insertSalt = db.prepare('INSERT OR IGNORE INTO visitor_salts (day, salt) VALUES (?, ?)');
  const dropOldSalts = db.prepare('DELETE FROM visitor_salts WHERE day < ?');
  // Today's salt is read on every visit; keep it in memory until the day changes.
  let cached: { day: string; salt: string } | undefined;

  return {
    insert(visit: NewVisit): void {
      insert.run(visit);
    },
    /**
     * Today's salt, created on first use; older salts are deleted so old keys can't be re-derived.
     * Call outside a transaction: the result is cached for the day.
     */
    saltForDay(day: string): string {
      if (cached?.day === day) return cached.salt;
      let salt = saltFor.get(day);
      if (!salt) {
        insertSalt.run(day, randomBytes(32).toString('hex'));
        dropOldSalts.run(day);
        salt = saltFor.get(day)!;
      }
      cached = { day, salt };
      return salt;
    },
  };
}

export type VisitsRepo = ReturnType<typeof createVisitsRepo>;
