import type { NewPurchase, PurchasesRepo } from '../repositories.js';
import type { Purchase } from '../types.js';
import { one, type Queryable } from './queryable.js';

interface PurchaseRow {
  id: string;
  contest_id: string;
  order_id: string;
  purchaser_entry_id: string | null;
  credited_entry_id: string | null;
  amount_minor: number;
  currency: string;
  points_awarded: number;
  created_at: number;
}

const toPurchase = (row: PurchaseRow): Purchase => ({
  id: row.id,
  contestId: row.contest_id,
  orderId: row.order_id,
  purchaserEntryId: row.purchaser_entry_id,
  creditedEntryId: row.credited_entry_id,
  amountMinor: row.amount_minor,
  currency: row.currency,
  pointsAwarded: row.points_awarded,
  createdAt: row.created_at,
});

export function createPurchasesRepo(q: Queryable): PurchasesRepo {
  return {
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
