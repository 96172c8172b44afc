import { normalizeEmail } from '../domain/email.js';
import type { FraudReason } from '../domain/fraud-settings.js';
import { newId, normalizeReferralCode } from '../domain/ids.js';
import type { CodeSource, ReferralFlag } from '../store/repositories.js';
import type { Contest, Entry } from '../store/types.js';
import { recordAttribution, type Visitor } from './attribution.js';
import { requireRunningContest, type CollectorContext } from './context.js';
import { findExistingEntry, tryInsertEntry } from './entries.js';
import { emit, pointsChangedAll } from './events.js';
import { deviceKeys, referralRisks, type SignupDevice } from './fraud-checks.js';

export interface SignupInput {
  contestId: string;
  email: string;
  name?: string | null;
  phone?: string | null;
  referralCode?: string | null;
  /** The browser's address and user agent, for the device checks (hashed, never stored). */
  device?: SignupDevice | null;
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
  | 'duplicate_email'
  /** A fraud check fired in `flag` mode: the entry exists, its referral's points wait for review. */
  | 'held'
  /** A fraud check fired in `block` mode: recorded as not referred, nothing earned. */
  | 'blocked';

export interface SignupResult {
  entry: Entry;
  alreadyExists: boolean;
  isReferred: boolean;
  pointsAwarded: { advocate: number; friend: number };
  outcome: SignupOutcome;
  /** The review-queue flag a held or blocked referral got (where a `referral.flagged` event belongs). */
  flag?: ReferralFlag;
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

  // Checked before the entry exists, so its own signals are not among what it is compared with.
  const keys = await deviceKeys(ctx, contest.id, input.device);
  const risks = advocate && awardPoints ? await referralRisks(ctx, contest, advocate, email, keys) : [];
  const friend = await tryInsertEntry(
    ctx,
    contest,
    { email: input.email, name: input.name, phone: input.phone, referredBy: risks.length === 0 ? advocate?.id ?? null : null },
    { advocateId: advocate?.id ?? null, keys },
  );
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
  if (risks.length > 0) return holdReferral(ctx, contest, friend, advocate, risks);
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
  const awards = [
    { entry: friend, delta: friendPoints, reason: 'referral_friend' as const, sourceId: friend.id },
    // A disqualified advocate keeps the referral link (the friend is still referred) but earns nothing.
    ...(advocate.disqualified ? [] : [{ entry: advocate, delta: advocatePoints, reason: 'referral_advocate' as const, sourceId: friend.id }]),
  ];
  const [friendAward, advocateAward = 0] = await ctx.store.ledger.awardAll(awards, ctx.now());
  await emit(ctx, [
    {
      type: 'referral.converted',
      contestId: contest.id,
      data: { entryId: friend.id, referrerEntryId: advocate.id, advocatePoints: advocateAward, friendPoints: friendAward },
    },
    ...pointsChangedAll(awards),
  ]);
  return {
    entry: { ...friend, points: friendAward },
    alreadyExists: false,
    isReferred: true,
    pointsAwarded: { advocate: advocateAward, friend: friendAward },
    outcome: 'referred',
  };
}

/**
 * A referral a fraud check fired on: the friend's entry exists but is not referred (yet), and a
 * flag records the reasons and the points it would have earned — held for review in `flag` mode,
 * never paid in `block` mode. The answer looks like any unreferred signup: it does not say which
 * check fired, or that one did.
 */
async function holdReferral(ctx: CollectorContext, contest: Contest, friend: Entry, advocate: Entry, reasons: FraudReason[]): Promise<SignupResult> {
  const blocked = contest.settings.fraud.mode === 'block';
  const flag: ReferralFlag = {
    id: newId('flag', ctx.now()),
    contestId: contest.id,
    friendEntryId: friend.id,
    advocateEntryId: advocate.id,
    reasons,
    status: blocked ? 'blocked' : 'pending',
    advocatePoints: contest.settings.advocatePoints,
    friendPoints: contest.settings.friendPoints,
    decisionReason: null,
    createdAt: ctx.now(),
    decidedAt: null,
  };
  await ctx.store.fraud.insertFlag(flag);
  // The operator's own systems hear of it (the public answer never says a check fired).
  await emit(ctx, [{
    type: 'referral.flagged',
    contestId: contest.id,
    data: { flagId: flag.id, entryId: friend.id, referrerEntryId: advocate.id, status: flag.status, reasons, pointsHeld: { advocate: flag.advocatePoints, friend: flag.friendPoints } },
  }]);
  return { entry: friend, alreadyExists: false, isReferred: false, pointsAwarded: noPoints(), outcome: blocked ? 'blocked' : 'held', flag };
}
