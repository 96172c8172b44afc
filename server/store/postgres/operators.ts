import type { AuditRecord, Operator, OperatorsRepo } from '../repositories.js';
import { one, type Queryable } from './queryable.js';

const OPERATOR = 'id, email, password_hash AS "passwordHash", created_at AS "createdAt"';
const AUDIT = `id, operator_email AS "operatorEmail", action, contest_id AS "contestId", entry_id AS "entryId",
  detail, created_at AS "createdAt"`;

export function createOperatorsRepo(q: Queryable): OperatorsRepo {
  return {
    async insert(operator) {
      const text = `INSERT INTO operators (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (email) DO NOTHING`;
      const values = [operator.id, operator.email, operator.passwordHash, operator.createdAt];
      return (await q.write({ name: 'rr_operators_insert', text, values })) > 0;
    },
    async findByEmail(email) {
      const text = `SELECT ${OPERATOR} FROM operators WHERE email = $1`;
      return one<Operator>(q, { name: 'rr_operators_by_email', text, values: [email] });
    },
    async list() {
      const text = 'SELECT id, email, created_at AS "createdAt" FROM operators ORDER BY email';
      return q.rows({ name: 'rr_operators_list', text, values: [] });
    },
    async delete(email) {
      return (await q.write({ name: 'rr_operators_delete', text: 'DELETE FROM operators WHERE email = $1', values: [email] })) > 0;
    },
    async insertSession(tokenHash, operatorId, now) {
      const text = `INSERT INTO operator_sessions (token_hash, operator_id, created_at, last_seen_at)
        VALUES ($1, $2, $3, $3)`;
      await q.write({ name: 'rr_sessions_insert', text, values: [tokenHash, operatorId, now] });
    },
    async session(tokenHash) {
      const text = `SELECT s.operator_id AS "operatorId", o.email, s.last_seen_at AS "lastSeenAt"
        FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = $1`;
      return one(q, { name: 'rr_sessions_get', text, values: [tokenHash] });
    },
    async touchSession(tokenHash, now) {
      const text = 'UPDATE operator_sessions SET last_seen_at = $1 WHERE token_hash = $2';
      await q.write({ name: 'rr_sessions_touch', text, values: [now, tokenHash] });
    },
    async deleteSession(tokenHash) {
      const text = 'DELETE FROM operator_sessions WHERE token_hash = $1';
      await q.write({ name: 'rr_sessions_delete', text, values: [tokenHash] });
    },
    async appendAudit(r) {
      const text = `INSERT INTO audit_log (operator_email, action, contest_id, entry_id, detail, created_at)
        VALUES ($1, $2, $3, $4, $5, $6)`;
      await q.write({ name: 'rr_audit_append', text, values: [r.operatorEmail, r.action, r.contestId, r.entryId, r.detail, r.createdAt] });
    },
    async audit({ contestId, before, limit }) {
      const text = `SELECT ${AUDIT} FROM audit_log
        WHERE ($1::text IS NULL OR contest_id = $1) AND id < $2 ORDER BY id DESC LIMIT $3`;
      return q.rows<AuditRecord>({ name: 'rr_audit_list', text, values: [contestId ?? null, before ?? Number.MAX_SAFE_INTEGER, limit] });
    },
  };
}
