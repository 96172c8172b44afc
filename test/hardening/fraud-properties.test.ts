import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BROWSER_UA, createTestApp, forEachEngine, type Engine } from '../helpers/test-app.js';

/**
 * Issue 18's property: for any sequence of signups (clean, throwaway, plus-tagged, repeated, from
 * shared or distinct networks), approvals and rejections (of any flag, repeated, in any order),
 * every entry's points equal its released ledger rows, and pending points never appear on a
 * leaderboard: each advocate's points there are exactly what clean referrals and approved flags
 * earned, as a model outside the collector counts them.
 */
const command = fc.oneof(
  fc.record({
    kind: fc.constant('signup' as const),
    advocate: fc.integer({ min: 0, max: 1 }),
    local: fc.constantFrom('ann', 'a.nn', 'bob', 'cy', 'dee'),
    domain: fc.constantFrom('example.com', 'gmail.com', 'mailinator.com', 'yopmail.com'),
    tag: fc.option(fc.constantFrom('x', 'promo', '1'), { nil: undefined }),
    network: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const), pick: fc.nat(), times: fc.integer({ min: 1, max: 2 }) }),
);

async function world(engine: Engine) {
  const t = await createTestApp({ engine });
  await t.contest({ id: 'c1', settings: { fraud: { checks: { velocity: { maxSignups: 2 } } } } as never });
  const advocates = [
    await t.entry('c1', { email: 'jane@gmail.com', referralCode: 'REF-JANE01' }),
    await t.entry('c1', { email: 'omar@example.com', referralCode: 'REF-OMAR01' }),
  ];
  return { t, advocates, key: await t.apiKey('private') };
}

forEachEngine((engine) => describe('fraud review: properties', () => {
  it('points = released ledger rows; pending points never on the leaderboard', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), async (commands) => {
        const { t, advocates, key } = await world(engine);
        try {
          const earned = new Map(advocates.map((a) => [a.id, 0]));
          const decided = new Set<string>();
          const api = (method: 'GET' | 'POST', url: string, body?: unknown) =>
            t.app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
          let seen: Array<{ id: string; advocate: { id: string }; pointsHeld: { advocate: number } }> = [];
          for (const c of commands) {
            if (c.kind === 'signup') {
              const res = await t.app.inject({
                method: 'POST',
                url: '/api/referral/track-signup',
                remoteAddress: `198.51.${100 + c.network}.9`,
                headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA },
                payload: JSON.stringify({ contestId: 'c1', referralCode: advocates[c.advocate].referralCode, email: `${c.local}${c.tag ? `+${c.tag}` : ''}@${c.domain}` }),
              });
              expect(res.statusCode).toBe(200);
              earned.set(advocates[c.advocate].id, earned.get(advocates[c.advocate].id)! + res.json().data.pointsAwarded.advocate);
              seen = (await api('GET', '/contests/c1/flags?limit=100')).json().data.concat(seen.filter((f) => decided.has(f.id)));
              continue;
            }
            if (seen.length === 0) continue;
            const flag = seen[c.pick % seen.length];
            for (let i = 0; i < c.times; i++) {
              const res = c.kind === 'approve' ? await api('POST', `/flags/${flag.id}/approve`) : await api('POST', `/flags/${flag.id}/reject`, { reason: 'property' });
              expect([200, 409]).toContain(res.statusCode);
              if (res.statusCode === 200 && !decided.has(flag.id)) {
                decided.add(flag.id);
                if (c.kind === 'approve') earned.set(flag.advocate.id, earned.get(flag.advocate.id)! + flag.pointsHeld.advocate);
              }
              if (res.statusCode === 409) expect(decided.has(flag.id)).toBe(true);
            }
          }
          expect(await t.store.invariantViolations()).toEqual([]);
          for (const entry of (await t.store.entries.list('c1', { limit: 1000, offset: 0 })).rows) {
            const ledger = await t.store.ledger.forEntry(entry.id);
            expect(entry.points).toBe(ledger.reduce((sum, row) => sum + row.delta, 0));
          }
          const board = (await api('GET', '/contests/c1/leaderboard?limit=100')).json().data as Array<{ id: string; points: number }>;
          for (const advocate of advocates) expect(board.find((row) => row.id === advocate.id)?.points).toBe(earned.get(advocate.id));
        } finally {
          await t.app.close();
        }
      }),
      { numRuns: engine === 'postgres' ? 12 : 30 },
    );
  }, 120_000);
}));
