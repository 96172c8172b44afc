import { isContestRunning } from '../domain/contest-rules.js';
import { badRequest, messages, notFound } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import type { Contest } from '../store/types.js';

/** What every collector step needs: the store and the clock (injected so tests pin time). */
export interface CollectorContext {
  store: Store;
  now: () => number;
}

export function requireContest(ctx: CollectorContext, contestId: string): Contest {
  const contest = ctx.store.contests.get(contestId);
  if (!contest) throw notFound(messages.contestNotFound);
  return contest;
}

/** Tracking calls are refused — and nothing is stored — unless the contest is running. */
export function requireRunningContest(ctx: CollectorContext, contestId: string): Contest {
  const contest = requireContest(ctx, contestId);
  if (!isContestRunning(contest, ctx.now())) throw badRequest(messages.contestNotActive);
  return contest;
}
