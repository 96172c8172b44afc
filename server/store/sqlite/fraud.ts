import type { Db } from '../../db/sqlite/open-database.js';
import type { EntrySignals, FlagStatus, FraudRepo, ReferralFlag, SignalAnswer, SignalQuery } from '../repositories.js';
import { toReferralFlag, type ReferralFlagRow } from '../rows.js';

/** Signup signals and referral flags (see migration 7). Every statement prepared once. */
export function createFraudRepo(db: Db): FraudRepo {
  const insertSignals = db.prepare(`INSERT OR IGNORE INTO entry_signals (entry_id, contest_id,
      advocate_id, identity_key, visitor_key, network_key, created_at)
    VALUES (@entryId, @contestId, @advocateId, @identityKey, @visitorKey, @networkKey, @createdAt)`);
  const updateIdentity = db.prepare('UPDATE entry_signals SET identity_key = ? WHERE entry_id = ?');
  const eraseSignals = db.prepare('DELETE FROM entry_signals WHERE entry_id = ?');
  // One statement: every check's question about one signup.
  const signals = db.prepare<Record<string, unknown>, SignalAnswer>(`SELECT
      (SELECT entry_id FROM entry_signals
        WHERE contest_id = @contestId AND identity_key = @identityKey
        ORDER BY entry_id = @advocateId DESC LIMIT 1) AS identityEntryId,
      (SELECT visitor_key FROM entry_signals WHERE entry_id = @advocateId) AS advocateVisitorKey,
      (SELECT count(*) FROM entry_signals
        WHERE advocate_id = @advocateId AND created_at >= @velocitySince
          AND (visitor_key = @visitorKey OR network_key = @networkKey)) AS recentFromSameSource,
      (SELECT max(created_at) FROM visits
        WHERE visitor_key = @visitorKey AND entry_id = @advocateId) AS lastVisitAt`);
  const insertFlag = db.prepare(`INSERT INTO referral_flags (id, contest_id, friend_entry_id,
      advocate_entry_id, reasons, status, advocate_points, friend_points, decision_reason,
      created_at, decided_at)
    VALUES (@id, @contest_id, @friend_entry_id, @advocate_entry_id, @reasons, @status,
      @advocate_points, @friend_points, @decision_reason, @created_at, @decided_at)`);
  const getFlag = db.prepare<[string], ReferralFlagRow>('SELECT * FROM referral_flags WHERE id = ?');
  const decide = db.prepare(`UPDATE referral_flags SET status = ?, decision_reason = ?, decided_at = ?
    WHERE id = ? AND status = 'pending'`);
  const listFlags = db.prepare<[string, string, number, number], ReferralFlagRow>(`SELECT * FROM referral_flags
    WHERE contest_id = ? AND status = ? ORDER BY created_at, id LIMIT ? OFFSET ?`);
  const countFlags = db.prepare<[string, string], number>(
    'SELECT count(*) FROM referral_flags WHERE contest_id = ? AND status = ?',
  ).pluck();
  const flagsForEntry = db.prepare<[string, string], ReferralFlagRow>(`SELECT * FROM referral_flags
    WHERE friend_entry_id = ? UNION ALL SELECT * FROM referral_flags WHERE advocate_entry_id = ?
    ORDER BY created_at, id`);

  return {
    async recordSignals(s: EntrySignals) {
      insertSignals.run(s);
    },
    async updateIdentity(entryId, identityKey) {
      updateIdentity.run(identityKey, entryId);
    },
    async eraseSignals(entryId) {
      eraseSignals.run(entryId);
    },
    async signals(query: SignalQuery): Promise<SignalAnswer> {
      return signals.get({ ...query })!;
    },
    async insertFlag(flag: ReferralFlag) {
      insertFlag.run(flagParams(flag));
    },
    async getFlag(id) {
      const row = getFlag.get(id);
      return row && toReferralFlag(row);
    },
    async decideFlag(id, status, reason, now) {
      return decide.run(status, reason, now, id).changes === 1;
    },
    async listFlags(contestId: string, status: FlagStatus, limit: number, offset: number) {
      return {
        rows: listFlags.all(contestId, status, limit, offset).map(toReferralFlag),
        total: countFlags.get(contestId, status)!,
      };
    },
    async flagsForEntry(entryId) {
      return flagsForEntry.all(entryId, entryId).map(toReferralFlag);
    },
  };
}

export const flagParams = (flag: ReferralFlag) => ({
  id: flag.id,
  contest_id: flag.contestId,
  friend_entry_id: flag.friendEntryId,
  advocate_entry_id: flag.advocateEntryId,
  reasons: flag.reasons.join(','),
  status: flag.status,
  advocate_points: flag.advocatePoints,
  friend_points: flag.friendPoints,
  decision_reason: flag.decisionReason,
  created_at: flag.createdAt,
  decided_at: flag.decidedAt,
});
