import { normalizeEmail } from '../domain/email.js';
import { normalizeReferralCode } from '../domain/ids.js';
import type { CodeSource } from '../store/repositories.js';
import type { Contest, Entry } from '../store/types.js';
import { recordAttribution, type Visitor } from './attribution.js';
import { requireRunningContest, type CollectorContext } from './context.js';
import { findExistingEntry, tryInsertEntry } from './entries.js';

export interface SignupInput {
  contestId: string;
  email: string;
  name?: string | null;
  phone?: string | null;
  referralCode?: string | null;
  /** How the code arrived (default `body`): recorded for GET /api/v1/entries/:id/attribution. */
  codeSource?: CodeSource;
  /** The browser request's IP and user agent (track-signup): hashed into a visitor key, never stored. */
  visitor?: Visitor;
}

/** Why a signup did or did not earn referral points: a closed list, so outcomes can be counted. */
export type SignupOutcome =
  | 'referred'
  | 'not_referred'
  | 'unknown_code'
  | 'self_referral'
  | 'duplicate_email';

export interface SignupResult {
  entry: Entry;
  alreadyExists: boolean;
  isReferred: boolean;
  pointsAwarded: { advocate: number; friend: number };
  outcome: SignupOutcome;
}

const noPoints = () => ({ advocate: 0, friend: 0 });

/**
 * Records a signup: creates the friend's entry unless the email already has one, and — once per
 * friend, ever — awards the contest's advocate and friend points when another entry referred it.
 * Runs inside one transaction (entry + ledger rows + totals commit together).
 */
export async function signup(ctx: CollectorContext, input: SignupInput): Promise<SignupResult> {
  return registerEntry(ctx, await requireRunningContest(ctx, input.contestId), input);
}

/**
 * The signup rules for a contest already looked up. The REST API registers entries on a contest
 * in any status (imports, corrections) but passes `awardPoints: false` when it is not running:
 * the referral is recorded, the points are not.
 */
export async function registerEntry(
  ctx: CollectorContext,
  contest: Contest,
  input: Omit<SignupInput, 'contestId' | 'email'> & { email?: string | null },
  { awardPoints = true }: { awardPoints?: boolean } = {},
): Promise<SignupResult> {
  const email = input.email ? normalizeEmail(input.email) : null;
  const code = input.referralCode ? normalizeReferralCode(input.referralCode) : null;
  // The advocate and the email's existing entry, if any, in one look-up.
  const found = code || email ? await ctx.store.entries.findByCodeAndEmail(contest.id, code, email) : undefined;
  const advocate = found?.byCode;

  const isSelf =
    advocate &&
    ((email !== null && advocate.email !== null && normalizeEmail(advocate.email) === email) ||
      (!email && input.phone && advocate.phone === input.phone.trim()));
  if (advocate && isSelf) {
    return {
      entry: advocate,
      alreadyExists: true,
      isReferred: false,
      pointsAwarded: noPoints(),
      outcome: 'self_referral',
    };
  }
  const existing = email ? found?.byEmail : await findExistingEntry(ctx, contest.id, null, input.phone);
  if (existing) {
    return {
      entry: existing,
      alreadyExists: true,
      isReferred: existing.referredBy !== null,
      pointsAwarded: noPoints(),
      outcome: 'duplicate_email',
    };
  }

  const friend = await tryInsertEntry(ctx, contest, {
    email: input.email,
    name: input.name,
    phone: input.phone,
    referredBy: advocate?.id ?? null,
  });
  if (!friend) {
    // The same person signed up through another collector a moment ago: a repeat after all.
    const entry = (await findExistingEntry(ctx, contest.id, email, input.phone))!;
    return { entry, alreadyExists: true, isReferred: entry.referredBy !== null, pointsAwarded: noPoints(), outcome: 'duplicate_email' };
  }
  if (!advocate) {
    return {
      entry: friend,
      alreadyExists: false,
      isReferred: false,
      pointsAwarded: noPoints(),
      outcome: code ? 'unknown_code' : 'not_referred',
    };
  }
  await recordAttribution(
    ctx,
    { subjectId: friend.id, contestId: contest.id, advocateId: advocate.id, codeSource: input.codeSource ?? 'body', creditRule: 'code' },
    input.visitor,
    ctx.now(),
  );
  if (!awardPoints) {
    return { entry: friend, alreadyExists: false, isReferred: true, pointsAwarded: noPoints(), outcome: 'referred' };
  }
  const { advocatePoints, friendPoints } = contest.settings;
  const [friendAward, advocateAward = 0] = await ctx.store.ledger.awardAll(
    [
      { entry: friend, delta: friendPoints, reason: 'referral_friend', sourceId: friend.id },
      // A disqualified advocate keeps the referral link (the friend is still referred) but earns nothing.
      ...(advocate.disqualified ? [] : [{ entry: advocate, delta: advocatePoints, reason: 'referral_advocate' as const, sourceId: friend.id }]),
    ],
    ctx.now(),
  );
  return {
    entry: { ...friend, points: friendAward },
    alreadyExists: false,
    isReferred: true,
    pointsAwarded: { advocate: advocateAward, friend: friendAward },
    outcome: 'referred',
  };
}
