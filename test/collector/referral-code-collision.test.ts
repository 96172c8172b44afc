import { describe, expect, it, vi } from 'vitest';
import { forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';

// The generator is random, so a collision is forced: the first code drawn for a new entry is one
// an existing entry already has. A signup must then draw again, never reuse or fail with a 500.
const drawn = vi.hoisted(() => ({ queue: [] as string[] }));
vi.mock('../../server/domain/ids.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../server/domain/ids.js')>();
  return { ...real, newReferralCode: () => drawn.queue.shift() ?? real.newReferralCode() };
});

forEachEngine((engine) => describe('generated referral codes', () => {
  const t = useTestApp({ engine });

  it('a generated code that is already taken is drawn again', async () => {
    const { id: contestId } = await t().contest({ id: 'clx1abc123' });
    const jane = await t().entry(contestId, { email: 'jane@example.com', referralCode: 'REF-TAKEN1' });
    drawn.queue.push('REF-TAKEN1', 'REF-TAKEN1', 'REF-FRESH2');

    const res = await postJson(t().app, '/api/referral/track-signup', { contestId, email: 'friend@example.com', referralCode: 'REF-TAKEN1' });

    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const friend = (await t().store.entries.get(res.body.data.entryId))!;
    expect(friend.referralCode).toBe('REF-FRESH2');
    expect((await t().store.entries.get(jane.id))!.referralCode).toBe('REF-TAKEN1');
    expect(drawn.queue).toHaveLength(0);
  });
}));
