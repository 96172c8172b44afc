import type { Db } from '../../db/sqlite/open-database.js';
import type { NewPurchase, PurchaseRefund, PurchasesRepo, RefundState } from '../repositories.js';
import type { Purchase } from '../types.js';
import { insertedPurchase, toPurchase, toPurchaseRefund, type PurchaseRefundRow, type PurchaseRow } from '../rows.js';

export function createPurchasesRepo(db: Db): PurchasesRepo {
  const insert = db.prepare(`INSERT INTO purchases (id, contest_id, order_id, email,
      email_normalized, purchaser_entry_id, credited_entry_id, amount_minor, currency,
      points_awarded, source, created_at, purchaser_points, stripe_payment_intent, stripe_customer,
      stripe_subscription)
    VALUES (@id, @contestId, @orderId, @email, @emailNormalized, @purchaserEntryId,
      @creditedEntryId, @amountMinor, @currency, @pointsAwarded, @source, @createdAt,
      @purchaserPoints, @stripePaymentIntent, @stripeCustomer, @stripeSubscription)`);
  const byOrder = db.prepare<[string, string], PurchaseRow>(
    'SELECT * FROM purchases WHERE contest_id = ? AND order_id = ? AND superseded_by IS NULL',
  );
  const byId = db.prepare<[string], PurchaseRow>('SELECT * FROM purchases WHERE id = ?');
  const byPaymentIntent = db.prepare<[string, string], PurchaseRow>(`SELECT * FROM purchases
    WHERE contest_id = ? AND stripe_payment_intent = ? AND superseded_by IS NULL ORDER BY created_at, id LIMIT 1`);
  const byCustomer = db.prepare<[string, string], PurchaseRow>(`SELECT * FROM purchases
    WHERE contest_id = ? AND stripe_customer = ? AND superseded_by IS NULL ORDER BY created_at, id LIMIT 1`);
  const supersede = db.prepare(`UPDATE purchases SET superseded_by = ?, status = 'superseded' WHERE id = ?`);
  const setRefundState = db.prepare(`UPDATE purchases SET refunded_minor = @refundedMinor,
      points_reversed = @pointsReversed, purchaser_points_reversed = @purchaserPointsReversed,
      status = @status WHERE id = @id`);
  const insertRefund = db.prepare(`INSERT INTO purchase_refunds (id, contest_id, purchase_id,
      refund_key, kind, amount_minor, points_reversed, reason, created_at)
    VALUES (@id, @contestId, @purchaseId, @refundKey, @kind, @amountMinor, @pointsReversed, @reason, @createdAt)
    ON CONFLICT DO NOTHING`);
  const refundByKey = db.prepare<[string, string], PurchaseRefundRow>(
    'SELECT * FROM purchase_refunds WHERE contest_id = ? AND refund_key = ?',
  );
  const markStripeEvent = db.prepare(`INSERT INTO stripe_events (contest_id, event_id, type, created_at)
    VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  // Purchases made before the person had an entry carry only the email, not the entry id.
  const erase = db.prepare(`UPDATE purchases SET email = NULL, email_normalized = NULL
    WHERE purchaser_entry_id = @entryId OR (contest_id = @contestId AND email_normalized = @emailNormalized)`);
  const found = (row: PurchaseRow | undefined) => row && toPurchase(row);

  const page = db.prepare<[string, string, number], PurchaseRow & { email: string | null }>(
    'SELECT * FROM purchases WHERE contest_id = ? AND id > ? ORDER BY id LIMIT ?',
  );

  return {
    async listForContest(contestId: string, after: string, limit: number) {
      return page.all(contestId, after, limit).map((row) => ({ ...toPurchase(row), email: row.email }));
    },
    async insert(purchase: NewPurchase): Promise<Purchase> {
      const inserted = insertedPurchase(purchase);
      insert.run(inserted);
      return inserted;
    },
    findByOrder: async (contestId, orderId) => found(byOrder.get(contestId, orderId)),
    get: async (id) => found(byId.get(id)),
    findByPaymentIntent: async (contestId, paymentIntent) => found(byPaymentIntent.get(contestId, paymentIntent)),
    findFirstByCustomer: async (contestId, customer) => found(byCustomer.get(contestId, customer)),
    async markSuperseded(id: string, supersededBy: string) {
      supersede.run(supersededBy, id);
    },
    async setRefundState(id: string, state: RefundState) {
      setRefundState.run({ id, ...state });
    },
    async insertRefund(refund: PurchaseRefund) {
      return insertRefund.run(refund).changes === 1;
    },
    async findRefund(contestId: string, refundKey: string) {
      const row = refundByKey.get(contestId, refundKey);
      return row && toPurchaseRefund(row);
    },
    async markStripeEvent(contestId: string, eventId: string, type: string, now: number) {
      return markStripeEvent.run(contestId, eventId, type, now).changes === 1;
    },
    async erasePurchaserEmail(entry: { id: string; contestId: string }, emailNormalized: string | null): Promise<void> {
      erase.run({ entryId: entry.id, contestId: entry.contestId, emailNormalized });
    },
  };
}
