import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/sqlite/open-database.js';
import type { NewVisit, VisitsRepo } from '../repositories.js';
import type { ScrubRequests } from '../scrub.js';

export function createVisitsRepo(db: Db, scrubs: ScrubRequests): VisitsRepo & { forgetCached(): void } {
  const insert = db.prepare(`INSERT INTO visits (contest_id, entry_id, url, referrer, visitor_key,
      created_at) VALUES (@contestId, @entryId, @url, @referrer, @visitorKey, @createdAt)`);
  const saltFor = db.prepare<[string], string>('SELECT salt FROM visitor_salts WHERE day = ?').pluck();
  const insertSalt = db.prepare('INSERT OR IGNORE INTO visitor_salts (day, salt) VALUES (?, ?)');
  const dropOldSalts = db.prepare('DELETE FROM visitor_salts WHERE day < ?');
  // Today's salt is read on every visit; keep it in memory until the day changes (or a batch
  // that may have created it rolls back: forgetCached).
  let cached: { day: string; salt: string } | undefined;

  return {
    async insert(visit: NewVisit): Promise<void> {
      insert.run(visit);
    },
    async saltForDay(day: string): Promise<string> {
      if (cached?.day === day) return cached.salt;
      let salt = saltFor.get(day);
      if (!salt) {
        insertSalt.run(day, randomBytes(32).toString('hex'));
        // The old salts' bytes must not linger in the WAL or free space (see ScrubRequests).
        if (dropOldSalts.run(day).changes > 0) scrubs.request('visitor_salts');
        salt = saltFor.get(day)!;
      }
      cached = { day, salt };
      return salt;
    },
    forgetCached(): void {
      cached = undefined;
    },
  };
}
