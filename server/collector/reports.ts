import { badRequest } from '../domain/errors.js';
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

const DAY_MS = 86_400_000;
/** The longest range /analytics/daily answers in one request. */
export const MAX_DAILY_RANGE_DAYS = 366;

export interface DailyPoint {
  /** YYYY-MM-DD, a UTC day. */
  date: string;
  visits: number;
  signups: number;
  referredSignups: number;
  purchases: number;
  /** Minor units per currency code; empty on a day without purchases. */
  revenue: Record<string, number>;
}

const dayOf = (date: string) => Date.parse(`${date}T00:00:00.000Z`) / DAY_MS;
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Visits, signups, referred signups, purchases and revenue per UTC day, from `from` to `to`
 * inclusive (YYYY-MM-DD; by default the 30 days ending today). Every day of the range is present,
 * zeros included, so a chart needs no gap-filling. Read from daily counters the database keeps
 * (see the migrations): one row per day whatever the traffic.
 */
export async function dailyAnalytics(
  ctx: CollectorContext,
  contestId: string,
  range: { from?: string; to?: string },
): Promise<DailyPoint[]> {
  const contest = await requireContest(ctx, contestId);
  const toDay = range.to === undefined ? Math.floor(ctx.now() / DAY_MS) : dayOf(range.to);
  const fromDay = range.from === undefined ? toDay - 29 : dayOf(range.from);
  if (fromDay > toDay) throw badRequest('from must not be after to');
  if (toDay - fromDay + 1 > MAX_DAILY_RANGE_DAYS) throw badRequest(`from..to must span at most ${MAX_DAILY_RANGE_DAYS} days`);
  const { days, revenue } = await ctx.store.contests.daily(contest.id, fromDay, toDay);
  const points: DailyPoint[] = [];
  for (let day = fromDay; day <= toDay; day++) {
    points.push({ date: dateOf(day), visits: 0, signups: 0, referredSignups: 0, purchases: 0, revenue: {} });
  }
  for (const row of days) {
    Object.assign(points[row.day - fromDay], {
      visits: row.visits,
      signups: row.signups,
      referredSignups: row.referredSignups,
      purchases: row.purchases,
    });
  }
  for (const row of revenue) points[row.day - fromDay].revenue[row.currency] = row.amountMinor;
  return points;
}
