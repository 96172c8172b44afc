import { isContestRunning } from '../domain/contest-rules.js';
import { maskEmail } from '../domain/email.js';
import { messages, notFound } from '../domain/errors.js';
import { newSecret } from '../domain/ids.js';
import { hashSecret } from '../domain/secrets.js';
import type { Contest, Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';
import { entryForHubToken, hubPath } from './hub.js';
import { signup, type SignupInput, type SignupOutcome } from './signup.js';

/**
 * The participant pages' rules: the public contest page (/c/:contestId), its join form, the
 * participant's private page (/c/:contestId/me/:token) and the embeddable leaderboard. Anyone can
 * open these, so what they show is limited to the contest, the visitor's own entry (through its
 * private token only) and names or masked emails of the ranked.
 */

/** The most ranks the public leaderboard shows. */
export const MAX_PUBLIC_RANKS = 100;

/**
 * A contest whose pages may be shown: it exists, is not a draft, and its operator has not turned
 * the pages off. Anything else is a 404, so a switched-off contest looks like no contest.
 */
export async function publicContest(ctx: CollectorContext, contestId: string): Promise<Contest> {
  const contest = await ctx.store.contests.get(contestId);
  if (!contest || contest.status === 'draft' || !contest.settings.publicPages) throw notFound(messages.contestNotFound);
  return contest;
}

export interface ContestPage {
  contest: Contest;
  running: boolean;
  bonusActions: { action: string; description: string | null; points: number }[];
}

export async function contestPage(ctx: CollectorContext, contestId: string): Promise<ContestPage> {
  const contest = await publicContest(ctx, contestId);
  const bonusActions = (await ctx.store.bonusActions.listForContest(contest.id))
    .map(({ action, description, points }) => ({ action, description, points }));
  return { contest, running: isContestRunning(contest, ctx.now()), bonusActions };
}

/** The form's fields, and the browser's address and agent for the fraud checks and the attribution. */
export type JoinInput = Pick<SignupInput, 'contestId' | 'email' | 'name' | 'referralCode' | 'device' | 'visitor'>;

/**
 * What the join form learns. A new entry gets the token of its private page. An email that
 * already has an entry gets nothing about it — no code, no points, no token — because whoever
 * typed the email may not own it: its owner comes back through their private link.
 */
export type JoinResult =
  | { status: 'joined'; entryId: string; contestId: string; token: string; outcome: SignupOutcome }
  | { status: 'already_joined' };

/**
 * Joins through track-signup's rules (a running contest, one entry per email, points to the
 * referrer once) and, for a new entry, makes its private-page token in the same transaction.
 */
export async function joinContest(ctx: CollectorContext, input: JoinInput): Promise<JoinResult> {
  const contest = await publicContest(ctx, input.contestId);
  // signup() itself, not a copy: whatever track-signup checks, the join form checks too.
  const result = await signup(ctx, { ...input, contestId: contest.id });
  if (result.alreadyExists) return { status: 'already_joined' };
  const token = newSecret('', 24);
  await ctx.store.hubTokens.insert(hashSecret(token), result.entry, ctx.now());
  return { status: 'joined', entryId: result.entry.id, contestId: contest.id, token, outcome: result.outcome };
}

export interface ParticipantView {
  page: ContestPage;
  entry: Pick<Entry, 'name' | 'referralCode' | 'points' | 'referralsCount' | 'disqualified'>;
  /** undefined when the leaderboard leaves the entry out (disqualified, unconfirmed). */
  rank: number | undefined;
  bonusActions: { action: string; description: string | null; points: number; completed: boolean }[];
}

/** The private page's content: the entry its token opens, or a 404 (unknown, revoked, other contest). */
export async function participantView(ctx: CollectorContext, contestId: string, token: string): Promise<ParticipantView> {
  const page = await contestPage(ctx, contestId);
  const entry = await entryForHubToken(ctx, page.contest.id, token);
  if (!entry) throw notFound('Page not found');
  const [rank, actions] = await Promise.all([
    ctx.store.entries.rankOf(entry, page.contest.settings.requireEmailConfirmation),
    ctx.store.bonusActions.statusForEntry(entry.id, entry.contestId),
  ]);
  return {
    page,
    entry: {
      name: entry.name,
      referralCode: entry.referralCode,
      points: entry.points,
      referralsCount: entry.referralsCount,
      disqualified: entry.disqualified,
    },
    rank,
    bonusActions: actions.map((a) => ({ action: a.action, description: a.description, points: a.points, completed: a.completed })),
  };
}

/**
 * The participant's personal link: the operator's marketing page (settings.referralUrl, where the
 * script records the visit) with ?ref=CODE, or the contest page itself.
 */
export function referralLink(contest: Contest, code: string, origin: string): string {
  const base = contest.settings.referralUrl ?? `${origin}/c/${encodeURIComponent(contest.id)}`;
  const url = new URL(base);
  url.searchParams.set('ref', code);
  return url.href;
}

export const privatePageUrl = (origin: string, contestId: string, token: string) => `${origin}${hubPath(contestId, token)}`;

export interface PublicRank {
  rank: number;
  /** The entrant's name, or their masked email (j•••@example.com) when they gave none. */
  displayName: string;
  points: number;
  referrals: number;
}

/** The top `limit` ranks by the published tie-break rule, showing no one's full email. */
export async function publicLeaderboard(ctx: CollectorContext, contestId: string, limit: number): Promise<{ contest: Contest; ranks: PublicRank[] }> {
  const contest = await publicContest(ctx, contestId);
  const entries = await ctx.store.entries.leaderboard(contest.id, Math.min(limit, MAX_PUBLIC_RANKS), contest.settings.requireEmailConfirmation);
  const ranks = entries.map((entry, index) => ({
    rank: index + 1,
    displayName: entry.name?.trim() || (entry.email ? maskEmail(entry.email) : 'Anonymous'),
    points: entry.points,
    referrals: entry.referralsCount,
  }));
  return { contest, ranks };
}
