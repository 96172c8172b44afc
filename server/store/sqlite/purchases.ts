import type { Db } from '../../db/sqlite/open-database.js';
import type { NewPurchase, PurchasesRepo } from '../repositories.js';
import type { Purchase } from '../types.js';
import { toPurchase, type PurchaseRow } from '../rows.js';

export function createPurchasesRepo(db: Db): PurchasesRepo {
  const insert = db.prepare(`INSERT INTO purchases (id, contest_id, order_id, email,
      email_normalized, purchaser_entry_id, credited_entry_id, amount_minor, currency,
      points_awarded, source, created_at)
    VALUES (@id, @contestId, @orderId, @email, @emailNormalized, @purchaserEntryId,
      @creditedEntryId, @amountMinor, @currency, @pointsAwarded, @source, @createdAt)`);
  const byOrder = db.prepare<[string, string], PurchaseRow>(
    'SELECT * FROM purchases WHERE contest_id = ? AND order_id = ?',
  );
  // Purchases made before the person had an entry carry only the email, not the entry id.
  const erase = db.prepare(`UPDATE purchases SET email = NULL, email_normalized = NULL
    WHERE purchaser_entry_id = @entryId OR (contest_id = @contestId AND email_normalized = @emailNormalized)`);

  const page = db.prepare<[string, string, number], PurchaseRow & { email: string | null }>(
    'SELECT * FROM purchases WHERE contest_id = ? AND id > ? ORDER BY id LIMIT ?',
  );

  return {
    async listForContest(contestId: string, after: string, limit: number) {
      return page.all(contestId, after, limit).map((row) => ({ ...toPurchase(row), email: row.email }));
    },
    async insert(purchase: NewPurchase): Promise<Purchase> {
      insert.run(purchase);
      return purchase;
    },
    async findByOrder(contestId: string, orderId: string): Promise<Purchase | undefined> {
      const row = byOrder.get(contestId, orderId);
      return row && toPurchase(row);
    },
    async erasePurchaserEmail(entry: { id: string; contestId: string }, emailNormalized: string | null): Promise<void> {
      erase.run({ entryId: entry.id, contestId: entry.contestId, emailNormalized });
    },
  };
}
