import type { Db } from '../../db/sqlite/open-database.js';
import { hashesMatch, hashSecret } from '../../domain/secrets.js';
import { ExpiringMap } from '../expiring-map.js';
import { CROSS_PROCESS_STALENESS_MS, type ApiKeyListing, type ApiKeyRecord, type ApiKeysRepo } from '../repositories.js';
import type { ApiKeyType } from '../types.js';

/**
 * Every /api/v1 request presents a key: remember recent lookups (by the key's hash, never the key)
 * briefly instead of querying each time. A key revoked elsewhere stops working within
 * CROSS_PROCESS_STALENESS_MS; one revoked here, at once.
 */
const CACHE_MAX = 1_000;

export function createApiKeysRepo(db: Db, now: () => number = Date.now): ApiKeysRepo & { forgetCached(): void } {
  const cache = new ExpiringMap<ApiKeyRecord>(CROSS_PROCESS_STALENESS_MS, CACHE_MAX, now);
  const insert = db.prepare(`INSERT INTO api_keys (id, type, key_hash, key_prefix, label, created_at,
      contest_id) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const byHash = db.prepare<[string], ApiKeyRecord>(`SELECT id, type, key_hash AS keyHash,
      contest_id AS contestId FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`);
  const all = db.prepare<[], ApiKeyListing>(`SELECT id, type, key_prefix AS prefix, label,
      created_at AS createdAt, revoked_at AS revokedAt, contest_id AS contestId FROM api_keys ORDER BY created_at, id`);
  const revoke = db.prepare(`UPDATE api_keys SET revoked_at = @now
    WHERE (id = @ref OR key_hash = @hash) AND revoked_at IS NULL`);

  return {
    async insert(id: string, type: ApiKeyType, key: string, label: string | null, now: number, contestId: string | null = null): Promise<void> {
      insert.run(id, type, hashSecret(key), key.slice(0, 12), label, now, contestId);
    },
    forgetCached(): void {
      cache.clear();
    },
    async list(): Promise<ApiKeyListing[]> {
      return all.all();
    },
    async revoke(idOrKey: string, now: number): Promise<boolean> {
      cache.clear();
      return revoke.run({ ref: idOrKey, hash: hashSecret(idOrKey), now }).changes > 0;
    },
    // Looked up by its hash, then the match confirmed in constant time.
    async find(key: string): Promise<ApiKeyRecord | undefined> {
      const hash = hashSecret(key);
      let record = cache.get(hash);
      if (!record) {
        record = byHash.get(hash);
        if (!record) return undefined;
        cache.set(hash, record);
      }
      return hashesMatch(hash, record.keyHash) ? record : undefined;
    },
  };
}
