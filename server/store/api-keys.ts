import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/open-database.js';
import type { ApiKeyType } from './types.js';

/** API keys are 192-bit random tokens, so one SHA-256 is enough to store them safely. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of two hex hashes. */
function hashesMatch(presentedHash: string, storedHash: string): boolean {
  const presented = Buffer.from(presentedHash, 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  return hashesMatch(hashSecret(secret), storedHash);
}

export interface ApiKeyRecord {
  id: string;
  type: ApiKeyType;
  keyHash: string;
}

/**
 * Every /api/v1 request presents a key: remember recent lookups (by the key's hash, never the key)
 * briefly instead of querying each time. A revoked key stops working within CACHE_MS.
 */
const CACHE_MS = 10_000;
const CACHE_MAX = 1_000;

export interface ApiKeyListing {
  id: string;
  type: ApiKeyType;
  /** The first characters of the key, to recognise it by; the key itself is not stored. */
  prefix: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export function createApiKeysRepo(db: Db) {
  const cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  const insert = db.prepare(`INSERT INTO api_keys (id, type, key_hash, key_prefix, label, created_at)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const byHash = db.prepare<[string], ApiKeyRecord>(`SELECT id, type, key_hash AS keyHash
    FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`);
  const all = db.prepare<[], ApiKeyListing>(`SELECT id, type, key_prefix AS prefix, label,
      created_at AS createdAt, revoked_at AS revokedAt FROM api_keys ORDER BY created_at, id`);
  const revoke = db.prepare(`UPDATE api_keys SET revoked_at = @now
    WHERE (id = @ref OR key_hash = @hash) AND revoked_at IS NULL`);

  return {
    insert(id: string, type: ApiKeyType, key: string, label: string | null, now: number): void {
      insert.run(id, type, hashSecret(key), key.slice(0, 12), label, now);
    },
    list(): ApiKeyListing[] {
      return all.all();
    },
    /** Revokes by key id (`key_…`) or by the key itself; true when a live key was revoked. */
    revoke(idOrKey: string, now: number): boolean {
      cache.clear();
      return revoke.run({ ref: idOrKey, hash: hashSecret(idOrKey), now }).changes > 0;
    },
    /** Looks the key up by its hash, then confirms the match in constant time. */
    find(key: string): ApiKeyRecord | undefined {
      const hash = hashSecret(key);
      let cached = cache.get(hash);
      if (!cached || cached.until <= Date.now()) {
        const record = byHash.get(hash);
        if (!record) return undefined;
        if (cache.size >= CACHE_MAX) cache.clear();
        cached = { record, until: Date.now() + CACHE_MS };
        cache.set(hash, cached);
      }
      return hashesMatch(hash, cached.record.keyHash) ? cached.record : undefined;
    },
  };
}

export type ApiKeysRepo = ReturnType<typeof createApiKeysRepo>;
