import { messages, notFound } from '../domain/errors.js';
import { utcDay, visitorKey } from '../domain/visitor-key.js';
import type { CodeSource, CreditRule, VisitSpan } from '../store/repositories.js';
import type { Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';

/** Where a browser request came from: hashed into a visitor key, never stored as is. */
export interface Visitor {
  ip: string;
  userAgent: string;
}

/** A code as the browser script writes it; anything else in a cookie was not written by it. */
const COOKIE_CODE = /^[\w.-]{1,64}$/;

/**
 * The code a track-signup or track-purchase uses, and how it arrived: the body's code (sent by a
 * backend, or by the script, which says so: `codeSource: "script"`), else the `rocket_ref` cookie
 * the collector set in first-party mode. A code the visitor typed (`codeSource: "typed"`) comes
 * last in the documented order, after the cookie. A cookie value that is not a code is ignored.
 */
export function arrivedCode(
  body: { referralCode?: string | null; codeSource?: 'script' | 'typed' | null },
  cookie: string | null,
): { code: string; source: CodeSource } | undefined {
  const cookieCode = cookie && COOKIE_CODE.test(cookie) ? cookie : null;
  const bodyCode = body.referralCode || null;
  if (bodyCode && !(body.codeSource === 'typed' && cookieCode)) return { code: bodyCode, source: body.codeSource ?? 'body' };
  if (cookieCode) return { code: cookieCode, source: 'server_cookie' };
  return undefined;
}

/** Records why `subjectId` (a friend's entry or a purchase) credits `advocateId`. */
export async function recordAttribution(
  ctx: CollectorContext,
  row: { subjectId: string; contestId: string; advocateId: string; codeSource: CodeSource | null; creditRule: CreditRule | null },
  visitor: Visitor | undefined,
  now: number,
): Promise<void> {
  const key = visitor ? visitorKey(await ctx.store.visits.saltForDay(utcDay(now)), row.contestId, visitor.ip, visitor.userAgent) : null;
  await ctx.store.attributions.record({ ...row, visitorKey: key, createdAt: now });
}

export interface AttributionExplanation {
  referred: boolean;
  advocate: Pick<Entry, 'id' | 'referralCode' | 'name' | 'email'> | null;
  codeSource: CodeSource | null;
  creditRule: CreditRule | null;
  /** Visits through the advocate's code from the same visitor key (the key's salt rotates daily). */
  visits: VisitSpan;
  /** From the first such visit to the signup or purchase. */
  firstVisitToConversionMs: number | null;
  at: number;
}

async function explain(ctx: CollectorContext, subjectId: string, creditedId: string | null, at: number): Promise<AttributionExplanation> {
  const row = await ctx.store.attributions.get(subjectId);
  const advocateId = row?.advocateId ?? creditedId;
  const advocate = advocateId ? await ctx.store.entries.get(advocateId) : undefined;
  const visits =
    advocate && row?.visitorKey
      ? await ctx.store.attributions.visitSpan(advocate.id, row.visitorKey, at)
      : { first: null, last: null, count: 0 };
  return {
    referred: !!advocate,
    advocate: advocate ? { id: advocate.id, referralCode: advocate.referralCode, name: advocate.name, email: advocate.email } : null,
    codeSource: row?.codeSource ?? null,
    creditRule: row?.creditRule ?? null,
    visits,
    firstVisitToConversionMs: visits.first === null ? null : at - visits.first,
    at,
  };
}

/** Why an entry is (or is not) referred. Unknown entry → 404. */
export async function explainEntry(ctx: CollectorContext, entryId: string) {
  const entry = await ctx.store.entries.get(entryId);
  if (!entry) throw notFound(messages.entryNotFound);
  return { entry, explanation: await explain(ctx, entry.id, entry.referredBy, entry.createdAt) };
}

/** Why a purchase credited whom it credited. Unknown purchase → 404. */
export async function explainPurchase(ctx: CollectorContext, purchaseId: string) {
  const purchase = await ctx.store.purchases.get(purchaseId);
  if (!purchase) throw notFound('Purchase not found');
  return { purchase, explanation: await explain(ctx, purchase.id, purchase.creditedEntryId, purchase.createdAt) };
}
