import type { Db } from '../../db/sqlite/open-database.js';
import type { ChangeCounter } from '../changes.js';
import { ExpiringMap } from '../expiring-map.js';
import type { EntriesRepo, EntryPatch, NewEntry } from '../repositories.js';
import type { Entry } from '../types.js';
import { ENTRY_COLUMNS, insertedEntry, toEntry, type EntryRow } from '../rows.js';

/** `%` and `_` in a search term are literal characters, not wildcards. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A trigram index can only find terms of at least this many characters (the API's minimum). */
export const MIN_SEARCH_LENGTH = 3;
/** Enough trigrams to narrow the candidates; the LIKE re-check makes the answer exact. */
const MAX_SEARCH_TRIGRAMS = 6;

/**
 * The full-text query for a search term: some of its trigrams, each a quoted string, ANDed (the
 * index keeps no positions, so it cannot match a phrase). Non-overlapping trigrams plus the last
 * one cover every character of the term.
 */
export function trigramQuery(term: string): string {
  const chars = [...term];
  const starts = new Set<number>();
  for (let i = 0; i + 3 <= chars.length && starts.size < MAX_SEARCH_TRIGRAMS - 1; i += 3) starts.add(i);
  starts.add(chars.length - 3);
  return [...starts].map((i) => `"${chars.slice(i, i + 3).join('').replaceAll('"', '""')}"`).join(' AND ');
}

export function createEntriesRepo(db: Db, changes: ChangeCounter): EntriesRepo & { forgetCached(): void } {
  const insert = db.prepare(`INSERT INTO entries (id, contest_id, email, email_normalized, name,
      phone, referral_code, referred_by, email_confirmed, created_at)
    VALUES (@id, @contestId, @email, @emailNormalized, @name, @phone, @referralCode, @referredBy,
      @emailConfirmed, @createdAt)
    ON CONFLICT DO NOTHING`);
  const byId = db.prepare<[string], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE id = ?`);
  const byEmail = db.prepare<[string, string], EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE contest_id = ? AND email_normalized = ?`,
  );
  const byPhone = db.prepare<[string, string], EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE contest_id = ? AND phone = ?`,
  );
  const byCode = db.prepare<[string, string], EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE contest_id = ? AND referral_code = ?`,
  );
  const idByCode = db
    .prepare<[string, string], string>('SELECT id FROM entries WHERE contest_id = ? AND referral_code = ?')
    .pluck();
  // A code never changes once given, so code → entry id can be remembered (bounded). Visits, the
  // busiest write, need nothing else. 10,000 codes hold ~1.5 MB; at 50,000 the write thread's heap
  // was ~5 MB bigger at the end of the scale run, where visits spread over 1M codes miss anyway.
  const idByCodeCache = new ExpiringMap<string>(Number.POSITIVE_INFINITY, 10_000);
  const update = db.prepare(`UPDATE entries SET email = @email, email_normalized = @emailNormalized,
      name = @name, phone = @phone, email_confirmed = @emailConfirmed WHERE id = @id`);
  const requalify = db.prepare('UPDATE entries SET disqualified = 0, disqualified_reason = NULL WHERE id = ?');
  const disqualify = db.prepare(
    'UPDATE entries SET disqualified = 1, disqualified_reason = ? WHERE id = ?',
  );
  const setReferrer = db.prepare('UPDATE entries SET referred_by = ? WHERE id = ? AND referred_by IS NULL');
  const erase = db.prepare(`UPDATE entries SET email = NULL, email_normalized = NULL, name = NULL,
      phone = NULL, erased_at = ? WHERE id = ?`);
  // A deep page skips its offset inside the (contest_id, created_at, id) index alone (the
  // subquery is covered by it), then reads only the page's rows.
  const page = db.prepare<[string, number, number], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries
    WHERE rowid IN (SELECT rowid FROM entries INDEXED BY entries_contest_created WHERE contest_id = ?
      ORDER BY created_at, id LIMIT ? OFFSET ?)
    ORDER BY created_at, id`);
  const count = db.prepare<[string], number>('SELECT count(*) FROM entries WHERE contest_id = ?').pluck();
  // Candidates from the trigram index (entries_search, migration 9), re-checked with LIKE.
  // `+contest_id` keeps the planner off the contest's created_at index: walking it and probing the
  // candidate list per entry read all 1M entries (1–2 s); fetching the candidates by rowid takes
  // 1–20 ms.
  const matching = `rowid IN (SELECT rowid FROM entries_search WHERE entries_search MATCH @match)
    AND +contest_id = @contestId AND (email LIKE @pattern ESCAPE '\\' OR name LIKE @pattern ESCAPE '\\')`;
  type SearchParams = { contestId: string; match: string; pattern: string };
  const searchPage = db.prepare<[SearchParams & { limit: number; offset: number }], EntryRow>(`SELECT
      ${ENTRY_COLUMNS} FROM entries WHERE ${matching}
    ORDER BY created_at, id LIMIT @limit OFFSET @offset`);
  const searchCount = db.prepare<[SearchParams], number>(`SELECT count(*) FROM entries
    WHERE ${matching}`).pluck();
  const ranking = db.prepare<[string, number, number], EntryRow>(`SELECT ${ENTRY_COLUMNS}
    FROM entries INDEXED BY entries_ranking
    WHERE contest_id = ? AND disqualified = 0 AND email_confirmed >= ?
    ORDER BY points DESC, created_at, id LIMIT ?`);
  const aheadOf = db.prepare<[string, number, number, number, number, number, string], number>(`SELECT count(*)
    FROM entries INDEXED BY entries_ranking
    WHERE contest_id = ? AND disqualified = 0 AND email_confirmed >= ?
      AND (points > ? OR (points = ? AND (created_at < ? OR (created_at = ? AND id < ?))))`).pluck();

  return {
    async insert(entry: NewEntry): Promise<Entry | undefined> {
      if (insert.run({ ...entry, emailConfirmed: entry.emailConfirmed ? 1 : 0 }).changes === 0) return undefined;
      changes.bump();
      return insertedEntry(entry);
    },
    async get(id: string): Promise<Entry | undefined> {
      const row = byId.get(id);
      return row && toEntry(row);
    },
    async findByEmail(contestId: string, emailNormalized: string): Promise<Entry | undefined> {
      const row = byEmail.get(contestId, emailNormalized);
      return row && toEntry(row);
    },
    async findByPhone(contestId: string, phone: string): Promise<Entry | undefined> {
      const row = byPhone.get(contestId, phone);
      return row && toEntry(row);
    },
    async findByCode(contestId: string, code: string): Promise<Entry | undefined> {
      const row = byCode.get(contestId, code);
      return row && toEntry(row);
    },
    async findByCodeAndEmail(contestId: string, code: string | null, emailNormalized: string | null) {
      const byCodeRow = code === null ? undefined : byCode.get(contestId, code);
      const byEmailRow = emailNormalized === null ? undefined : byEmail.get(contestId, emailNormalized);
      return { byCode: byCodeRow && toEntry(byCodeRow), byEmail: byEmailRow && toEntry(byEmailRow) };
    },
    async findIdByCode(contestId: string, code: string): Promise<string | undefined> {
      const key = `${contestId}\0${code}`;
      let id = idByCodeCache.get(key);
      if (id === undefined) {
        id = idByCode.get(contestId, code);
        if (id === undefined) return undefined;
        idByCodeCache.set(key, id);
      }
      return id;
    },
    /** Drops remembered code → id pairs (after a rolled-back write that may have inserted one). */
    forgetCached(): void {
      idByCodeCache.clear();
    },
    async update(entry: Entry, patch: EntryPatch, emailNormalized: string | null): Promise<void> {
      changes.bump();
      update.run({
        id: entry.id,
        email: patch.email !== undefined ? patch.email : entry.email,
        emailNormalized: patch.email !== undefined ? patch.emailNormalized ?? null : emailNormalized,
        name: patch.name !== undefined ? patch.name : entry.name,
        phone: patch.phone !== undefined ? patch.phone : entry.phone,
        emailConfirmed: (patch.emailConfirmed ?? entry.emailConfirmed) ? 1 : 0,
      });
    },
    async disqualify(id: string, reason: string | null): Promise<void> {
      changes.bump();
      disqualify.run(reason, id);
    },
    async setReferrer(id: string, referredBy: string): Promise<void> {
      changes.bump();
      setReferrer.run(referredBy, id);
    },
    async requalify(id: string): Promise<void> {
      changes.bump();
      requalify.run(id);
    },
    async erase(id: string, now: number): Promise<void> {
      changes.bump();
      erase.run(now, id);
    },
    async list(contestId: string, opts: { limit: number; offset: number; search?: string }) {
      if (opts.search) {
        // Shorter terms are refused at the edge (the index cannot find them without a scan).
        if ([...opts.search].length < MIN_SEARCH_LENGTH) return { rows: [], total: 0 };
        const params = { contestId, match: trigramQuery(opts.search), pattern: likePattern(opts.search) };
        return {
          rows: searchPage.all({ ...params, limit: opts.limit, offset: opts.offset }).map(toEntry),
          total: searchCount.get(params) ?? 0,
        };
      }
      return {
        rows: page.all(contestId, opts.limit, opts.offset).map(toEntry),
        total: count.get(contestId) ?? 0,
      };
    },
    /** Points desc, then earlier joinedAt, then id: ranks 1..n follow this order exactly. */
    async leaderboard(contestId: string, limit: number, confirmedOnly: boolean): Promise<Entry[]> {
      return ranking.all(contestId, confirmedOnly ? 1 : 0, limit).map(toEntry);
    },
    async rankOf(entry: Entry, confirmedOnly: boolean): Promise<number | undefined> {
      if (entry.disqualified || (confirmedOnly && !entry.emailConfirmed)) return undefined;
      const { contestId, points, createdAt, id } = entry;
      return aheadOf.get(contestId, confirmedOnly ? 1 : 0, points, points, createdAt, createdAt, id)! + 1;
    },
  };
}
