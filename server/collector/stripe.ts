import { isContestRunning } from '../domain/contest-rules.js';
import { requireContest, type CollectorContext } from './context.js';
import { recordPurchase } from './purchase.js';
import { refundPurchase } from './refunds.js';

/** The fields of a verified Stripe event the rules read (the route passes event.data.object as is). */
export interface StripeEventInput {
  contestId: string;
  eventId: string;
  type: string;
  object: Record<string, unknown>;
}

export type StripeOutcome =
  | 'purchase_recorded'
  | 'purchase_already_recorded'
  | 'renewal_recorded'
  | 'refund_applied'
  | 'dispute_applied'
  | 'replayed_event'
  | 'ignored_event_type'
  | 'not_paid'
  | 'first_invoice'
  | 'recurring_purchases_off'
  | 'unknown_purchase'
  | 'contest_not_active'
  | 'nothing_to_refund';

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) ? value : null);
const field = (object: unknown, key: string): unknown =>
  object && typeof object === 'object' ? (object as Record<string, unknown>)[key] : undefined;
/** Stripe sends either an id or the expanded object. */
const idOf = (value: unknown): string | null => str(value) ?? str(field(value, 'id'));

/**
 * Applies one verified Stripe event, once per event id (a replay changes nothing). Event types it
 * does not use, and purchases in a contest that is not running, are acknowledged and ignored, so
 * Stripe does not retry them for days.
 */
export async function applyStripeEvent(ctx: CollectorContext, input: StripeEventInput): Promise<{ outcome: StripeOutcome; purchaseId: string | null }> {
  const contest = await requireContest(ctx, input.contestId);
  if (!(await ctx.store.purchases.markStripeEvent(contest.id, input.eventId, input.type, ctx.now()))) {
    return { outcome: 'replayed_event', purchaseId: null };
  }
  const o = input.object;
  switch (input.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      if (o.payment_status !== 'paid') return { outcome: 'not_paid', purchaseId: null };
      if (!isContestRunning(contest, ctx.now())) return { outcome: 'contest_not_active', purchaseId: null };
      const amountMinor = int(o.amount_total);
      if (!amountMinor || amountMinor < 1) return { outcome: 'not_paid', purchaseId: null };
      const result = await recordPurchase(ctx, {
        contestId: contest.id,
        email: str(field(o.customer_details, 'email')) ?? str(o.customer_email),
        orderId: String(o.id),
        amountMinor,
        currency: str(o.currency) ?? 'usd',
        source: 'stripe',
        stripe: { paymentIntent: idOf(o.payment_intent), customer: idOf(o.customer), subscription: idOf(o.subscription) },
      }, {
        // The code the script injected; else the one the site put in the metadata; else the purchaser's referrer.
        referralCode: str(o.client_reference_id),
        cookieCode: str(field(o.metadata, 'referralCode')),
        awardPurchaser: false,
        requireEntry: false,
      });
      return { outcome: result.alreadyExists ? 'purchase_already_recorded' : 'purchase_recorded', purchaseId: result.purchase.id };
    }
    case 'invoice.paid': {
      // The first invoice of a subscription is the checkout itself.
      if (o.billing_reason === 'subscription_create') return { outcome: 'first_invoice', purchaseId: null };
      if (!contest.settings.recurringPurchases) return { outcome: 'recurring_purchases_off', purchaseId: null };
      if (!isContestRunning(contest, ctx.now())) return { outcome: 'contest_not_active', purchaseId: null };
      const customer = idOf(o.customer);
      const first = customer ? await ctx.store.purchases.findFirstByCustomer(contest.id, customer) : undefined;
      const amountMinor = int(o.amount_paid);
      if (!first || !amountMinor) return { outcome: 'unknown_purchase', purchaseId: null };
      const result = await recordPurchase(ctx, {
        contestId: contest.id,
        email: str(o.customer_email),
        orderId: String(o.id),
        amountMinor,
        currency: str(o.currency) ?? first.currency,
        source: 'stripe',
        stripe: { paymentIntent: idOf(o.payment_intent), customer, subscription: idOf(o.subscription) },
      }, { advocateEntryId: first.creditedEntryId, awardPurchaser: false, requireEntry: false });
      return { outcome: result.alreadyExists ? 'purchase_already_recorded' : 'renewal_recorded', purchaseId: result.purchase.id };
    }
    case 'charge.refunded':
    case 'charge.dispute.created': {
      const dispute = input.type === 'charge.dispute.created';
      const paymentIntent = idOf(o.payment_intent);
      const purchase = paymentIntent ? await ctx.store.purchases.findByPaymentIntent(contest.id, paymentIntent) : undefined;
      if (!purchase) return { outcome: 'unknown_purchase', purchaseId: null };
      const result = await refundPurchase(ctx, purchase, dispute
        ? { kind: 'dispute', amountMinor: null, refundKey: `stripe:${String(o.id)}`, reason: str(o.reason) }
        : {
            kind: 'refund',
            amountMinor: null,
            refundedTotalMinor: int(o.amount_refunded) ?? 0,
            refundKey: `stripe:${String(o.id)}:${int(o.amount_refunded) ?? 0}`,
            reason: str(field(field(field(o.refunds, 'data'), '0'), 'reason')),
          });
      if (result.alreadyProcessed) return { outcome: 'nothing_to_refund', purchaseId: purchase.id };
      return { outcome: dispute ? 'dispute_applied' : 'refund_applied', purchaseId: purchase.id };
    }
    default:
      return { outcome: 'ignored_event_type', purchaseId: null };
  }
}
