import type { EntrySignals, FlagStatus, FraudRepo, ReferralFlag, SignalAnswer, SignalQuery } from '../repositories.js';
import { toReferralFlag, type ReferralFlagRow } from '../rows.js';
import { one, type Queryable } from './queryable.js';

const FLAG_COLUMNS = `id, contest_id, friend_entry_id, advocate_entry_id, reasons, status,
  advocate_points, friend_points, decision_reason, created_at, decided_at`;

/** Signup signals and referral flags (see migration 5). Named statements, one round trip each. */
export function createFraudRepo(q: Queryable): FraudRepo {
  return {
    async recordSignals(s: EntrySignals) {
      await q.write({
        name: 'rr_signals_insert',
        text: `INSERT INTO entry_signals (entry_id, contest_id, advocate_id, identity_key,
            visitor_key, network_key, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (entry_id) DO NOTHING`,
        values: [s.entryId, s.contestId, s.advocateId, s.identityKey, s.visitorKey, s.networkKey, s.createdAt],
      });
    },
    async updateIdentity(entryId, identityKey) {
      await q.write({
        name: 'rr_signals_identity',
        text: 'UPDATE entry_signals SET identity_key = $2 WHERE entry_id = $1',
        values: [entryId, identityKey],
      });
    },
    async eraseSignals(entryId) {
      await q.write({ name: 'rr_signals_erase', text: 'DELETE FROM entry_signals WHERE entry_id = $1', values: [entryId] });
    },
    // One statement (one round trip): every check's question about one signup.
    async signals(query: SignalQuery): Promise<SignalAnswer> {
      const row = await one<SignalAnswer>(q, {
        name: 'rr_signals_check',
        text: `SELECT
            (SELECT entry_id FROM entry_signals
              WHERE contest_id = $1 AND identity_key = $3
              ORDER BY entry_id = $2 DESC LIMIT 1) AS "identityEntryId",
            (SELECT visitor_key FROM entry_signals WHERE entry_id = $2) AS "advocateVisitorKey",
            (SELECT count(*) FROM entry_signals
              WHERE advocate_id = $2 AND created_at >= $6
                AND (visitor_key = $4 OR network_key = $5)) AS "recentFromSameSource",
            (SELECT max(created_at) FROM visits
              WHERE visitor_key = $4 AND entry_id = $2) AS "lastVisitAt"`,
        values: [query.contestId, query.advocateId, query.identityKey, query.visitorKey, query.networkKey, query.velocitySince],
      });
      return row!;
    },
    async insertFlag(flag: ReferralFlag) {
      await q.write({
        name: 'rr_flags_insert',
        text: `INSERT INTO referral_flags (${FLAG_COLUMNS})
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        values: [flag.id, flag.contestId, flag.friendEntryId, flag.advocateEntryId, flag.reasons.join(','),
          flag.status, flag.advocatePoints, flag.friendPoints, flag.decisionReason, flag.createdAt, flag.decidedAt],
      });
    },
    async getFlag(id) {
      const row = await one<ReferralFlagRow>(q, {
        name: 'rr_flags_get',
        text: `SELECT ${FLAG_COLUMNS} FROM referral_flags WHERE id = $1`,
        values: [id],
      });
      return row && toReferralFlag(row);
    },
    async decideFlag(id, status, reason, now) {
      const changed = await q.write({
        name: 'rr_flags_decide',
        text: `UPDATE referral_flags SET status = $2, decision_reason = $3, decided_at = $4
          WHERE id = $1 AND status = 'pending'`,
        values: [id, status, reason, now],
      });
      return changed === 1;
    },
    async listFlags(contestId: string, status: FlagStatus, limit: number, offset: number) {
      const rows = await q.rows<ReferralFlagRow & { total: number }>({
        name: 'rr_flags_list',
        text: `SELECT ${FLAG_COLUMNS}, count(*) OVER () AS total FROM referral_flags
          WHERE contest_id = $1 AND status = $2 ORDER BY created_at, id LIMIT $3 OFFSET $4`,
        values: [contestId, status, limit, offset],
      });
      if (rows.length === 0 && offset > 0) {
        const count = await one<{ total: number }>(q, {
          name: 'rr_flags_count',
          text: 'SELECT count(*) AS total FROM referral_flags WHERE contest_id = $1 AND status = $2',
          values: [contestId, status],
        });
        return { rows: [], total: count?.total ?? 0 };
      }
      return { rows: rows.map(toReferralFlag), total: rows[0]?.total ?? 0 };
    },
    async flagsForEntry(entryId) {
      const rows = await q.rows<ReferralFlagRow>({
        name: 'rr_flags_for_entry',
        text: `SELECT ${FLAG_COLUMNS} FROM referral_flags WHERE friend_entry_id = $1
          UNION ALL SELECT ${FLAG_COLUMNS} FROM referral_flags WHERE advocate_entry_id = $1
          ORDER BY created_at, id`,
        values: [entryId],
      });
      return rows.map(toReferralFlag);
    },
  };
}
