import { badRequest } from '../domain/errors.js';
import { mergeFraudSettings, type FraudSettingsPatch } from '../domain/fraud-settings.js';
import { newContestId, newSecret } from '../domain/ids.js';
import { contestView } from '../http/views.js';
import { hashSecret, secretMatchesHash } from '../domain/secrets.js';
import {
  defaultContestSettings,
  type Contest,
  type ContestMode,
  type ContestSettings,
  type ContestStatus,
} from '../store/types.js';
import { requireContest, type CollectorContext } from './context.js';

export interface ContestInput {
  id?: string;
  title: string;
  slug?: string;
  description?: string | null;
  status?: ContestStatus;
  mode?: ContestMode;
  startDate?: number | null;
  endDate?: number | null;
  isEvergreen?: boolean;
  settings?: Partial<Omit<ContestSettings, 'fraud'>> & { fraud?: FraudSettingsPatch };
}

export const newWebhookSecret = () => newSecret('whsec_');

export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug || 'contest';
}

async function uniqueSlug(ctx: CollectorContext, base: string, ownId?: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const holder = await ctx.store.contests.getBySlug(candidate);
    if (!holder || holder.id === ownId) return candidate;
  }
}

function checkDates(startDate: number | null, endDate: number | null) {
  if (startDate !== null && endDate !== null && endDate < startDate) {
    throw badRequest('endDate must not be before startDate');
  }
}

/**
 * Creates a contest with a fresh webhook secret, returned once in clear (only its hash is kept).
 * New contests are active and evergreen unless told otherwise, so a quick start works at once.
 */
export async function createContest(
  ctx: CollectorContext,
  input: ContestInput,
): Promise<{ contest: Contest; webhookSecret: string }> {
  const id = input.id ?? newContestId(ctx.now());
  if (await ctx.store.contests.get(id)) throw badRequest(`id ${id} is already used by another contest`);
  if (input.slug && (await ctx.store.contests.getBySlug(input.slug))) {
    throw badRequest(`slug ${input.slug} is already used by another contest`);
  }
  const startDate = input.startDate ?? null;
  const endDate = input.endDate ?? null;
  checkDates(startDate, endDate);
  const webhookSecret = newWebhookSecret();
  const slug = input.slug ?? (await uniqueSlug(ctx, slugify(input.title)));
  const contest = await ctx.store.contests.insert(
    {
      id,
      title: input.title,
      slug,
      description: input.description ?? null,
      status: input.status ?? 'active',
      mode: input.mode ?? 'leaderboard',
      startDate,
      endDate,
      isEvergreen: input.isEvergreen ?? (startDate === null && endDate === null),
      settings: {
        ...defaultContestSettings,
        ...input.settings,
        fraud: mergeFraudSettings(defaultContestSettings.fraud, input.settings?.fraud),
      },
      webhookSecretHash: hashSecret(webhookSecret),
    },
    ctx.now(),
  );
  return { contest, webhookSecret };
}

export async function updateContest(
  ctx: CollectorContext,
  id: string,
  patch: Partial<Omit<ContestInput, 'id'>>,
): Promise<Contest> {
  const current = await requireContest(ctx, id);
  if (patch.slug && patch.slug !== current.slug && (await ctx.store.contests.getBySlug(patch.slug))) {
    throw badRequest(`slug ${patch.slug} is already used by another contest`);
  }
  const next: Contest = {
    ...current,
    title: patch.title ?? current.title,
    slug: patch.slug ?? current.slug,
    description: patch.description !== undefined ? patch.description : current.description,
    status: patch.status ?? current.status,
    mode: patch.mode ?? current.mode,
    startDate: patch.startDate !== undefined ? patch.startDate : current.startDate,
    endDate: patch.endDate !== undefined ? patch.endDate : current.endDate,
    isEvergreen: patch.isEvergreen ?? current.isEvergreen,
    settings: {
      ...current.settings,
      ...patch.settings,
      fraud: mergeFraudSettings(current.settings.fraud, patch.settings?.fraud),
    },
  };
  checkDates(next.startDate, next.endDate);
  return ctx.store.contests.update(next, ctx.now());
}

/** Every contest, newest first, with its entry count. */
export async function listContests(ctx: CollectorContext) {
  return (await ctx.store.contests.list()).map((c) => contestView(c, c.entriesCount));
}

/** Whether `secret` is the contest's webhook secret, compared in constant time against its hash. */
export async function checkWebhookSecret(
  ctx: CollectorContext,
  contestId: string,
  secret: string | null,
): Promise<'ok' | 'unknown_contest' | 'wrong_secret'> {
  const storedHash = await ctx.store.contests.webhookSecretHash(contestId);
  if (!storedHash) return 'unknown_contest';
  return secret !== null && secretMatchesHash(secret, storedHash) ? 'ok' : 'wrong_secret';
}

/** Replaces the contest's webhook secret; the old one stops working at once. */
export async function rotateWebhookSecret(ctx: CollectorContext, id: string): Promise<string> {
  await requireContest(ctx, id);
  const secret = newWebhookSecret();
  await ctx.store.contests.setWebhookSecretHash(id, hashSecret(secret), ctx.now());
  return secret;
}

/** A contest as GET /contests/:id shows it, with its bonus actions. */
export async function contestDetail(ctx: CollectorContext, contest: Contest) {
  const stats = (await ctx.store.contests.stats(contest.id))!;
  const bonusActions = (await ctx.store.bonusActions.listForContest(contest.id))
    .map(({ id, action, description, points }) => ({ id, action, description, points }));
  return { ...contestView(contest, stats.entriesCount), settings: { ...contest.settings }, stripeConnected: contest.stripeConnected, bonusActions };
}

/** Connects (or, with null, disconnects) Stripe: the signing secret is stored, never shown again. */
export async function setStripeWebhookSecret(ctx: CollectorContext, id: string, secret: string | null) {
  await requireContest(ctx, id);
  await ctx.store.contests.setStripeWebhookSecret(id, secret, ctx.now());
  return contestDetail(ctx, await requireContest(ctx, id));
}
