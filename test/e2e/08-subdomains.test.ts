import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('cookie shared across subdomains', () => {
  const e = useE2E();

  it('a code captured on www. is read on app. and credits the signup', async () => {
    e.serve('/', e.html());
    e.serve('/signup', e.html());
    await e.open('/?ref=REF-XYZ789', 'www');
    const cookies = await e.context.cookies();
    expect(cookies.map((c) => [c.name, c.domain])).toEqual([['rocket_ref', '.shop.test']]);

    await e.open('/signup', 'app');
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBe(
      ADVOCATE.referralCode,
    );
    await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.trackSignup('sub@example.com'));
    expect((await e.entry('sub@example.com'))!.referred_by).toBe(e.advocateId);
    expect(e.calls('track-visit')).toHaveLength(1);
  });

  it('data-cookie-domain pins the cookie to one host', async () => {
    e.serve('/', e.html({ attrs: 'data-cookie-domain="www.shop.test"' }));
    await e.open('/?ref=REF-XYZ789', 'www');
    expect((await e.context.cookies()).map((c) => c.domain)).toEqual(['.www.shop.test']);
    await e.open('/', 'app');
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBeNull();
  });
});
