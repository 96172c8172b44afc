import { LRUCache } from 'lru-cache';

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
