import type { ErasedTraces, ErasureRepo, PersonTraces } from '../repositories.js';
import { ERASURE_TABLES, type ScrubRequests } from '../scrub.js';
import type { Queryable } from './queryable.js';

/**
 * Erasure beyond the entries table (see the SQLite twin). Visits, notes and reasons are matched
 * by substring, which scans those tables: erasures are rare, and no index finds an email inside
 * a URL. The store VACUUMs the touched tables after COMMIT.
 */
export function createErasureRepo(q: Queryable, scrubs: ScrubRequests): ErasureRepo {
  const inScope = '($1::text IS NULL OR contest_id = $1)';
  const contains = (column: string, needles: string) =>
    `EXISTS (SELECT 1 FROM unnest(${needles}::text[]) AS n WHERE strpos(lower(${column}), n) > 0)`;
  return {
    async purchaseEmailsOf(entryIds: string[]): Promise<string[]> {
      const rows = await q.rows<{ email: string }>({
        name: 'rr_erasure_purchase_emails',
        text: `SELECT DISTINCT email_normalized AS email FROM purchases
          WHERE purchaser_entry_id = ANY($1::text[]) AND email_normalized IS NOT NULL`,
        values: [entryIds],
      });
      return rows.map((row) => row.email);
    },
    async eraseTraces(person: PersonTraces): Promise<ErasedTraces> {
      scrubs.request(...ERASURE_TABLES);
      const purchases = await q.write({
        name: 'rr_erasure_purchases',
        text: `UPDATE purchases SET email = NULL, email_normalized = NULL
          WHERE ${inScope} AND (email IS NOT NULL OR email_normalized IS NOT NULL)
            AND (purchaser_entry_id = ANY($2::text[]) OR email_normalized = ANY($3::text[]))`,
        values: [person.contestId, person.entryIds, person.emails],
      });
      const visits = await q.write({
        name: 'rr_erasure_visits',
        text: `UPDATE visits SET
            url = CASE WHEN ${contains('url', '$2')} THEN NULL ELSE url END,
            referrer = CASE WHEN ${contains('referrer', '$2')} THEN NULL ELSE referrer END
          WHERE ${inScope} AND (${contains('url', '$2')} OR ${contains('referrer', '$2')})`,
        values: [person.contestId, person.urlNeedles],
      });
      const ledgerNotes = await q.write({
        name: 'rr_erasure_notes',
        text: `UPDATE points_ledger SET note = NULL
          WHERE ${inScope} AND note IS NOT NULL AND (entry_id = ANY($2::text[]) OR ${contains('note', '$3')})`,
        values: [person.contestId, person.entryIds, person.textNeedles],
      });
      const disqualificationReasons = await q.write({
        name: 'rr_erasure_reasons',
        text: `UPDATE entries SET disqualified_reason = NULL
          WHERE ${inScope} AND disqualified_reason IS NOT NULL
            AND (id = ANY($2::text[]) OR ${contains('disqualified_reason', '$3')})`,
        values: [person.contestId, person.entryIds, person.textNeedles],
      });
      return { purchases, visits, ledgerNotes, disqualificationReasons };
    },
  };
}
