import type { Db } from '../../db/sqlite/open-database.js';
import type { ErasedTraces, ErasureRepo, PersonTraces } from '../repositories.js';
import { ERASURE_TABLES, type ScrubRequests } from '../scrub.js';

/**
 * Erasure beyond the entries table. Lists travel as JSON arrays (json_each), so each statement is
 * prepared once whatever their length. Visits, notes and reasons are matched by substring, which
 * scans those tables: erasures are rare, and no index finds an email inside a URL.
 */
export function createErasureRepo(db: Db, scrubs: ScrubRequests): ErasureRepo {
  const inScope = '(@contestId IS NULL OR contest_id = @contestId)';
  const contains = (column: string, needles: string) =>
    `EXISTS (SELECT 1 FROM json_each(${needles}) WHERE instr(lower(${column}), value) > 0)`;
  const purchaseEmails = db.prepare<[string], string>(`SELECT DISTINCT email_normalized FROM purchases
    WHERE purchaser_entry_id IN (SELECT value FROM json_each(?)) AND email_normalized IS NOT NULL`).pluck();
  const purchases = db.prepare(`UPDATE purchases SET email = NULL, email_normalized = NULL
    WHERE ${inScope} AND (email IS NOT NULL OR email_normalized IS NOT NULL)
      AND (purchaser_entry_id IN (SELECT value FROM json_each(@entryIds))
        OR email_normalized IN (SELECT value FROM json_each(@emails)))`);
  const visits = db.prepare(`UPDATE visits SET
      url = CASE WHEN ${contains('url', '@urlNeedles')} THEN NULL ELSE url END,
      referrer = CASE WHEN ${contains('referrer', '@urlNeedles')} THEN NULL ELSE referrer END
    WHERE ${inScope} AND (${contains('url', '@urlNeedles')} OR ${contains('referrer', '@urlNeedles')})`);
  const notes = db.prepare(`UPDATE points_ledger SET note = NULL
    WHERE ${inScope} AND note IS NOT NULL
      AND (entry_id IN (SELECT value FROM json_each(@entryIds)) OR ${contains('note', '@textNeedles')})`);
  const reasons = db.prepare(`UPDATE entries SET disqualified_reason = NULL
    WHERE ${inScope} AND disqualified_reason IS NOT NULL
      AND (id IN (SELECT value FROM json_each(@entryIds)) OR ${contains('disqualified_reason', '@textNeedles')})`);

  return {
    async purchaseEmailsOf(entryIds: string[]): Promise<string[]> {
      return purchaseEmails.all(JSON.stringify(entryIds));
    },
    async eraseTraces(person: PersonTraces): Promise<ErasedTraces> {
      const params = {
        contestId: person.contestId,
        entryIds: JSON.stringify(person.entryIds),
        emails: JSON.stringify(person.emails),
        urlNeedles: JSON.stringify(person.urlNeedles),
        textNeedles: JSON.stringify(person.textNeedles),
      };
      scrubs.request(...ERASURE_TABLES);
      return {
        purchases: purchases.run(params).changes,
        visits: visits.run(params).changes,
        ledgerNotes: notes.run(params).changes,
        disqualificationReasons: reasons.run(params).changes,
      };
    },
  };
}
