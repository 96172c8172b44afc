import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('signup through the JS API', () => {
  const e = useE2E();

  it('credits the advocate whose link was clicked, on a later page', async () => {
    e.serve('/', e.html());
    e.serve('/signup', e.html());
    await e.open('/?ref=REF-XYZ789');
    await e.open('/signup');

    const result = await e.page.evaluate(() =>
      (window as unknown as TrackerWindow).RocketTracker.trackSignup('friend@example.com', 'Fred Friend'),
    );
    expect(result).toMatchObject({ success: true, data: { isReferred: true, pointsAwarded: { advocate: expect.any(Number) } } });

    const [signup] = e.calls('track-signup');
    expect(signup.body).toEqual({
      email: 'friend@example.com',
      name: 'Fred Friend',
      referralCode: ADVOCATE.referralCode,
      // The code came from the script's storage (issue 17: recorded as how it arrived).
      codeSource: 'script',
      contestId: e.contestId,
    });
    const friend = await e.entry('friend@example.com');
    expect(friend).toMatchObject({ referred_by: e.advocateId, name: 'Fred Friend' });
    expect((await e.entry(ADVOCATE.email))!.points).toBeGreaterThan(0);
    expect(e.calls('track-visit')).toHaveLength(1);
  });

  it("resolves with the collector's error instead of rejecting", async () => {
    e.serve('/', e.html());
    await e.open('/?ref=REF-XYZ789');
    const result = await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.trackSignup('not-an-email'));
    expect(result).toMatchObject({ success: false, error: expect.any(String) });
    await e.settle();
    expect(e.calls('track-signup')[0].status).toBe(400);
  });
});
