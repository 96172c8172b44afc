import type { NewPurchase, PurchasesRepo } from '../repositories.js';
import type { Purchase } from '../types.js';
import { one, type Queryable } from './queryable.js';
import { toPurchase, type PurchaseRow } from '../rows.js';

export function createPurchasesRepo(q: Queryable): PurchasesRepo {
  return {
    async listForContest(contestId: string, after: string, limit: number) {
      const text = 'SELECT * FROM purchases WHERE contest_id = $1 AND id > $2 ORDER BY id LIMIT $3';
      const rows = await q.rows<PurchaseRow & { email: string | null }>({ name: 'rr_purchases_page', text, values: [contestId, after, limit] });
      return rows.map((row) => ({ ...toPurchase(row), email: row.email }));
    },
    async insert(purchase: NewPurchase): Promise<Purchase> {
      await q.write({
        name: 'rr_purchases_insert',
        text: `INSERT INTO purchases (id, contest_id, order_id, email, email_normalized,
            purchaser_entry_id, credited_entry_id, amount_minor, currency, points_awarded, source,
            created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        values: [purchase.id, purchase.contestId, purchase.orderId, purchase.email,
          purchase.emailNormalized, purchase.purchaserEntryId, purchase.creditedEntryId,
          purchase.amountMinor, purchase.currency, purchase.pointsAwarded, purchase.source,
          purchase.createdAt],
      });
      return purchase;
    },
    async findByOrder(contestId: string, orderId: string): Promise<Purchase | undefined> {
      const row = await one<PurchaseRow>(q, {
        name: 'rr_purchases_by_order',
        text: 'SELECT * FROM purchases WHERE contest_id = $1 AND order_id = $2',
        values: [contestId, orderId],
      });
      return row && toPurchase(row);
    },
    /** Purchases made before the person had an entry carry only the email, not the entry id. */
    async erasePurchaserEmail(entry: { id: string; contestId: string }, emailNormalized: string | null): Promise<void> {
      await q.write({
        name: 'rr_purchases_erase_email',
        text: `UPDATE purchases SET email = NULL, email_normalized = NULL
          WHERE purchaser_entry_id = $1 OR (contest_id = $2 AND email_normalized = $3)`,
        values: [entry.id, entry.contestId, emailNormalized],
      });
    },
  };
}
