import type { IdempotencyRecord, IdempotencyRepo } from '../repositories.js';
import { one, type Queryable } from './queryable.js';

interface IdempotencyRow {
  key_hash: string;
  fingerprint: string;
  created_at: string;
  status_code: number | null;
  response: string | null;
}

const toRecord = (row: IdempotencyRow): IdempotencyRecord => ({
  keyHash: row.key_hash,
  fingerprint: row.fingerprint,
  createdAt: Number(row.created_at),
  statusCode: row.status_code,
  response: row.response,
});

export function createIdempotencyRepo(q: Queryable): IdempotencyRepo {
  return {
    async find(keyHash) {
      const row = await one<IdempotencyRow>(q, {
        name: 'rr_idempotency_find',
        text: 'SELECT * FROM idempotency_keys WHERE key_hash = $1',
        values: [keyHash],
      });
      return row && toRecord(row);
    },
    async insert(keyHash, fingerprint, now) {
      const inserted = await q.write({
        name: 'rr_idempotency_insert',
        text: `INSERT INTO idempotency_keys (key_hash, fingerprint, created_at) VALUES ($1, $2, $3)
          ON CONFLICT (key_hash) DO NOTHING`,
        values: [keyHash, fingerprint, now],
      });
      return inserted === 1;
    },
    async complete(keyHash, statusCode, response) {
      await q.write({
        name: 'rr_idempotency_complete',
        text: 'UPDATE idempotency_keys SET status_code = $1, response = $2 WHERE key_hash = $3',
        values: [statusCode, response, keyHash],
      });
    },
    async remove(keyHash) {
      await q.write({ name: 'rr_idempotency_remove', text: 'DELETE FROM idempotency_keys WHERE key_hash = $1', values: [keyHash] });
    },
    async purge(before) {
      return q.write({ name: 'rr_idempotency_purge', text: 'DELETE FROM idempotency_keys WHERE created_at < $1', values: [before] });
    },
  };
}
