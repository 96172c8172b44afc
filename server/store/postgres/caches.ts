import { CROSS_PROCESS_STALENESS_MS, type ApiKeyRecord } from '../repositories.js';
import type { Contest } from '../types.js';

/** A map whose entries expire, bounded by clearing it when full (entries are cheap to re-read). */
export class ExpiringMap<V> {
  private readonly map = new Map<string, { value: V; until: number }>();
  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.until > Date.now()) return hit.value;
    this.map.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, { value, until: Date.now() + this.maxAgeMs });
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
