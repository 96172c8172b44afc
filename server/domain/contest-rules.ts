import type { Contest } from '../store/types.js';

/** Tracking is accepted only while a contest is active and, unless evergreen, within its dates. */
export function isContestRunning(contest: Contest, now: number): boolean {
  if (contest.status !== 'active') return false;
  if (contest.isEvergreen) return true;
  if (contest.startDate !== null && now < contest.startDate) return false;
  if (contest.endDate !== null && now > contest.endDate) return false;
  return true;
}
