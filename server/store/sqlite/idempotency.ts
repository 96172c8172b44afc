import type { Db } from '../../db/sqlite/open-database.js';
import type { IdempotencyRecord, IdempotencyRepo } from '../repositories.js';

interface IdempotencyRow {
  key_hash: string;
  fingerprint: string;
  created_at: number;
  status_code: number | null;
  response: string | null;
}

const toRecord = (row: IdempotencyRow): IdempotencyRecord => ({
  keyHash: row.key_hash,
  fingerprint: row.fingerprint,
  createdAt: row.created_at,
  statusCode: row.status_code,
  response: row.response,
});

export function createIdempotencyRepo(db: Db): IdempotencyRepo {
  const find = db.prepare<[string], IdempotencyRow>('SELECT * FROM idempotency_keys WHERE key_hash = ?');
  const insert = db.prepare(`INSERT INTO idempotency_keys (key_hash, fingerprint, created_at)
    VALUES (?, ?, ?) ON CONFLICT (key_hash) DO NOTHING`);
  const complete = db.prepare('UPDATE idempotency_keys SET status_code = ?, response = ? WHERE key_hash = ?');
  const remove = db.prepare('DELETE FROM idempotency_keys WHERE key_hash = ?');
  const purge = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  return {
    async find(keyHash) {
      const row = find.get(keyHash);
      return row && toRecord(row);
    },
    async insert(keyHash, fingerprint, now) {
      return insert.run(keyHash, fingerprint, now).changes === 1;
    },
    async complete(keyHash, statusCode, response) {
      complete.run(statusCode, response, keyHash);
    },
    async remove(keyHash) {
      remove.run(keyHash);
    },
    async purge(before) {
      return purge.run(before).changes;
    },
  };
}
