import { emit, pointsChanged } from './events.js';
import { badRequest, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { BonusAction } from '../store/repositories.js';
import { requireRunningContest, type CollectorContext } from './context.js';
import { requireEntry } from './entries-admin.js';

export interface BonusActionInput {
  action: string;
  description?: string | null;
  points: number;
}

/** Refuses a list that names an action twice. Call before writing anything else. */
export function checkBonusActions(inputs: BonusActionInput[]): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.action)) throw badRequest(`bonusActions has the action "${input.action}" twice`);
    seen.add(input.action);
  }
}

/**
 * Makes the contest's bonus actions match `inputs` (keyed by `action`): new ones are created,
 * existing ones updated, missing ones archived — never deleted, so past completions stay valid.
 */
export async function configureBonusActions(
  ctx: CollectorContext,
  contestId: string,
  inputs: BonusActionInput[],
): Promise<BonusAction[]> {
  checkBonusActions(inputs);
  const now = ctx.now();
  const current = new Map((await ctx.store.bonusActions.listForContest(contestId)).map((a) => [a.action, a]));
  for (const [position, input] of inputs.entries()) {
    const existing = await ctx.store.bonusActions.findByAction(contestId, input.action);
    const fields = { description: input.description ?? null, points: input.points, position };
    if (existing) await ctx.store.bonusActions.update({ ...existing, ...fields });
    else await ctx.store.bonusActions.insert({ id: newId('ba'), contestId, action: input.action, ...fields }, now);
    current.delete(input.action);
  }
  for (const stale of current.values()) await ctx.store.bonusActions.archive(stale.id);
  return ctx.store.bonusActions.listForContest(contestId);
}

/** Completing is idempotent per (entry, action): the second call awards nothing. */
export async function completeBonusAction(ctx: CollectorContext, entryId: string, bonusActionId: string) {
  const entry = await requireEntry(ctx, entryId);
  const action = await ctx.store.bonusActions.get(bonusActionId);
  if (!action || action.contestId !== entry.contestId) throw notFound('Bonus action not found');
  const previous = await ctx.store.bonusActions.completion(entry.id, action.id);
  if (previous) {
    return { entryId, bonusActionId, pointsAwarded: 0, alreadyCompleted: true, totalPoints: entry.points };
  }
  if (action.archived) throw notFound('Bonus action not found');
  await requireRunningContest(ctx, entry.contestId);
  const points = entry.disqualified ? 0 : action.points;
  const now = ctx.now();
  await ctx.store.bonusActions.complete(entry.id, action, points, now);
  await ctx.store.ledger.award(entry, points, 'bonus_action', action.id, now);
  if (points !== 0) await emit(ctx, [pointsChanged(entry, points, 'bonus_action', action.id)]);
  return { entryId, bonusActionId, pointsAwarded: points, alreadyCompleted: false, totalPoints: entry.points + points };
}

export async function bonusActionsForEntry(ctx: CollectorContext, entryId: string) {
  const entry = await requireEntry(ctx, entryId);
  const actions = await ctx.store.bonusActions.statusForEntry(entry.id, entry.contestId);
  const completed = actions.filter((a) => a.completed);
  return {
    entry,
    actions,
    completedCount: completed.length,
    totalCount: actions.length,
    pointsEarned: completed.reduce((sum, a) => sum + (a.pointsAwarded ?? 0), 0),
  };
}
