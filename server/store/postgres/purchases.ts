import type { NewPurchase, PurchaseRefund, PurchasesRepo, RefundState } from '../repositories.js';
import type { Purchase } from '../types.js';
import { one, type Queryable } from './queryable.js';
import { insertedPurchase, toPurchase, toPurchaseRefund, type PurchaseRefundRow, type PurchaseRow } from '../rows.js';

export function createPurchasesRepo(q: Queryable): PurchasesRepo {
  const onePurchase = async (name: string, text: string, values: unknown[]) => {
    const row = await one<PurchaseRow>(q, { name, text, values });
    return row && toPurchase(row);
  };
  return {
    async listForContest(contestId: string, after: string, limit: number) {
      const text = 'SELECT * FROM purchases WHERE contest_id = $1 AND id > $2 ORDER BY id LIMIT $3';
      const rows = await q.rows<PurchaseRow & { email: string | null }>({ name: 'rr_purchases_page', text, values: [contestId, after, limit] });
      return rows.map((row) => ({ ...toPurchase(row), email: row.email }));
    },
    async insert(newPurchase: NewPurchase): Promise<Purchase> {
      const purchase = insertedPurchase(newPurchase);
      await q.write({
        name: 'rr_purchases_insert_v3',
        text: `INSERT INTO purchases (id, contest_id, order_id, email, email_normalized,
            purchaser_entry_id, credited_entry_id, amount_minor, currency, points_awarded, source,
            created_at, purchaser_points, stripe_payment_intent, stripe_customer, stripe_subscription)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        values: [purchase.id, purchase.contestId, purchase.orderId, purchase.email,
          purchase.emailNormalized, purchase.purchaserEntryId, purchase.creditedEntryId,
          purchase.amountMinor, purchase.currency, purchase.pointsAwarded, purchase.source,
          purchase.createdAt, purchase.purchaserPoints, purchase.stripePaymentIntent,
          purchase.stripeCustomer, purchase.stripeSubscription],
      });
      return purchase;
    },
    findByOrder: (contestId, orderId) => onePurchase('rr_purchases_by_order_v3',
      'SELECT * FROM purchases WHERE contest_id = $1 AND order_id = $2 AND superseded_by IS NULL', [contestId, orderId]),
    get: (id) => onePurchase('rr_purchases_by_id', 'SELECT * FROM purchases WHERE id = $1', [id]),
    findByPaymentIntent: (contestId, paymentIntent) => onePurchase('rr_purchases_by_payment_intent',
      `SELECT * FROM purchases WHERE contest_id = $1 AND stripe_payment_intent = $2 AND superseded_by IS NULL
        ORDER BY created_at, id LIMIT 1`, [contestId, paymentIntent]),
    findFirstByCustomer: (contestId, customer) => onePurchase('rr_purchases_by_customer',
      `SELECT * FROM purchases WHERE contest_id = $1 AND stripe_customer = $2 AND superseded_by IS NULL
        ORDER BY created_at, id LIMIT 1`, [contestId, customer]),
    async markSuperseded(id: string, supersededBy: string) {
      await q.write({
        name: 'rr_purchases_supersede',
        text: `UPDATE purchases SET superseded_by = $1, status = 'superseded' WHERE id = $2`,
        values: [supersededBy, id],
      });
    },
    async setRefundState(id: string, state: RefundState) {
      await q.write({
        name: 'rr_purchases_refund_state',
        text: `UPDATE purchases SET refunded_minor = $2, points_reversed = $3,
            purchaser_points_reversed = $4, status = $5 WHERE id = $1`,
        values: [id, state.refundedMinor, state.pointsReversed, state.purchaserPointsReversed, state.status],
      });
    },
    async insertRefund(refund: PurchaseRefund) {
      const inserted = await q.write({
        name: 'rr_refunds_insert',
        text: `INSERT INTO purchase_refunds (id, contest_id, purchase_id, refund_key, kind,
            amount_minor, points_reversed, reason, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        values: [refund.id, refund.contestId, refund.purchaseId, refund.refundKey, refund.kind,
          refund.amountMinor, refund.pointsReversed, refund.reason, refund.createdAt],
      });
      return inserted === 1;
    },
    async findRefund(contestId: string, refundKey: string) {
      const row = await one<PurchaseRefundRow>(q, {
        name: 'rr_refunds_by_key',
        text: 'SELECT * FROM purchase_refunds WHERE contest_id = $1 AND refund_key = $2',
        values: [contestId, refundKey],
      });
      return row && toPurchaseRefund(row);
    },
    async markStripeEvent(contestId: string, eventId: string, type: string, now: number) {
      const inserted = await q.write({
        name: 'rr_stripe_events_mark',
        text: `INSERT INTO stripe_events (contest_id, event_id, type, created_at) VALUES ($1, $2, $3, $4)
          ON CONFLICT DO NOTHING`,
        values: [contestId, eventId, type, now],
      });
      return inserted === 1;
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
