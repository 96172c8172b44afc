import { isContestRunning } from '../domain/contest-rules.js';
import { badRequest, messages, notFound } from '../domain/errors.js';
import type { Repositories } from '../store/repositories.js';
import type { Contest } from '../store/types.js';
import type { PendingEvent } from './events.js';

/**
 * What every collector step needs: the repositories (the store's for reads, a transaction's for
 * writes) and the clock (injected so tests pin time). Steps never know which engine runs.
 */
export interface CollectorContext {
  store: Repositories;
  now: () => number;
  /**
   * Outbound events a write operation emitted, written to the outbox together when it ends (one
   * statement instead of one per rule step); without it, emit() writes at once.
   */
  outbox?: PendingEvent[];
}

export async function requireContest(ctx: CollectorContext, contestId: string): Promise<Contest> {
  const contest = await ctx.store.contests.get(contestId);
  if (!contest) throw notFound(messages.contestNotFound);
  return contest;
}

/** Tracking calls are refused — and nothing is stored — unless the contest is running. */
export async function requireRunningContest(ctx: CollectorContext, contestId: string): Promise<Contest> {
  const contest = await requireContest(ctx, contestId);
  if (!isContestRunning(contest, ctx.now())) throw badRequest(messages.contestNotActive);
  return contest;
}
