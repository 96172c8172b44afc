import { badRequest, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { PurchaseRefund, RefundState } from '../store/repositories.js';
import type { Purchase } from '../store/types.js';
import type { CollectorContext } from './context.js';
import { emit, pointsChangedAll } from './events.js';

export interface RefundInput {
  kind: 'refund' | 'dispute';
  /** This refund's amount in minor units; null = whatever is left (a full refund). */
  amountMinor: number | null;
  /** Stripe reports the charge's refunded total instead: refunds then add up to it, never past it. */
  refundedTotalMinor?: number;
  /** Idempotency: a refund key seen before changes nothing. */
  refundKey: string | null;
  reason: string | null;
}

export interface RefundResult {
  purchase: Purchase;
  refund: PurchaseRefund | null;
  /** True when this refund key was processed before, or nothing was left to refund. */
  alreadyProcessed: boolean;
}

/**
 * Reverses a purchase's points in proportion to the money refunded, with new ledger rows
 * (`purchase_refunded`, `purchase_disputed`), never deletions: repeated partial refunds add up,
 * and together never take back more than the purchase gave. A dispute takes back all of it.
 */
export async function refundPurchase(ctx: CollectorContext, purchase: Purchase, input: RefundInput): Promise<RefundResult> {
  if (purchase.supersededBy) throw badRequest('purchase was superseded by an authenticated purchase of the same order');
  if (input.refundKey) {
    const previous = await ctx.store.purchases.findRefund(purchase.contestId, input.refundKey);
    if (previous) return { purchase: (await ctx.store.purchases.get(previous.purchaseId))!, refund: previous, alreadyProcessed: true };
  }
  if (input.amountMinor !== null && input.amountMinor < 1) throw badRequest('amount must be positive');
  const total = purchase.amountMinor;
  const refundedMinor = input.kind === 'dispute'
    ? total
    : input.refundedTotalMinor !== undefined
      ? Math.max(purchase.refundedMinor, Math.min(total, input.refundedTotalMinor))
      : Math.min(total, purchase.refundedMinor + (input.amountMinor ?? total));
  const amountMinor = refundedMinor - purchase.refundedMinor;
  if (input.kind === 'refund' && amountMinor <= 0) return { purchase, refund: null, alreadyProcessed: true };
  if (input.kind === 'dispute' && purchase.status === 'disputed') return { purchase, refund: null, alreadyProcessed: true };

  // The share of each award that the money refunded so far stands for, minus what was taken back.
  const share = (awarded: number) => (input.kind === 'dispute' || refundedMinor >= total ? awarded : Math.round((awarded * refundedMinor) / total));
  const advocateReversal = Math.max(0, share(purchase.pointsAwarded) - purchase.pointsReversed);
  const purchaserReversal = Math.max(0, share(purchase.purchaserPoints) - purchase.purchaserPointsReversed);
  const now = ctx.now();
  const refund: PurchaseRefund = {
    id: newId('refund'),
    contestId: purchase.contestId,
    purchaseId: purchase.id,
    refundKey: input.refundKey,
    kind: input.kind,
    amountMinor,
    pointsReversed: advocateReversal + purchaserReversal,
    reason: input.reason,
    createdAt: now,
  };
  if (!(await ctx.store.purchases.insertRefund(refund))) {
    // The same refund key committed meanwhile (another collector): a repeat after all.
    const previous = (await ctx.store.purchases.findRefund(purchase.contestId, input.refundKey!))!;
    return { purchase, refund: previous, alreadyProcessed: true };
  }
  const reason = input.kind === 'dispute' ? 'purchase_disputed' as const : 'purchase_refunded' as const;
  const awards = [
    ...(purchase.creditedEntryId ? [{ entry: { id: purchase.creditedEntryId, contestId: purchase.contestId }, delta: -advocateReversal, reason, sourceId: refund.id }] : []),
    ...(purchase.purchaserEntryId ? [{ entry: { id: purchase.purchaserEntryId, contestId: purchase.contestId }, delta: -purchaserReversal, reason, sourceId: refund.id }] : []),
  ];
  await ctx.store.ledger.awardAll(awards, now);
  const state: RefundState = {
    refundedMinor,
    pointsReversed: purchase.pointsReversed + advocateReversal,
    purchaserPointsReversed: purchase.purchaserPointsReversed + purchaserReversal,
    status: input.kind === 'dispute' ? 'disputed' : refundedMinor >= total ? 'refunded' : 'partially_refunded',
  };
  await ctx.store.purchases.setRefundState(purchase.id, state);
  const updated: Purchase = { ...purchase, ...state };
  await emit(ctx, [
    {
      type: 'purchase.refunded',
      contestId: purchase.contestId,
      data: {
        purchaseId: purchase.id,
        orderId: purchase.orderId,
        refundId: refund.id,
        kind: input.kind,
        amountRefunded: amountMinor,
        totalRefunded: refundedMinor,
        currency: purchase.currency,
        status: state.status,
        referrerEntryId: purchase.creditedEntryId,
        pointsReversed: refund.pointsReversed,
      },
    },
    ...pointsChangedAll(awards),
  ]);
  return { purchase: updated, refund, alreadyProcessed: false };
}

/** A purchase by id (REST) or by order id (webhook), live or not found. */
export async function findPurchaseToRefund(ctx: CollectorContext, by: { purchaseId: string } | { contestId: string; orderId: string }) {
  const purchase = 'purchaseId' in by
    ? await ctx.store.purchases.get(by.purchaseId)
    : await ctx.store.purchases.findByOrder(by.contestId, by.orderId);
  if (!purchase) throw notFound('Purchase not found');
  return purchase;
}
