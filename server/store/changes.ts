import { ExpiringMap } from './expiring-map.js';

/**
 * A counter bumped by every write that can change a ranking (entries, ledger, contest settings).
 * Cached reads remember the version they were computed at and are reused only while it is
 * unchanged — and for at most a short time, so writes by another process are seen too.
 */
export class ChangeCounter {
  version = 0;
  bump(): void {
    this.version++;
  }
}

export class VersionedCache<T> {
  private readonly entries: ExpiringMap<{ version: number; value: T }>;
  /** `now`: the clock the answers' ages are read on (tests pin it). */
  constructor(
    private readonly changes: ChangeCounter,
    maxAgeMs: number,
    maxEntries = 100,
    now: () => number = Date.now,
  ) {
    this.entries = new ExpiringMap(maxAgeMs, maxEntries, now);
  }

  /** Reads being computed, by key: callers that miss together share one read. */
  private readonly pending = new Map<string, { version: number; value: Promise<T> }>();

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.version === this.changes.version) return hit.value;
    // The version before the read: a write committed while it runs makes the answer stale.
    const version = this.changes.version;
    // When an entry expires under load, every poller misses at once; on PostgreSQL each miss is
    // a query, and 50 of them queued behind the pool (a 470 ms p99 on the leaderboard).
    const inFlight = this.pending.get(key);
    if (inFlight && inFlight.version === version) return inFlight.value;
    const value = compute();
    this.pending.set(key, { version, value });
    try {
      const result = await value;
      this.entries.set(key, { version, value: result });
      return result;
    } finally {
      if (this.pending.get(key)?.value === value) this.pending.delete(key);
    }
  }
}
