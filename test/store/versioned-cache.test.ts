import { describe, expect, it } from 'vitest';
import { ChangeCounter, VersionedCache } from '../../server/store/changes.js';

describe('VersionedCache (cached leaderboard answers)', () => {
  it('callers that miss together share one read; a change afterwards makes the next caller read again', async () => {
    const changes = new ChangeCounter();
    const cache = new VersionedCache<string>(changes, 10_000);
    let reads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const read = async () => {
      reads++;
      await gate;
      return `answer ${reads}`;
    };
    const answers = Promise.all(Array.from({ length: 50 }, () => cache.get('top100', read)));
    release();
    expect(new Set(await answers)).toEqual(new Set(['answer 1']));
    expect(reads).toBe(1);
    expect(await cache.get('top100', read)).toBe('answer 1');
    changes.bump();
    expect(await cache.get('top100', read)).toBe('answer 2');
    expect(reads).toBe(2);
  });
});
