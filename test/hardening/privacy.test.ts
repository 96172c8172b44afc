import { describe, expect, it } from 'vitest';
import { postJson, T0, useTestApp } from '../helpers/test-app.js';

describe('privacy: visitor keys are salted hashes with a daily salt', () => {
  const t = useTestApp();

  async function visitFrom(ip: string, ua = 'Mozilla/5.0') {
    await t().app.inject({
      method: 'POST',
      url: '/api/referral/track-visit',
      headers: { 'content-type': 'application/json', 'user-agent': ua },
      remoteAddress: ip,
      payload: JSON.stringify({ contestId: 'c1', referralCode: 'REF-XYZ789' }),
    });
    return t().app.store.db.prepare('SELECT visitor_key FROM visits ORDER BY id DESC LIMIT 1').pluck().get() as string;
  }

  it('same visitor same day → same key; another IP or UA → another key; next day → new key, old salt deleted', async () => {
    t().contest({ id: 'c1' });
    t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    const a1 = await visitFrom('198.51.100.4');
    expect(await visitFrom('198.51.100.4')).toBe(a1);
    expect(await visitFrom('198.51.100.5')).not.toBe(a1);
    expect(await visitFrom('198.51.100.4', 'Other UA')).not.toBe(a1);
    const daysBefore = t().app.store.db.prepare('SELECT day FROM visitor_salts').pluck().all();
    expect(daysBefore).toEqual(['2026-01-15']);

    t().setNow(T0 + 86_400_000);
    expect(await visitFrom('198.51.100.4')).not.toBe(a1);
    expect(t().app.store.db.prepare('SELECT day FROM visitor_salts').pluck().all()).toEqual(['2026-01-16']);
  });

  it('no table stores the raw IP', async () => {
    t().contest({ id: 'c1' });
    t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    await visitFrom('192.0.2.123');
    await postJson(t().app, '/api/referral/track-signup', { contestId: 'c1', referralCode: 'REF-XYZ789', email: 'f@example.com' });
    const db = t().app.store.db;
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    for (const table of tables) {
      expect(JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all())).not.toContain('192.0.2.123');
    }
  });
});
