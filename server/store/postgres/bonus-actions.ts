import type { BonusAction, BonusActionsRepo, BonusActionStatus } from '../repositories.js';
import { one, type Queryable } from './queryable.js';

const ACTION_COLUMNS = `id, contest_id AS "contestId", action, description, points, position`;

export function createBonusActionsRepo(q: Queryable): BonusActionsRepo {
  return {
    async insert(action: BonusAction, now: number): Promise<void> {
      await q.write({
        name: 'rr_bonus_insert',
        text: `INSERT INTO bonus_actions (id, contest_id, action, description, points, position, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values: [action.id, action.contestId, action.action, action.description, action.points,
          action.position, now],
      });
    },
    async update(action: BonusAction): Promise<void> {
      await q.write({
        name: 'rr_bonus_update',
        text: `UPDATE bonus_actions SET description = $2, points = $3, position = $4, archived = 0
          WHERE id = $1`,
        values: [action.id, action.description, action.points, action.position],
      });
    },
    async archive(id: string): Promise<void> {
      await q.write({ name: 'rr_bonus_archive', text: 'UPDATE bonus_actions SET archived = 1 WHERE id = $1', values: [id] });
    },
    listForContest(contestId: string): Promise<BonusAction[]> {
      return q.rows<BonusAction>({
        name: 'rr_bonus_for_contest',
        text: `SELECT ${ACTION_COLUMNS} FROM bonus_actions
          WHERE contest_id = $1 AND archived = 0 ORDER BY position, created_at, id`,
        values: [contestId],
      });
    },
    async get(id: string): Promise<(BonusAction & { archived: boolean }) | undefined> {
      const row = await one<BonusAction & { archived: number }>(q, {
        name: 'rr_bonus_by_id',
        text: `SELECT ${ACTION_COLUMNS}, archived FROM bonus_actions WHERE id = $1`,
        values: [id],
      });
      return row && { ...row, archived: row.archived === 1 };
    },
    findByAction(contestId: string, action: string): Promise<BonusAction | undefined> {
      return one<BonusAction>(q, {
        name: 'rr_bonus_by_action',
        text: `SELECT ${ACTION_COLUMNS} FROM bonus_actions WHERE contest_id = $1 AND action = $2`,
        values: [contestId, action],
      });
    },
    async statusForEntry(entryId: string, contestId: string): Promise<BonusActionStatus[]> {
      const rows = await q.rows<BonusAction & { completed_at: number | null; points_awarded: number | null }>({
        name: 'rr_bonus_status',
        text: `SELECT b.id, b.contest_id AS "contestId", b.action, b.description, b.points, b.position,
            c.completed_at, c.points_awarded
          FROM bonus_actions b
          LEFT JOIN bonus_completions c ON c.bonus_action_id = b.id AND c.entry_id = $1
          WHERE b.contest_id = $2 AND (b.archived = 0 OR c.completed_at IS NOT NULL)
          ORDER BY b.position, b.created_at, b.id`,
        values: [entryId, contestId],
      });
      return rows.map(({ completed_at, points_awarded, ...action }) => ({
        ...action,
        completed: completed_at !== null,
        completedAt: completed_at,
        pointsAwarded: points_awarded,
      }));
    },
    completion(entryId: string, bonusActionId: string) {
      return one<{ completedAt: number; pointsAwarded: number }>(q, {
        name: 'rr_bonus_completion',
        text: `SELECT completed_at AS "completedAt", points_awarded AS "pointsAwarded"
          FROM bonus_completions WHERE entry_id = $1 AND bonus_action_id = $2`,
        values: [entryId, bonusActionId],
      });
    },
    async complete(entryId: string, action: BonusAction, points: number, now: number): Promise<void> {
      await q.write({
        name: 'rr_bonus_complete',
        text: `INSERT INTO bonus_completions (entry_id, bonus_action_id, contest_id, points_awarded, completed_at)
          VALUES ($1, $2, $3, $4, $5)`,
        values: [entryId, action.id, action.contestId, points, now],
      });
    },
  };
}
