import type { ChangeCounter } from '../changes.js';
import type { EntriesRepo, EntryPatch, NewEntry } from '../repositories.js';
import type { Entry } from '../types.js';
import type { ReadCaches } from './caches.js';
import { one, type Queryable } from './queryable.js';
import { ENTRY_COLUMNS, insertedEntry, toEntry, type EntryRow } from '../rows.js';

/** `%` and `_` in a search term are literal characters, not wildcards. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const INSERT = `INSERT INTO entries (id, contest_id, email, email_normalized, name, phone,
    referral_code, referred_by, email_confirmed, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT DO NOTHING`;
const UPDATE = `UPDATE entries SET email = $2, email_normalized = $3, name = $4, phone = $5,
    email_confirmed = $6
  WHERE id = $1`;
// ILIKE on COLLATE "C" columns folds ASCII letters only, as SQLite's LIKE does.
const SEARCH = `contest_id = $1 AND (email ILIKE $2 ESCAPE '\\' OR name ILIKE $2 ESCAPE '\\')`;

export function createEntriesRepo(q: Queryable, changes: ChangeCounter, caches: ReadCaches): EntriesRepo {
  const select = async (name: string, where: string, values: unknown[]) => {
    const row = await one<EntryRow>(q, { name, text: `SELECT ${ENTRY_COLUMNS} FROM entries WHERE ${where}`, values });
    return row && toEntry(row);
  };

  return {
    async insert(entry: NewEntry): Promise<Entry | undefined> {
      const values = [entry.id, entry.contestId, entry.email, entry.emailNormalized, entry.name,
        entry.phone, entry.referralCode, entry.referredBy, entry.emailConfirmed ? 1 : 0, entry.createdAt];
      if ((await q.write({ name: 'rr_entries_insert', text: INSERT, values })) === 0) return undefined;
      changes.bump();
      return insertedEntry(entry);
    },
    get: (id) => select('rr_entries_by_id', 'id = $1', [id]),
    findByEmail: (contestId, emailNormalized) =>
      select('rr_entries_by_email', 'contest_id = $1 AND email_normalized = $2', [contestId, emailNormalized]),
    findByPhone: (contestId, phone) =>
      select('rr_entries_by_phone', 'contest_id = $1 AND phone = $2', [contestId, phone]),
    findByCode: (contestId, code) =>
      select('rr_entries_by_code', 'contest_id = $1 AND referral_code = $2', [contestId, code]),
    async findByCodeAndEmail(contestId: string, code: string | null, emailNormalized: string | null) {
      const rows = await q.rows<EntryRow & { email_normalized: string | null }>({
        name: 'rr_entries_by_code_or_email',
        text: `SELECT ${ENTRY_COLUMNS}, email_normalized FROM entries
          WHERE contest_id = $1 AND (referral_code = $2 OR email_normalized = $3)`,
        values: [contestId, code, emailNormalized],
      });
      const byCode = rows.find((r) => code !== null && r.referral_code === code);
      const byEmail = rows.find((r) => emailNormalized !== null && r.email_normalized === emailNormalized);
      return { byCode: byCode && toEntry(byCode), byEmail: byEmail && toEntry(byEmail) };
    },
    async findIdByCode(contestId: string, code: string): Promise<string | undefined> {
      const key = `${contestId}\0${code}`;
      const hit = caches.idByCode.get(key);
      if (hit !== undefined) return hit;
      const text = 'SELECT id FROM entries WHERE contest_id = $1 AND referral_code = $2';
      const row = await one<{ id: string }>(q, { name: 'rr_entries_id_by_code', text, values: [contestId, code] });
      if (row) caches.idByCode.set(key, row.id);
      return row?.id;
    },
    async update(entry: Entry, patch: EntryPatch, emailNormalized: string | null): Promise<void> {
      changes.bump();
      const values = [
        entry.id,
        patch.email !== undefined ? patch.email : entry.email,
        patch.email !== undefined ? patch.emailNormalized ?? null : emailNormalized,
        patch.name !== undefined ? patch.name : entry.name,
        patch.phone !== undefined ? patch.phone : entry.phone,
        (patch.emailConfirmed ?? entry.emailConfirmed) ? 1 : 0,
      ];
      await q.write({ name: 'rr_entries_update', text: UPDATE, values });
    },
    async disqualify(id: string, reason: string | null): Promise<void> {
      changes.bump();
      const text = 'UPDATE entries SET disqualified = 1, disqualified_reason = $2 WHERE id = $1';
      await q.write({ name: 'rr_entries_disqualify', text, values: [id, reason] });
    },
    async setReferrer(id: string, referredBy: string): Promise<void> {
      changes.bump();
      const text = 'UPDATE entries SET referred_by = $2 WHERE id = $1 AND referred_by IS NULL';
      await q.write({ name: 'rr_entries_set_referrer', text, values: [id, referredBy] });
    },
    async requalify(id: string): Promise<void> {
      changes.bump();
      const text = 'UPDATE entries SET disqualified = 0, disqualified_reason = NULL WHERE id = $1';
      await q.write({ name: 'rr_entries_requalify', text, values: [id] });
    },
    async erase(id: string, now: number): Promise<void> {
      changes.bump();
      const text = `UPDATE entries SET email = NULL, email_normalized = NULL, name = NULL,
        phone = NULL, erased_at = $2 WHERE id = $1`;
      await q.write({ name: 'rr_entries_erase', text, values: [id, now] });
    },
    async list(contestId, { limit, offset, search }) {
      const where = search ? SEARCH : 'contest_id = $1';
      const filter = search ? [contestId, likePattern(search)] : [contestId];
      const suffix = search ? 'search' : 'all';
      const n = filter.length;
      const rows = await q.rows<EntryRow>({
        name: `rr_entries_page_${suffix}`,
        text: `SELECT ${ENTRY_COLUMNS} FROM entries WHERE ${where}
          ORDER BY created_at, id LIMIT $${n + 1} OFFSET $${n + 2}`,
        values: [...filter, limit, offset],
      });
      const total = await one<{ total: number }>(q, {
        name: `rr_entries_count_${suffix}`,
        text: `SELECT count(*) AS total FROM entries WHERE ${where}`,
        values: filter,
      });
      return { rows: rows.map(toEntry), total: total?.total ?? 0 };
    },
    /** Points desc, then earlier joinedAt, then id: ranks 1..n follow this order exactly. */
    async leaderboard(contestId: string, limit: number, confirmedOnly: boolean): Promise<Entry[]> {
      const rows = await q.rows<EntryRow>({
        name: 'rr_entries_ranking',
        text: `SELECT ${ENTRY_COLUMNS} FROM entries
          WHERE contest_id = $1 AND disqualified = 0 AND email_confirmed >= $2
          ORDER BY points DESC, created_at, id LIMIT $3`,
        values: [contestId, confirmedOnly ? 1 : 0, limit],
      });
      return rows.map(toEntry);
    },
    async rankOf(entry: Entry, confirmedOnly: boolean): Promise<number | undefined> {
      if (entry.disqualified || (confirmedOnly && !entry.emailConfirmed)) return undefined;
      const row = await one<{ ahead: string }>(q, {
        name: 'rr_entries_rank_of',
        text: `SELECT count(*) AS ahead FROM entries
          WHERE contest_id = $1 AND disqualified = 0 AND email_confirmed >= $2
            AND (points > $3 OR (points = $3 AND (created_at < $4 OR (created_at = $4 AND id < $5))))`,
        values: [entry.contestId, confirmedOnly ? 1 : 0, entry.points, entry.createdAt, entry.id],
      });
      return Number(row!.ahead) + 1;
    },
  };
}
