import { messages, notFound } from '../domain/errors.js';
import { normalizeReferralCode } from '../domain/ids.js';
import { utcDay, visitorKey } from '../domain/visitor-key.js';
import { requireRunningContest, type CollectorContext } from './context.js';

export interface VisitInput {
  contestId: string;
  referralCode: string;
  url?: string | null;
  referrer?: string | null;
  /** The client's address and user agent: hashed with the day's salt here, never stored. */
  ip: string;
  userAgent: string;
}

/**
 * Stores one visit through an advocate's link, with a visitor key instead of the IP. Unknown
 * contest or code → 404. The day's salt is read (or created) inside the same transaction, so a
 * rolled-back visit can never leave behind a salt that the database does not have. Answers the
 * contest's cookie lifetime: the script and the first-party cookie keep the code that long.
 */
export async function trackVisit(ctx: CollectorContext, input: VisitInput): Promise<{ cookieDays: number }> {
  const contest = await requireRunningContest(ctx, input.contestId);
  const advocateId = await ctx.store.entries.findIdByCode(contest.id, normalizeReferralCode(input.referralCode));
  if (!advocateId) throw notFound(messages.referralCodeNotFound);
  const now = ctx.now();
  const salt = await ctx.store.visits.saltForDay(utcDay(now));
  await ctx.store.visits.insert({
    contestId: contest.id,
    entryId: advocateId,
    url: input.url ?? null,
    referrer: input.referrer ?? null,
    visitorKey: visitorKey(salt, contest.id, input.ip, input.userAgent),
    createdAt: now,
  });
  return { cookieDays: contest.settings.cookieDays };
}

export interface CodeValidation {
  valid: boolean;
  referrerEmail?: string | null;
  referrerName?: string | null;
  contestId: string;
}

/**
 * Unknown contest and unknown code answer the same way, so the endpoint can't be used to tell
 * which contests exist.
 */
export async function validateCode(ctx: CollectorContext, code: string, contestId: string): Promise<CodeValidation> {
  const advocate = await ctx.store.entries.findByCode(contestId, normalizeReferralCode(code));
  if (!advocate) return { valid: false, contestId };
  return {
    valid: true,
    referrerEmail: advocate.email,
    referrerName: advocate.name,
    contestId,
  };
}
