import { messages, notFound } from '../domain/errors.js';
import { normalizeReferralCode } from '../domain/ids.js';
import { requireRunningContest, type CollectorContext } from './context.js';

export interface VisitInput {
  contestId: string;
  referralCode: string;
  url?: string | null;
  referrer?: string | null;
  visitorKey: string | null;
}

/** Stores one visit through an advocate's link. Unknown contest or code → 404. */
export function trackVisit(ctx: CollectorContext, input: VisitInput): void {
  const contest = requireRunningContest(ctx, input.contestId);
  const advocateId = ctx.store.entries.findIdByCode(contest.id, normalizeReferralCode(input.referralCode));
  if (!advocateId) throw notFound(messages.referralCodeNotFound);
  ctx.store.visits.insert({
    contestId: contest.id,
    entryId: advocateId,
    url: input.url ?? null,
    referrer: input.referrer ?? null,
    visitorKey: input.visitorKey,
    createdAt: ctx.now(),
  });
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
export function validateCode(ctx: CollectorContext, code: string, contestId: string): CodeValidation {
  const advocate = ctx.store.entries.findByCode(contestId, normalizeReferralCode(code));
  if (!advocate) return { valid: false, contestId };
  return {
    valid: true,
    referrerEmail: advocate.email,
    referrerName: advocate.name,
    contestId,
  };
}
