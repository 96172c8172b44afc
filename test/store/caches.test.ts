import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ChangeCounter, VersionedCache } from '../../server/store/changes.js';
import { ExpiringMap } from '../../server/store/expiring-map.js';
import { openStore } from '../../server/store/open-store.js';
import { CROSS_PROCESS_STALENESS_MS, type Store } from '../../server/store/repositories.js';
import { acquirePooledDatabase } from '../helpers/postgres.js';
import { ENGINES, T0 } from '../helpers/test-app.js';

describe('read caches (lru-cache, on an injected clock)', () => {
  it('ExpiringMap: entries expire on the clock given, and the least recently used goes first', () => {
    let now = 1_000;
    const map = new ExpiringMap<string>(500, 2, () => now);
    map.set('a', 'A');
    map.set('b', 'B');
    expect(map.get('a')).toBe('A'); // a is now more recent than b
    map.set('c', 'C');
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual(['A', undefined, 'C']);
    now += 501;
    expect(map.get('a')).toBeUndefined();
    const forever = new ExpiringMap<string>(Number.POSITIVE_INFINITY, 10, () => now);
    forever.set('code', 'entry');
    now += 10 ** 9;
    expect(forever.get('code')).toBe('entry');
  });

  it('VersionedCache: an answer is read again once it is older than its age on the clock given, and the least recently used goes first', async () => {
    let now = T0;
    let reads = 0;
    const cache = new VersionedCache<string>(new ChangeCounter(), 500, 2, () => now);
    const read = (key: string) => async () => `${key} ${++reads}`;
    expect(await cache.get('a', read('a'))).toBe('a 1');
    now += 499;
    expect(await cache.get('a', read('a'))).toBe('a 1');
    now += 2;
    expect(await cache.get('a', read('a'))).toBe('a 2');
    await cache.get('b', read('b')); // b 3
    await cache.get('a', read('a')); // a hit: b is now the least recently used
    await cache.get('c', read('c')); // c 4 evicts b
    expect(await cache.get('a', read('a'))).toBe('a 2');
    expect(await cache.get('b', read('b'))).toBe('b 5');
  });
});

/** Two stores on one database, as two collectors (or a collector and the CLI) would have. */
async function twoStores(engine: (typeof ENGINES)[number], now: () => number): Promise<{ stores: [Store, Store]; done(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'refrocket-caches-'));
    const file = join(dir, 'two.db');
    const stores: [Store, Store] = [await openStore(file, { now }), await openStore(file, { now })];
    return { stores, async done() { await Promise.all(stores.map((s) => s.close())); rmSync(dir, { recursive: true, force: true }); } };
  }
  const database = await acquirePooledDatabase(inject('pgUrl'));
  const stores: [Store, Store] = [await openStore(database.url, { now }), await openStore(database.url, { now })];
  return { stores, async done() { await Promise.all(stores.map((s) => s.close())); database.release(); } };
}

for (const engine of ENGINES) {
  describe(`on ${engine}: the store's caches age on the clock it is given`, () => {
    let done: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await done?.();
      done = undefined;
    });

    it('a key revoked by another process stops working once the cached lookup is older than CROSS_PROCESS_STALENESS_MS', async () => {
      let now = T0;
      const opened = await twoStores(engine, () => now);
      done = opened.done;
      const [collector, cli] = opened.stores;
      await cli.transaction((tx) => tx.apiKeys.insert('key_1', 'private', 'sk_live_cachetest_0123456789', null, now));
      expect((await collector.apiKeys.find('sk_live_cachetest_0123456789'))?.id).toBe('key_1');
      await cli.transaction((tx) => tx.apiKeys.revoke('key_1', now));
      // Still remembered: the pinned clock has not moved.
      expect((await collector.apiKeys.find('sk_live_cachetest_0123456789'))?.id).toBe('key_1');
      now += CROSS_PROCESS_STALENESS_MS + 1;
      expect(await collector.apiKeys.find('sk_live_cachetest_0123456789')).toBeUndefined();
    });
  });
}
