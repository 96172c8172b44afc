import type { Db } from '../db/open-database.js';
import { createApiKeysRepo } from './api-keys.js';
import { createBonusActionsRepo } from './bonus-actions.js';
import { ChangeCounter } from './changes.js';
import { createContestsRepo } from './contests.js';
import { createEntriesRepo } from './entries.js';
import { createLedgerRepo } from './ledger.js';
import { createPurchasesRepo } from './purchases.js';
import { createVisitsRepo } from './visits.js';

/**
 * Every SQL statement the collector runs, prepared once here when the store is created. The
 * repositories are plain data access; the rules (who earns what) live in server/collector/.
 */
export function createStore(db: Db) {
  const changes = new ChangeCounter();
  const contests = createContestsRepo(db, changes);
  const entries = createEntriesRepo(db, changes);
  const ping = db.prepare('SELECT 1').pluck();
  return {
    db,
    /** Bumped by every write that can change a ranking; see VersionedCache. */
    changes,
    contests,
    entries,
    ledger: createLedgerRepo(db, changes),
    purchases: createPurchasesRepo(db),
    visits: createVisitsRepo(db),
    apiKeys: createApiKeysRepo(db),
    bonusActions: createBonusActionsRepo(db),
    /** Runs fn in one synchronous transaction (a savepoint when already inside one). */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    /**
     * Drops cached reads after a write was rolled back: a cache filled inside the failed
     * transaction may hold rows the database no longer has.
     */
    forgetCachedReads(): void {
      contests.forgetCached();
      entries.forgetCached();
      changes.bump();
    },
    isReachable(): boolean {
      return ping.get() === 1;
    },
  };
}

export type Store = ReturnType<typeof createStore>;
