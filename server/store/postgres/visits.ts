import { randomBytes } from 'node:crypto';
import type { NewVisit, VisitsRepo } from '../repositories.js';
import type { ScrubRequests } from '../scrub.js';
import type { ReadCaches } from './caches.js';
import { one, type Queryable } from './queryable.js';

export function createVisitsRepo(q: Queryable, caches: ReadCaches, scrubs: ScrubRequests): VisitsRepo {
  return {
    async insert(visit: NewVisit): Promise<void> {
      await q.write({
        name: 'rr_visits_insert',
        text: `INSERT INTO visits (contest_id, entry_id, url, referrer, visitor_key, created_at)
          VALUES ($1, $2, $3, $4, $5, $6)`,
        values: [visit.contestId, visit.entryId, visit.url, visit.referrer, visit.visitorKey, visit.createdAt],
      });
    },
    /**
     * Today's salt, remembered until the day changes. Collectors starting a new day at once each
     * offer a salt; ON CONFLICT keeps the first committed one, and every collector then reads it.
     */
    async saltForDay(day: string): Promise<string> {
      if (caches.salt?.day === day) return caches.salt.salt;
      await q.write({
        name: 'rr_salts_insert',
        text: 'INSERT INTO visitor_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING',
        values: [day, randomBytes(32).toString('hex')],
      });
      // Older salts go, so old visitor keys cannot be re-derived.
      const dropped = await q.write({ name: 'rr_salts_drop_old', text: 'DELETE FROM visitor_salts WHERE day < $1', values: [day] });
      if (dropped > 0) scrubs.request('visitor_salts');
      const row = await one<{ salt: string }>(q, {
        name: 'rr_salts_get',
        text: 'SELECT salt FROM visitor_salts WHERE day = $1',
        values: [day],
      });
      if (!row) throw new Error(`visitor salt for ${day} missing right after it was stored`);
      caches.salt = { day, salt: row.salt };
      return row.salt;
    },
  };
}
