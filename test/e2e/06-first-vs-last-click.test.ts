import { expect, it } from 'vitest';
import { ADVOCATE, SECOND_ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('first vs last click', () => {
  const e = useE2E();

  async function clickBothThenSignUp(attrs: string, email: string) {
    e.serve('/', e.html({ attrs }));
    await e.open(`/?ref=${ADVOCATE.referralCode}`);
    await e.open(`/?ref=${SECOND_ADVOCATE.referralCode}`);
    const code = await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode());
    await e.page.evaluate((address) => (window as unknown as TrackerWindow).RocketTracker.trackSignup(address), email);
    return code;
  }

  it('by default the last click wins', async () => {
    expect(await clickBothThenSignUp('', 'last@example.com')).toBe(SECOND_ADVOCATE.referralCode);
    expect((await e.entry('last@example.com'))!.referred_by).toBe(e.secondAdvocateId);
    // Both links were clicked: both visits count.
    expect((await e.visits()).map((v) => v.entry_id)).toEqual([e.advocateId, e.secondAdvocateId]);
  });

  it('data-attribution="first" keeps the first code', async () => {
    expect(await clickBothThenSignUp('data-attribution="first"', 'first@example.com')).toBe(ADVOCATE.referralCode);
    expect((await e.entry('first@example.com'))!.referred_by).toBe(e.advocateId);
    expect((await e.visits()).map((v) => v.entry_id)).toEqual([e.advocateId, e.secondAdvocateId]);
    const cookies = (await e.context.cookies()).filter((c) => c.name === 'rocket_ref');
    expect(cookies.map((c) => c.value)).toEqual([ADVOCATE.referralCode]);
  });
});
