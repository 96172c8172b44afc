import { LRUCache } from 'lru-cache';
import { CROSS_PROCESS_STALENESS_MS, type ApiKeyRecord } from '../repositories.js';
import type { Contest } from '../types.js';

/**
 * A map whose entries expire, bounded by evicting the least recently used (lru-cache). `now` is
 * the clock the ages are measured on (injectable for tests; the store runs on the real one).
 */
export class ExpiringMap<V extends {}> {
  private readonly map: LRUCache<string, V>;
  constructor(maxAgeMs: number, maxEntries: number, now: () => number = Date.now) {
    this.map = new LRUCache<string, V>({
      max: maxEntries,
      // 0 = entries never expire (codes never change once given).
      ttl: Number.isFinite(maxAgeMs) ? maxAgeMs : 0,
      // The clock ages are read from; ttlResolution 0 reads it on every get.
      perf: { now },
      ttlResolution: 0,
    });
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}

/**
 * Reads remembered in memory, shared by the store's repositories and those of its transactions,
 * so a change made through either drops the entry for both. Another collector's changes are seen
 * once an entry expires (CROSS_PROCESS_STALENESS_MS); codes and salts never change once written.
 */
export class ReadCaches {
  readonly contests = new ExpiringMap<Contest>(CROSS_PROCESS_STALENESS_MS, 10_000);
  /** By the key's hash, never the key. */
  readonly apiKeys = new ExpiringMap<ApiKeyRecord>(CROSS_PROCESS_STALENESS_MS, 1_000);
  /**
   * `contestId \0 code` → entry id. Visits, the busiest write, need nothing else; 10,000 codes
   * hold about 1.5 MB.
   */
  readonly idByCode = new ExpiringMap<string>(Number.POSITIVE_INFINITY, 10_000);
  salt: { day: string; salt: string } | undefined;

  clear(): void {
    this.contests.clear();
    this.apiKeys.clear();
    this.idByCode.clear();
    this.salt = undefined;
  }
}
