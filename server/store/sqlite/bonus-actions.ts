import type { Db } from '../../db/sqlite/open-database.js';
import type { BonusAction, BonusActionsRepo, BonusActionStatus } from '../repositories.js';

export function createBonusActionsRepo(db: Db): BonusActionsRepo {
  const insert = db.prepare(`INSERT INTO bonus_actions (id, contest_id, action, description, points,
      position, created_at) VALUES (@id, @contestId, @action, @description, @points, @position, @now)`);
  const update = db.prepare(`UPDATE bonus_actions SET description = @description, points = @points,
      position = @position, archived = 0 WHERE id = @id`);
  const archive = db.prepare('UPDATE bonus_actions SET archived = 1 WHERE id = ?');
  const forContest = db.prepare<[string], BonusAction>(`SELECT id, contest_id AS contestId, action,
      description, points, position FROM bonus_actions
    WHERE contest_id = ? AND archived = 0 ORDER BY position, created_at, id`);
  const byId = db.prepare<[string], BonusAction & { archived: number }>(`SELECT id,
      contest_id AS contestId, action, description, points, position, archived
    FROM bonus_actions WHERE id = ?`);
  const byAction = db.prepare<[string, string], BonusAction>(`SELECT id, contest_id AS contestId,
      action, description, points, position FROM bonus_actions WHERE contest_id = ? AND action = ?`);
  const statusForEntry = db.prepare<[string, string], BonusAction & {
    completed_at: number | null;
    points_awarded: number | null;
  }>(`SELECT b.id, b.contest_id AS contestId, b.action, b.description, b.points, b.position,
      c.completed_at, c.points_awarded
    FROM bonus_actions b
    LEFT JOIN bonus_completions c ON c.bonus_action_id = b.id AND c.entry_id = ?
    WHERE b.contest_id = ? AND (b.archived = 0 OR c.completed_at IS NOT NULL)
    ORDER BY b.position, b.created_at, b.id`);
  const completion = db.prepare<[string, string], { completed_at: number; points_awarded: number }>(
    'SELECT completed_at, points_awarded FROM bonus_completions WHERE entry_id = ? AND bonus_action_id = ?',
  );
  const complete = db.prepare(`INSERT INTO bonus_completions
      (entry_id, bonus_action_id, contest_id, points_awarded, completed_at) VALUES (?, ?, ?, ?, ?)`);

  return {
    async insert(action: BonusAction, now: number): Promise<void> {
      insert.run({ ...action, now });
    },
    async update(action: BonusAction): Promise<void> {
      update.run(action);
    },
    async archive(id: string): Promise<void> {
      archive.run(id);
    },
    async listForContest(contestId: string): Promise<BonusAction[]> {
      return forContest.all(contestId);
    },
    async get(id: string): Promise<(BonusAction & { archived: boolean }) | undefined> {
      const row = byId.get(id);
      return row && { ...row, archived: row.archived === 1 };
    },
    async findByAction(contestId: string, action: string): Promise<BonusAction | undefined> {
      return byAction.get(contestId, action);
    },
    async statusForEntry(entryId: string, contestId: string): Promise<BonusActionStatus[]> {
      return statusForEntry.all(entryId, contestId).map(({ completed_at, points_awarded, ...a }) => ({
        ...a,
        completed: completed_at !== null,
        completedAt: completed_at,
        pointsAwarded: points_awarded,
      }));
    },
    async completion(entryId: string, bonusActionId: string) {
      const row = completion.get(entryId, bonusActionId);
      return row && { completedAt: row.completed_at, pointsAwarded: row.points_awarded };
    },
    async complete(entryId: string, action: BonusAction, points: number, now: number): Promise<void> {
      complete.run(entryId, action.id, action.contestId, points, now);
    },
  };
}
