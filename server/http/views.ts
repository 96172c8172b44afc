import type { Contest, Entry } from '../store/types.js';

/**
 * The wire shapes of stored records, field for field as the hosted service documents them.
 * Imports no zod: the write thread builds contest views too, and zod's code would add ~5 MB to its
 * heap.
 */

/** ISO 8601 timestamp with milliseconds, as the hosted service emits them. */
export const toIso = (ms: number) => new Date(ms).toISOString();
export const toIsoOrNull = (ms: number | null) => (ms === null ? null : toIso(ms));

export function contestView(contest: Contest, entriesCount: number) {
  return {
    id: contest.id,
    title: contest.title,
    description: contest.description,
    status: contest.status,
    startDate: toIsoOrNull(contest.startDate),
    endDate: toIsoOrNull(contest.endDate),
    isEvergreen: contest.isEvergreen,
    mode: contest.mode,
    slug: contest.slug,
    entriesCount,
  };
}

export function entryView(entry: Entry) {
  return {
    id: entry.id,
    email: entry.email,
    name: entry.name,
    phone: entry.phone,
    points: entry.points,
    emailConfirmed: entry.emailConfirmed,
    disqualified: entry.disqualified,
    referralCode: entry.referralCode,
    createdAt: toIso(entry.createdAt),
  };
}

export function entryDetailView(entry: Entry) {
  return { ...entryView(entry), referralsCount: entry.referralsCount, referredBy: entry.referredBy };
}

export function leaderboardRowView(entry: Entry, rank: number) {
  return {
    rank,
    id: entry.id,
    email: entry.email,
    name: entry.name,
    points: entry.points,
    referralCode: entry.referralCode,
    referralsCount: entry.referralsCount,
    joinedAt: toIso(entry.createdAt),
  };
}
