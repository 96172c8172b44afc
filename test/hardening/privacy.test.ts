import { describe, expect, it } from 'vitest';
import { TABLES } from '../../server/store/repositories.js';
import { BROWSER_UA, forEachEngine, postJson, T0, useTestApp } from '../helpers/test-app.js';

describe('privacy: visitor keys are salted hashes with a daily salt', () => forEachEngine((engine) => {
  const t = useTestApp({ engine });

  // Browser user agents: a bot's visit (isbot's list, which has bare "Mozilla/5.0") is not stored.
  async function visitFrom(ip: string, ua = BROWSER_UA) {
    await t().app.inject({
      method: 'POST',
      url: '/api/referral/track-visit',
      headers: { 'content-type': 'application/json', 'user-agent': ua },
      remoteAddress: ip,
      payload: JSON.stringify({ contestId: 'c1', referralCode: 'REF-XYZ789' }),
    });
    // The newest visit: rows come in primary-key (id) order.
    return (await t().rows('visits')).at(-1)?.visitor_key as string;
  }

  const saltDays = async () => (await t().rows('visitor_salts')).map((row) => row.day);

  it('same visitor same day → same key; another IP or UA → another key; next day → new key, old salt deleted', async () => {
    await t().contest({ id: 'c1' });
    await t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    const a1 = await visitFrom('198.51.100.4');
    expect(await visitFrom('198.51.100.4')).toBe(a1);
    expect(await visitFrom('198.51.100.5')).not.toBe(a1);
    expect(await visitFrom('198.51.100.4', `${BROWSER_UA} Edg/131.0.0.0`)).not.toBe(a1);
    const daysBefore = await saltDays();
    expect(daysBefore).toEqual(['2026-01-15']);

    t().setNow(T0 + 86_400_000);
    expect(await visitFrom('198.51.100.4')).not.toBe(a1);
    expect(await saltDays()).toEqual(['2026-01-16']);
  });

  it('no table stores the raw IP', async () => {
    await t().contest({ id: 'c1' });
    await t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    await visitFrom('192.0.2.123');
    await postJson(t().app, '/api/referral/track-signup', { contestId: 'c1', referralCode: 'REF-XYZ789', email: 'f@example.com' });
    // Every table of stored rows, plus contest_stats (counters only), which TABLES leaves out.
    for (const table of TABLES) {
      expect(JSON.stringify(await t().rows(table))).not.toContain('192.0.2.123');
    }
    expect(JSON.stringify(await t().store.contests.stats('c1'))).not.toContain('192.0.2.123');
  });
}));
