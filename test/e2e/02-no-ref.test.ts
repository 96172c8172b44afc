import { expect, it } from 'vitest';
import { describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('a visit without ?ref', () => {
  const e = useE2E();

  it('sends nothing and stores nothing; trackSignup resolves "no referral code"', async () => {
    e.serve(
      '/',
      e.html({
        query: '&autoInject=stripe',
        body: `<form data-rocket-signup action="/thanks"><input type="email" name="email" value="sam@example.com"><button>Join</button></form>
          <a id="buy" href="https://buy.stripe.com/test_123">Buy</a>`,
      }),
    );
    e.serve('/thanks', e.html({ body: '<h1>Thanks</h1>' }));
    await e.open('/?utm_source=ads');

    const result = await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.trackSignup('sam@example.com'));
    expect(result).toEqual({ success: false, error: 'no referral code' });
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBeNull();

    // The auto-captured form sends nothing either.
    await Promise.all([e.page.waitForURL('**/thanks?*'), e.page.click('button')]);
    await e.settle();

    expect(e.calls()).toEqual([]);
    expect(e.serverLog.filter((line) => line.includes('/api/'))).toEqual([]);
    expect(await e.context.cookies()).toEqual([]);
    expect(await e.page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    expect(await e.t.counts()).toMatchObject({ visits: 0, entries: 2, purchases: 0 });
  });
});
