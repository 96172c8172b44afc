import { normalizeEmail } from '../domain/email.js';
import { ApiError, badRequest, messages, notFound } from '../domain/errors.js';
import { newId, normalizeReferralCode } from '../domain/ids.js';
import { currencyExponent, purchasePoints, toMinorUnits } from '../domain/money.js';
import type { CodeSource, CreditRule } from '../store/repositories.js';
import type { Contest, Entry, Purchase, PurchaseSource } from '../store/types.js';
import { recordAttribution, type Visitor } from './attribution.js';
import { requireRunningContest, type CollectorContext } from './context.js';
import { emit, pointsChangedAll, type PendingEvent } from './events.js';

export interface PurchaseInput {
  contestId: string;
  /** The purchaser's email; Stripe may send none. */
  email: string | null;
  orderId: string;
  /** Major units (99.99), validated > 0 and finite by the route schema; or `amountMinor`. */
  amount?: number;
  /** Minor units, as Stripe sends them (9999). */
  amountMinor?: number;
  currency: string;
  source: PurchaseSource;
  stripe?: { paymentIntent: string | null; customer: string | null; subscription: string | null };
}

/** An authenticated purchase took the place of a browser-reported one with the same order id. */
export interface Superseded {
  purchaseId: string;
  /** Where the browser-reported purchase disagreed: reported in the answer and logged. */
  conflicts: Array<'amount' | 'email'>;
  pointsReversed: number;
}

export interface PurchaseResult {
  purchase: Purchase;
  /** The documented entryId: the purchaser's entry for webhook/REST purchases; the credited advocate (else the purchaser) otherwise. */
  entryId: string | null;
  /** The documented pointsAwarded: the purchaser's own for webhook/REST purchases, the advocate's otherwise. */
  pointsAwarded: number;
  /** The referrer credited for the purchase, on every channel. */
  advocateEntryId: string | null;
  advocatePointsAwarded: number;
  alreadyExists: boolean;
  message: string;
  superseded: Superseded | null;
}

/**
 * Who earns a purchase's points. Every channel credits the advocate by one rule: the given
 * referral code, else the cookie's (browser) or the second code (Stripe metadata), else the
 * purchaser's own referrer; `advocateEntryId` names the advocate outright (subscription renewals).
 * `awardPurchaser`: the purchaser earns points for buying too (the documented purchase webhook and
 * REST purchases); `requireEntry` makes an unknown purchaser a 404 (REST).
 */
export interface Crediting {
  referralCode?: string | null;
  cookieCode?: string | null;
  advocateEntryId?: string | null;
  awardPurchaser: boolean;
  requireEntry: boolean;
  /** How `referralCode` arrived (default: the channel's own, see codeSourceOf); the cookie's code is `server_cookie`. */
  codeSource?: CodeSource;
  /** The browser request's IP and user agent: hashed into the attribution's visitor key. */
  visitor?: Visitor;
}

/** How a code given to a channel arrived, unless the caller says (GET …/attribution). */
const channelCodeSource: Record<PurchaseSource, CodeSource> = { referral: 'body', webhook: 'webhook', api: 'api', stripe: 'webhook' };

/** Channels whose caller proved who it is (secret, key, signature); a browser-reported one did not. */
const isAuthenticated = (source: PurchaseSource) => source !== 'referral';

function alreadyRecorded(purchase: Purchase, crediting: Crediting): PurchaseResult {
  return {
    purchase,
    entryId: crediting.awardPurchaser ? purchase.purchaserEntryId : (purchase.creditedEntryId ?? purchase.purchaserEntryId),
    pointsAwarded: 0,
    advocateEntryId: purchase.creditedEntryId,
    advocatePointsAwarded: 0,
    alreadyExists: true,
    message: messages.purchaseAlreadyRecorded,
    superseded: null,
  };
}

/** The entry a code names, if any (a null code names none). */
async function entryByCode(ctx: CollectorContext, contest: Contest, code: string | null | undefined) {
  return code ? ctx.store.entries.findByCode(contest.id, normalizeReferralCode(code)) : undefined;
}

/**
 * The advocate, and which rule chose it: the given code, else the second code (the browser's
 * cookie; Stripe's metadata), else the purchaser's own referrer. A renewal names its advocate
 * outright (no rule).
 */
async function findAdvocate(
  ctx: CollectorContext,
  contest: Contest,
  crediting: Crediting,
  byCode: Entry | undefined,
  purchaser: Entry | undefined,
): Promise<{ advocate: Entry | undefined; rule: CreditRule | null }> {
  let advocate: Entry | undefined;
  let rule: CreditRule | null = null;
  if (crediting.advocateEntryId) advocate = await ctx.store.entries.get(crediting.advocateEntryId);
  else if (byCode) [advocate, rule] = [byCode, 'code'];
  else if ((advocate = await entryByCode(ctx, contest, crediting.cookieCode))) rule = 'cookie';
  else if (purchaser?.referredBy) [advocate, rule] = [await ctx.store.entries.get(purchaser.referredBy), 'referrer'];
  // Buying through your own link is not a referral.
  if (advocate && purchaser && advocate.id === purchaser.id) return { advocate: undefined, rule: null };
  return { advocate, rule };
}

/** Records why a purchase credits its advocate (GET /api/v1/purchases/:id/attribution). */
async function recordPurchaseAttribution(ctx: CollectorContext, purchase: Purchase, crediting: Crediting, rule: CreditRule, now: number) {
  // Stripe's second code is metadata.referralCode, not a cookie: a code given, as the first is.
  const byCookie = rule === 'cookie' && purchase.source === 'referral';
  const codeSource = rule === 'referrer' ? null : byCookie ? 'server_cookie' : (crediting.codeSource ?? channelCodeSource[purchase.source]);
  await recordAttribution(
    ctx,
    { subjectId: purchase.id, contestId: purchase.contestId, advocateId: purchase.creditedEntryId!, codeSource, creditRule: byCookie || rule !== 'cookie' ? rule : 'code' },
    crediting.visitor,
    now,
  );
}

/**
 * Takes a browser-reported purchase out of its order id's place: its points are reversed with new
 * ledger rows (never deleted) and the row stays, marked superseded by the authenticated one.
 */
async function supersede(ctx: CollectorContext, anonymous: Purchase, replacementId: string, input: { amountMinor: number; emailNormalized: string | null }) {
  const conflicts: Superseded['conflicts'] = [];
  if (anonymous.amountMinor !== input.amountMinor) conflicts.push('amount');
  if (anonymous.emailNormalized !== input.emailNormalized) conflicts.push('email');
  const now = ctx.now();
  const reversals = [
    { id: anonymous.creditedEntryId, points: anonymous.pointsAwarded - anonymous.pointsReversed },
    { id: anonymous.purchaserEntryId, points: anonymous.purchaserPoints - anonymous.purchaserPointsReversed },
  ].filter((r): r is { id: string; points: number } => r.id !== null && r.points > 0);
  const awards = reversals.map((r) => ({
    entry: { id: r.id, contestId: anonymous.contestId },
    delta: -r.points,
    reason: 'purchase_superseded' as const,
    sourceId: anonymous.id,
  }));
  await ctx.store.ledger.awardAll(awards, now);
  await ctx.store.purchases.markSuperseded(anonymous.id, replacementId);
  const superseded: Superseded = { purchaseId: anonymous.id, conflicts, pointsReversed: reversals.reduce((sum, r) => sum + r.points, 0) };
  return { superseded, events: pointsChangedAll(awards) };
}

/**
 * Records a purchase once per (contest, orderId) and awards `round(amount × pointsPerUnit)` to the
 * advocate (and to the purchaser, where the channel documents it). A repeated orderId returns the
 * original purchase and awards nothing — except that an authenticated purchase supersedes a
 * browser-reported one (anyone can report any orderId from a browser). Runs inside one
 * transaction, so two identical requests can never both pass the duplicate check.
 */
export async function recordPurchase(
  ctx: CollectorContext,
  input: PurchaseInput,
  crediting: Crediting,
): Promise<PurchaseResult> {
  const currency = input.currency.toUpperCase();
  const amountMinor = input.amountMinor ?? toMinorUnits(input.amount ?? 0, currency);
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 1) {
    throw badRequest(`amount must be at least ${10 ** -currencyExponent(currency)} ${currency}`);
  }
  const amountMajor = amountMinor / 10 ** currencyExponent(currency);
  const contest = await requireRunningContest(ctx, input.contestId);
  if (input.source === 'referral' && contest.settings.browserPurchases === 'ignore') {
    throw new ApiError(403, messages.browserPurchasesIgnored);
  }
  const emailNormalized = input.email ? normalizeEmail(input.email) : null;
  const existing = await ctx.store.purchases.findByOrder(contest.id, input.orderId);
  const supersedes = existing && existing.source === 'referral' && isAuthenticated(input.source);
  if (existing && !supersedes) return alreadyRecorded(existing, crediting);

  // The purchaser and the entry the given code names, in one look-up.
  const code = crediting.referralCode ? normalizeReferralCode(crediting.referralCode) : null;
  const found = await ctx.store.entries.findByCodeAndEmail(contest.id, code, emailNormalized);
  const purchaser = found.byEmail;
  if (!purchaser && crediting.requireEntry) throw notFound(messages.entryNotFound);
  const { advocate, rule } = await findAdvocate(ctx, contest, crediting, found.byCode, purchaser);

  const points = purchasePoints(amountMajor, contest.settings.purchasePointsPerUnit);
  const advocatePoints = advocate && !advocate.disqualified && points > 0 ? points : 0;
  const purchaserPoints = crediting.awardPurchaser && purchaser && !purchaser.disqualified && points > 0 ? points : 0;
  const now = ctx.now();
  const id = newId('purchase');
  const replaced = supersedes ? await supersede(ctx, existing, id, { amountMinor, emailNormalized }) : null;
  const purchase = await ctx.store.purchases.insert({
    id,
    contestId: contest.id,
    orderId: input.orderId,
    email: input.email?.trim() || null,
    emailNormalized,
    purchaserEntryId: purchaser?.id ?? null,
    creditedEntryId: advocate?.id ?? null,
    amountMinor,
    currency,
    pointsAwarded: advocatePoints,
    purchaserPoints,
    source: input.source,
    stripePaymentIntent: input.stripe?.paymentIntent ?? null,
    stripeCustomer: input.stripe?.customer ?? null,
    stripeSubscription: input.stripe?.subscription ?? null,
    createdAt: now,
  });
  const awards = [
    ...(advocate ? [{ entry: advocate, delta: advocatePoints, reason: 'purchase' as const, sourceId: purchase.id }] : []),
    ...(purchaser ? [{ entry: purchaser, delta: purchaserPoints, reason: 'purchase' as const, sourceId: purchase.id }] : []),
  ];
  await ctx.store.ledger.awardAll(awards, now);
  if (advocate && rule) await recordPurchaseAttribution(ctx, purchase, crediting, rule, now);
  const events: PendingEvent[] = [
    ...(replaced?.events ?? []),
    {
      type: 'purchase.created',
      contestId: contest.id,
      data: {
        purchaseId: purchase.id,
        orderId: purchase.orderId,
        amount: amountMinor,
        currency,
        source: input.source,
        purchaserEntryId: purchase.purchaserEntryId,
        referrerEntryId: purchase.creditedEntryId,
        points: advocatePoints,
        purchaserPoints,
        supersedes: replaced?.superseded.purchaseId ?? null,
      },
    },
    ...pointsChangedAll(awards),
  ];
  await emit(ctx, events);
  return {
    purchase,
    entryId: crediting.awardPurchaser ? (purchaser?.id ?? null) : (advocate?.id ?? purchaser?.id ?? null),
    pointsAwarded: crediting.awardPurchaser ? purchaserPoints : advocatePoints,
    advocateEntryId: advocate?.id ?? null,
    advocatePointsAwarded: advocatePoints,
    alreadyExists: false,
    message: messages.purchaseRecorded,
    superseded: replaced?.superseded ?? null,
  };
}
