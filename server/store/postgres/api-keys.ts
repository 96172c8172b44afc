import { hashesMatch, hashSecret } from '../../domain/secrets.js';
import type { ApiKeyListing, ApiKeyRecord, ApiKeysRepo } from '../repositories.js';
import type { ApiKeyType } from '../types.js';
import type { ReadCaches } from './caches.js';
import { one, type Queryable } from './queryable.js';

/**
 * Every /api/v1 request presents a key: recent lookups are remembered by the key's hash (never the
 * key) in the shared caches, for at most CROSS_PROCESS_STALENESS_MS.
 */
export function createApiKeysRepo(q: Queryable, caches: ReadCaches): ApiKeysRepo {
  return {
    async insert(id: string, type: ApiKeyType, key: string, label: string | null, now: number, contestId: string | null = null): Promise<void> {
      await q.write({
        name: 'rr_api_keys_insert_scoped',
        text: `INSERT INTO api_keys (id, type, key_hash, key_prefix, label, created_at, contest_id)
          VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values: [id, type, hashSecret(key), key.slice(0, 12), label, now, contestId],
      });
    },
    list(): Promise<ApiKeyListing[]> {
      return q.rows<ApiKeyListing>({
        name: 'rr_api_keys_list_scoped',
        text: `SELECT id, type, key_prefix AS prefix, label, created_at AS "createdAt",
            revoked_at AS "revokedAt", contest_id AS "contestId"
          FROM api_keys ORDER BY created_at, id`,
        values: [],
      });
    },
    async revoke(idOrKey: string, now: number): Promise<boolean> {
      const changed = await q.write({
        name: 'rr_api_keys_revoke',
        text: `UPDATE api_keys SET revoked_at = $3
          WHERE (id = $1 OR key_hash = $2) AND revoked_at IS NULL`,
        values: [idOrKey, hashSecret(idOrKey), now],
      });
      // After the write, so a lookup running meanwhile cannot put the live key back.
      caches.apiKeys.clear();
      return changed > 0;
    },
    /** Looks the key up by its hash, then confirms the match in constant time. */
    async find(key: string): Promise<ApiKeyRecord | undefined> {
      const hash = hashSecret(key);
      let record = caches.apiKeys.get(hash);
      if (!record) {
        record = await one<ApiKeyRecord>(q, {
          name: 'rr_api_keys_by_hash_scoped',
          text: `SELECT id, type, key_hash AS "keyHash", contest_id AS "contestId" FROM api_keys
            WHERE key_hash = $1 AND revoked_at IS NULL`,
          values: [hash],
        });
        if (!record) return undefined;
        caches.apiKeys.set(hash, record);
      }
      return hashesMatch(hash, record.keyHash) ? record : undefined;
    },
  };
}
