import type { Db } from '../../db/sqlite/open-database.js';
import type { AuditRecord, Operator, OperatorsRepo } from '../repositories.js';

const OPERATOR = 'id, email, password_hash AS passwordHash, created_at AS createdAt';
const AUDIT = `id, operator_email AS operatorEmail, action, contest_id AS contestId, entry_id AS entryId,
  detail, created_at AS createdAt`;

export function createOperatorsRepo(db: Db): OperatorsRepo {
  const insert = db.prepare(`INSERT INTO operators (id, email, password_hash, created_at)
    VALUES (@id, @email, @passwordHash, @createdAt) ON CONFLICT (email) DO NOTHING`);
  const byEmail = db.prepare<[string], Operator>(`SELECT ${OPERATOR} FROM operators WHERE email = ?`);
  const all = db.prepare<[], Operator>('SELECT id, email, created_at AS createdAt FROM operators ORDER BY email');
  const remove = db.prepare('DELETE FROM operators WHERE email = ?');
  const insertSession = db.prepare(`INSERT INTO operator_sessions (token_hash, operator_id, created_at, last_seen_at)
    VALUES (?, ?, ?, ?)`);
  const session = db.prepare<[string], { operatorId: string; email: string; lastSeenAt: number }>(`SELECT
      s.operator_id AS operatorId, o.email, s.last_seen_at AS lastSeenAt
    FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = ?`);
  const touch = db.prepare('UPDATE operator_sessions SET last_seen_at = ? WHERE token_hash = ?');
  const deleteSession = db.prepare('DELETE FROM operator_sessions WHERE token_hash = ?');
  const appendAudit = db.prepare(`INSERT INTO audit_log (operator_email, action, contest_id, entry_id, detail, created_at)
    VALUES (@operatorEmail, @action, @contestId, @entryId, @detail, @createdAt)`);
  const audit = db.prepare<[{ contest: string | null; before: number; limit: number }], AuditRecord>(`SELECT ${AUDIT}
    FROM audit_log WHERE (@contest IS NULL OR contest_id = @contest) AND id < @before ORDER BY id DESC LIMIT @limit`);
  return {
    async insert(operator) {
      return insert.run(operator).changes > 0;
    },
    async findByEmail(email) {
      return byEmail.get(email);
    },
    async list() {
      return all.all();
    },
    async delete(email) {
      return remove.run(email).changes > 0;
    },
    async insertSession(tokenHash, operatorId, now) {
      insertSession.run(tokenHash, operatorId, now, now);
    },
    async session(tokenHash) {
      return session.get(tokenHash);
    },
    async touchSession(tokenHash, now) {
      touch.run(now, tokenHash);
    },
    async deleteSession(tokenHash) {
      deleteSession.run(tokenHash);
    },
    async appendAudit(record) {
      appendAudit.run(record);
    },
    async audit({ contestId, before, limit }) {
      return audit.all({ contest: contestId ?? null, before: before ?? Number.MAX_SAFE_INTEGER, limit });
    },
  };
}
