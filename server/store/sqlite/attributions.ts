import type { Db } from '../../db/sqlite/open-database.js';
import type { Attribution, AttributionsRepo, VisitSpan } from '../repositories.js';
import { toAttribution, type AttributionRow } from '../rows.js';

export function createAttributionsRepo(db: Db): AttributionsRepo {
  const insert = db.prepare(`INSERT INTO attributions (subject_id, contest_id, advocate_id, code_source,
      credit_rule, visitor_key, created_at)
    VALUES (@subjectId, @contestId, @advocateId, @codeSource, @creditRule, @visitorKey, @createdAt)`);
  const byId = db.prepare<[string], AttributionRow>('SELECT * FROM attributions WHERE subject_id = ?');
  const span = db.prepare<[string, string, number], { first: number | null; last: number | null; count: number }>(
    `SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS count FROM visits
      INDEXED BY visits_visitor WHERE visitor_key = ? AND entry_id = ? AND created_at <= ?`,
  );
  return {
    async record(attribution: Attribution): Promise<void> {
      insert.run(attribution);
    },
    async get(subjectId: string): Promise<Attribution | undefined> {
      const row = byId.get(subjectId);
      return row && toAttribution(row);
    },
    async visitSpan(advocateId: string, visitorKey: string, until: number): Promise<VisitSpan> {
      return span.get(visitorKey, advocateId, until)!;
    },
  };
}
