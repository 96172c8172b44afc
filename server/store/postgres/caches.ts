import { CROSS_PROCESS_STALENESS_MS, type ApiKeyRecord } from '../repositories.js';
import { ExpiringMap } from '../expiring-map.js';
import type { Contest } from '../types.js';

/**
 * Reads remembered in memory, shared by the store's repositories and those of its transactions,
 * so a change made through either drops the entry for both. Another collector's changes are seen
 * once an entry expires (CROSS_PROCESS_STALENESS_MS); codes and salts never change once written.
 */
export class ReadCaches {
  readonly contests: ExpiringMap<Contest>;
  /** By the key's hash, never the key. */
  readonly apiKeys: ExpiringMap<ApiKeyRecord>;
  /**
   * `contestId \0 code` → entry id. Visits, the busiest write, need nothing else; 10,000 codes
   * hold about 1.5 MB.
   */
  readonly idByCode: ExpiringMap<string>;
  salt: { day: string; salt: string } | undefined;

  /** `now`: the clock the entries' ages are read on (tests pin it). */
  constructor(now: () => number = Date.now) {
    this.contests = new ExpiringMap<Contest>(CROSS_PROCESS_STALENESS_MS, 10_000, now);
    this.apiKeys = new ExpiringMap<ApiKeyRecord>(CROSS_PROCESS_STALENESS_MS, 1_000, now);
    this.idByCode = new ExpiringMap<string>(Number.POSITIVE_INFINITY, 10_000, now);
  }

  clear(): void {
    this.contests.clear();
    this.apiKeys.clear();
    this.idByCode.clear();
    this.salt = undefined;
  }
}
