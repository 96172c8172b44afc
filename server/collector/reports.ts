import type { CollectorContext } from './context.js';
import { requireContest } from './context.js';

/**
 * Leaderboard: points desc, then earlier joinedAt, then id; non-disqualified entries, and only
 * confirmed ones when the contest requires email confirmation. Ranks are positions 1..n.
 */
export async function leaderboard(ctx: CollectorContext, contestId: string, limit: number) {
  const contest = await requireContest(ctx, contestId);
  return ctx.store.entries.leaderboard(contest.id, limit, contest.settings.requireEmailConfirmation);
}

/** Analytics from counters the database keeps current (see the migrations), so nothing is scanned. */
export async function analytics(ctx: CollectorContext, contestId: string) {
  const contest = await requireContest(ctx, contestId);
  const stats = (await ctx.store.contests.stats(contest.id))!;
  const average = stats.entriesCount === 0 ? 0 : Math.round((stats.pointsTotal / stats.entriesCount) * 10) / 10;
  return {
    totalEntries: stats.entriesCount,
    confirmedEntries: stats.confirmedCount,
    disqualifiedEntries: stats.disqualifiedCount,
    totalViews: stats.viewsCount,
    totalBonusCompletions: stats.bonusCompletionsCount,
    points: {
      total: stats.pointsTotal,
      average,
      highest: stats.highestPoints,
    },
  };
}
