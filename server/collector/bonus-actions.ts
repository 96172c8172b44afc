import { badRequest, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { BonusAction } from '../store/bonus-actions.js';
import { requireRunningContest, type CollectorContext } from './context.js';
import { requireEntry } from './entries-admin.js';

export interface BonusActionInput {
  action: string;
  description?: string | null;
  points: number;
}

/**
 * Makes the contest's bonus actions match `inputs` (keyed by `action`): new ones are created,
 * existing ones updated, missing ones archived — never deleted, so past completions stay valid.
 */
/** Refuses a list that names an action twice. Call before writing anything else. */
export function checkBonusActions(inputs: BonusActionInput[]): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.action)) throw badRequest(`bonusActions has the action "${input.action}" twice`);
    seen.add(input.action);
  }
}

export function configureBonusActions(ctx: CollectorContext, contestId: string, inputs: BonusActionInput[]): BonusAction[] {
  checkBonusActions(inputs);
  const now = ctx.now();
  const current = new Map(ctx.store.bonusActions.listForContest(contestId).map((a) => [a.action, a]));
  inputs.forEach((input, position) => {
    const existing = ctx.store.bonusActions.findByAction(contestId, input.action);
    const fields = { description: input.description ?? null, points: input.points, position };
    if (existing) ctx.store.bonusActions.update({ ...existing, ...fields });
    else ctx.store.bonusActions.insert({ id: newId('ba'), contestId, action: input.action, ...fields }, now);
    current.delete(input.action);
  });
  for (const stale of current.values()) ctx.store.bonusActions.archive(stale.id);
  return ctx.store.bonusActions.listForContest(contestId);
}

/** Completing is idempotent per (entry, action): the second call awards nothing. */
export function completeBonusAction(ctx: CollectorContext, entryId: string, bonusActionId: string) {
  const entry = requireEntry(ctx, entryId);
  const action = ctx.store.bonusActions.get(bonusActionId);
  if (!action || action.contestId !== entry.contestId) throw notFound('Bonus action not found');
  const previous = ctx.store.bonusActions.completion(entry.id, action.id);
  if (previous) {
    return { entryId, bonusActionId, pointsAwarded: 0, alreadyCompleted: true, totalPoints: entry.points };
  }
  if (action.archived) throw notFound('Bonus action not found');
  requireRunningContest(ctx, entry.contestId);
  const points = entry.disqualified ? 0 : action.points;
  const now = ctx.now();
  ctx.store.bonusActions.complete(entry.id, action, points, now);
  ctx.store.ledger.award(entry, points, 'bonus_action', action.id, now);
  return { entryId, bonusActionId, pointsAwarded: points, alreadyCompleted: false, totalPoints: entry.points + points };
}

export function bonusActionsForEntry(ctx: CollectorContext, entryId: string) {
  const entry = requireEntry(ctx, entryId);
  const actions = ctx.store.bonusActions.statusForEntry(entry.id, entry.contestId);
  const completed = actions.filter((a) => a.completed);
  return {
    entry,
    actions,
    completedCount: completed.length,
    totalCount: actions.length,
    pointsEarned: completed.reduce((sum, a) => sum + (a.pointsAwarded ?? 0), 0),
  };
}
