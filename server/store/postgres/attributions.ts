import type { Attribution, AttributionsRepo, VisitSpan } from '../repositories.js';
import { toAttribution, type AttributionRow } from '../rows.js';
import { one, type Queryable } from './queryable.js';

export function createAttributionsRepo(q: Queryable): AttributionsRepo {
  return {
    async record(a: Attribution): Promise<void> {
      await q.write({
        name: 'rr_attributions_insert',
        text: `INSERT INTO attributions (subject_id, contest_id, advocate_id, code_source, credit_rule,
            visitor_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values: [a.subjectId, a.contestId, a.advocateId, a.codeSource, a.creditRule, a.visitorKey, a.createdAt],
      });
    },
    async get(subjectId: string): Promise<Attribution | undefined> {
      const row = await one<AttributionRow>(q, {
        name: 'rr_attributions_get',
        text: 'SELECT * FROM attributions WHERE subject_id = $1',
        values: [subjectId],
      });
      return row && toAttribution(row);
    },
    async visitSpan(advocateId: string, visitorKey: string, until: number): Promise<VisitSpan> {
      const row = await one<VisitSpan>(q, {
        name: 'rr_attributions_visit_span',
        text: `SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS count FROM visits
          WHERE visitor_key = $1 AND entry_id = $2 AND created_at <= $3`,
        values: [visitorKey, advocateId, until],
      });
      return row ?? { first: null, last: null, count: 0 };
    },
  };
}
