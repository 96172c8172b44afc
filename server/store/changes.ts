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
  private readonly entries = new Map<string, { version: number; until: number; value: T }>();
  constructor(
    private readonly changes: ChangeCounter,
    private readonly maxAgeMs: number,
    private readonly maxEntries = 100,
  ) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && hit.version === this.changes.version && hit.until > now) return hit.value;
    // The version before the read: a write committed while it runs makes the answer stale.
    const version = this.changes.version;
    const value = await compute();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { version, until: now + this.maxAgeMs, value });
    return value;
  }
}
