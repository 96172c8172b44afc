import { ApiError, notFound } from '../domain/errors.js';
import type { FlagStatus, ReferralFlag } from '../store/repositories.js';
import { requireContest, type CollectorContext } from './context.js';
import { requireEntry } from './entries-admin.js';
import { emit, pointsChangedAll } from './events.js';

export const flagNotFound = 'Flag not found';

/** A decision that contradicts the one already taken: 409, and nothing changes. */
const conflict = (message: string) => new ApiError(409, message);

export async function requireFlag(ctx: CollectorContext, flagId: string): Promise<ReferralFlag> {
  const flag = await ctx.store.fraud.getFlag(flagId);
  if (!flag) throw notFound(flagNotFound);
  return flag;
}

/** The review queue: a contest's flags in one status, oldest first, with the entries they name. */
export async function listFlags(
  ctx: CollectorContext,
  contestId: string,
  { status, page, limit }: { status: FlagStatus; page: number; limit: number },
) {
  await requireContest(ctx, contestId);
  const { rows, total } = await ctx.store.fraud.listFlags(contestId, status, limit, (page - 1) * limit);
  const flags = [];
  for (const flag of rows) {
    flags.push({
      flag,
      entry: await ctx.store.entries.get(flag.friendEntryId),
      advocate: await ctx.store.entries.get(flag.advocateEntryId),
    });
  }
  return { flags, total };
}

/**
 * Releases a pending flag's held points: the referral is recorded (the friend's referrer set) and
 * the held amounts become ledger rows, in this one transaction. Approving an approved flag changes
 * nothing (idempotent); a rejected or blocked one answers 409. Concurrent approvals, from this
 * collector or another, decide the flag once: only the transaction whose conditional UPDATE moved
 * it from pending writes the ledger rows (and the ledger's once-per-cause key would refuse more).
 */
export async function approveFlag(ctx: CollectorContext, flagId: string): Promise<ReferralFlag> {
  const flag = await requireFlag(ctx, flagId);
  if (flag.status === 'approved') return flag;
  if (flag.status !== 'pending') throw conflict(`Flag is ${flag.status}; only a pending flag can be approved`);
  const now = ctx.now();
  if (!(await ctx.store.fraud.decideFlag(flagId, 'approved', null, now))) return settledAs(ctx, flagId, 'approved');
  const friend = await requireEntry(ctx, flag.friendEntryId);
  const advocate = await requireEntry(ctx, flag.advocateEntryId);
  await ctx.store.entries.setReferrer(friend.id, advocate.id);
  const note = `released: flag ${flag.id} approved`;
  const awards = [
    { entry: friend, delta: flag.friendPoints, reason: 'referral_friend' as const, sourceId: friend.id, note },
    // As at signup: a disqualified advocate keeps the referral but earns nothing.
    ...(advocate.disqualified ? [] : [{ entry: advocate, delta: flag.advocatePoints, reason: 'referral_advocate' as const, sourceId: friend.id, note }]),
  ];
  const [friendAward, advocateAward = 0] = await ctx.store.ledger.awardAll(awards, now);
  // The referral converts now, as it would have at signup without the flag.
  await emit(ctx, [
    {
      type: 'referral.converted',
      contestId: flag.contestId,
      data: { entryId: friend.id, referrerEntryId: advocate.id, advocatePoints: advocateAward, friendPoints: friendAward, flagId: flag.id },
    },
    ...pointsChangedAll(awards),
  ]);
  return requireFlag(ctx, flagId);
}

/** Drops a pending flag's held points for good. Rejecting a rejected flag changes nothing. */
export async function rejectFlag(ctx: CollectorContext, flagId: string, reason: string): Promise<ReferralFlag> {
  const flag = await requireFlag(ctx, flagId);
  if (flag.status === 'rejected') return flag;
  if (flag.status !== 'pending') throw conflict(`Flag is ${flag.status}; only a pending flag can be rejected`);
  if (!(await ctx.store.fraud.decideFlag(flagId, 'rejected', reason, ctx.now()))) return settledAs(ctx, flagId, 'rejected');
  return requireFlag(ctx, flagId);
}

/** Another transaction decided the flag between our read and our update: same decision → as is. */
async function settledAs(ctx: CollectorContext, flagId: string, wanted: 'approved' | 'rejected'): Promise<ReferralFlag> {
  const flag = await requireFlag(ctx, flagId);
  if (flag.status !== wanted) throw conflict(`Flag is ${flag.status}; only a pending flag can be ${wanted}`);
  return flag;
}

export interface LedgerLine {
  /** released: a ledger row (counted in points); held / rejected / blocked: a flag's points (not counted). */
  status: 'released' | 'held' | 'rejected' | 'blocked';
  delta: number;
  reason: string;
  sourceId: string | null;
  note: string | null;
  flagId: string | null;
  flagReasons: string[];
  createdAt: number;
}

/**
 * An entry's points, explained: its ledger rows (released points: they add up to its points) and,
 * from its flags, the points held, rejected or blocked for it, with the checks that fired.
 */
export async function entryLedger(ctx: CollectorContext, entryId: string): Promise<{ points: number; lines: LedgerLine[] }> {
  const entry = await requireEntry(ctx, entryId);
  const lines: LedgerLine[] = (await ctx.store.ledger.forEntry(entryId)).map((row) => ({
    status: 'released',
    delta: row.delta,
    reason: row.reason,
    sourceId: row.sourceId,
    note: row.note,
    flagId: row.note?.startsWith('released: flag ') ? row.note.split(' ')[2] : null,
    flagReasons: [],
    createdAt: row.createdAt,
  }));
  for (const flag of await ctx.store.fraud.flagsForEntry(entryId)) {
    const asAdvocate = flag.advocateEntryId === entryId;
    const delta = asAdvocate ? flag.advocatePoints : flag.friendPoints;
    if (flag.status === 'approved') {
      for (const line of lines) if (line.flagId === flag.id) line.flagReasons = flag.reasons;
      continue;
    }
    if (delta === 0) continue;
    lines.push({
      status: flag.status === 'pending' ? 'held' : flag.status,
      delta,
      reason: asAdvocate ? 'referral_advocate' : 'referral_friend',
      sourceId: flag.friendEntryId,
      note: flag.decisionReason,
      flagId: flag.id,
      flagReasons: flag.reasons,
      createdAt: flag.createdAt,
    });
  }
  return { points: entry.points, lines };
}
