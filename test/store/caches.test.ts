import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../../server/store/postgres/caches.js';

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

});
