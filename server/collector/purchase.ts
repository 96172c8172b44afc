import { normalizeEmail } from '../domain/email.js';
import { badRequest, messages, notFound } from '../domain/errors.js';
import { newId, normalizeReferralCode } from '../domain/ids.js';
import { currencyExponent, purchasePoints, toMinorUnits } from '../domain/money.js';
import type { Contest, Entry, Purchase } from '../store/types.js';
import type { CodeSource, CreditRule } from '../store/repositories.js';
import { recordAttribution, type Visitor } from './attribution.js';
import { requireRunningContest, type CollectorContext } from './context.js';

export interface PurchaseInput {
  contestId: string;
  email: string;
  orderId: string;
  /** Major units (99.99), validated > 0 and finite by the route schema. */
  amount: number;
  currency: string;
  source: 'referral' | 'webhook' | 'api';
}

export interface PurchaseResult {
  purchase: Purchase;
  /** The credited entry, else the purchaser's entry, else null. */
  entryId: string | null;
  pointsAwarded: number;
  alreadyExists: boolean;
  message: string;
}

/**
 * Who earns a purchase's points.
 * - `advocate` (referral track-purchase): the referrer, from the body's code, else the cookie's
 *   code, else the purchaser's own referrer.
 * - `purchaser` (webhook, REST): the purchaser's own entry; `requireEntry` makes an unknown email
 *   a 404 (REST) instead of an unattributed purchase (webhook).
 */
export type Crediting =
  | {
      kind: 'advocate';
      referralCode?: string | null;
      cookieCode?: string | null;
      /** How `referralCode` arrived (default `body`); the cookie's code is `server_cookie`. */
      codeSource?: CodeSource;
      /** The browser request's IP and user agent: hashed into the attribution's visitor key. */
      visitor?: Visitor;
    }
  | { kind: 'purchaser'; requireEntry: boolean };

/** The entry a code names, if any (a null code names none). */
async function entryByCode(ctx: CollectorContext, contest: Contest, code: string | null | undefined) {
  return code ? ctx.store.entries.findByCode(contest.id, normalizeReferralCode(code)) : undefined;
}

function alreadyRecorded(purchase: Purchase): PurchaseResult {
  return {
    purchase,
    entryId: purchase.creditedEntryId ?? purchase.purchaserEntryId,
    pointsAwarded: 0,
    alreadyExists: true,
    message: messages.purchaseAlreadyRecorded,
  };
}

/**
 * Records a purchase once per (contest, orderId) and awards `round(amount × pointsPerUnit)` to the
 * credited entry. A repeated orderId returns the original purchase and awards nothing. Runs inside
 * one transaction, so two identical requests can never both pass the duplicate check.
 */
export async function recordPurchase(
  ctx: CollectorContext,
  input: PurchaseInput,
  crediting: Crediting,
): Promise<PurchaseResult> {
  const amountMinor = toMinorUnits(input.amount, input.currency);
  if (amountMinor < 1) {
    throw badRequest(`amount must be at least ${10 ** -currencyExponent(input.currency)} ${input.currency}`);
  }
  const contest = await requireRunningContest(ctx, input.contestId);
  const existing = await ctx.store.purchases.findByOrder(contest.id, input.orderId);
  if (existing) return alreadyRecorded(existing);

  const emailNormalized = normalizeEmail(input.email);
  // The purchaser and the entry the body's code names, in one look-up.
  const bodyCode = crediting.kind === 'advocate' && crediting.referralCode ? normalizeReferralCode(crediting.referralCode) : null;
  const found = await ctx.store.entries.findByCodeAndEmail(contest.id, bodyCode, emailNormalized);
  const purchaser = found.byEmail;
  let credited: Entry | undefined;
  let rule: CreditRule | undefined;
  if (crediting.kind === 'purchaser') {
    if (!purchaser && crediting.requireEntry) throw notFound(messages.entryNotFound);
    credited = purchaser;
  } else {
    // The advocate: the body's code, else the cookie's, else the purchaser's own referrer.
    credited = found.byCode;
    rule = 'code';
    if (!credited) [credited, rule] = [await entryByCode(ctx, contest, crediting.cookieCode), 'cookie'];
    if (!credited && purchaser?.referredBy) [credited, rule] = [await ctx.store.entries.get(purchaser.referredBy), 'referrer'];
    // Buying through your own link is not a referral.
    if (credited && purchaser && credited.id === purchaser.id) credited = undefined;
  }

  const points =
    credited && !credited.disqualified
      ? purchasePoints(input.amount, contest.settings.purchasePointsPerUnit)
      : 0;
  const now = ctx.now();
  const purchase = await ctx.store.purchases.insert({
    id: newId('purchase'),
    contestId: contest.id,
    orderId: input.orderId,
    email: input.email.trim(),
    emailNormalized,
    purchaserEntryId: purchaser?.id ?? null,
    creditedEntryId: credited?.id ?? null,
    amountMinor,
    currency: input.currency,
    pointsAwarded: points > 0 ? points : 0,
    source: input.source,
    createdAt: now,
  });
  if (crediting.kind === 'advocate' && credited && rule) {
    const codeSource = rule === 'code' ? (crediting.codeSource ?? 'body') : rule === 'cookie' ? 'server_cookie' : null;
    await recordAttribution(
      ctx,
      { subjectId: purchase.id, contestId: contest.id, advocateId: credited.id, codeSource, creditRule: rule },
      crediting.visitor,
      now,
    );
  }
  const awarded = credited && points > 0
    ? await ctx.store.ledger.award(credited, points, 'purchase', purchase.id, now)
    : 0;
  return {
    purchase,
    entryId: credited?.id ?? purchaser?.id ?? null,
    pointsAwarded: awarded,
    alreadyExists: false,
    message: messages.purchaseRecorded,
  };
}
