import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('data-consent="required"', () => {
  const e = useE2E();

  const storage = () =>
    e.page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));

  it('writes and sends nothing until consent(true), then captures the landing page', async () => {
    e.serve(
      '/',
      e.html({
        attrs: 'data-consent="required"',
        query: '&autoInject=stripe',
        body: `<a id="buy" href="https://buy.stripe.com/test_1">Buy</a>
          <div data-rocket-purchase data-order-id="o-consent" data-amount="5" data-currency="USD" data-email="c@example.com"></div>`,
      }),
    );
    const landing = e.url('/?ref=REF-XYZ789');
    await e.page.goto(landing);
    await e.settle();
    const before = await e.page.evaluate(async () => {
      const rt = (window as unknown as TrackerWindow).RocketTracker;
      return [await rt.trackSignup('c@example.com'), rt.getReferralCode()];
    });
    expect(before).toEqual([{ success: false, error: 'no consent' }, null]);
    expect(e.calls()).toEqual([]);
    expect(await storage()).toEqual({ local: 0, session: 0, cookie: '' });
    expect(await e.page.getAttribute('#buy', 'href')).toBe('https://buy.stripe.com/test_1');

    await e.page.evaluate(() => history.pushState({}, '', '/next'));
    await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.consent(true));
    await e.settle();
    const visit = e.calls('track-visit');
    expect(visit).toHaveLength(1);
    expect(visit[0].body).toMatchObject({ referralCode: ADVOCATE.referralCode, url: landing });
    expect(e.calls('track-purchase')).toHaveLength(1);
    expect((await e.context.cookies()).map((c) => c.value)).toEqual([ADVOCATE.referralCode]);
    expect(await e.page.getAttribute('#buy', 'href')).toBe('https://buy.stripe.com/test_1?client_reference_id=REF-XYZ789');

    const signup = await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.trackSignup('c@example.com'));
    expect(signup).toMatchObject({ success: true });
    expect((await e.entry('c@example.com'))!.referred_by).toBe(e.advocateId);
  });

  it('consent(false) deletes the stored code and stops tracking', async () => {
    e.serve('/', e.html({ attrs: 'data-consent="required"' }));
    await e.open('/?ref=REF-XYZ789');
    await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.consent(true));
    await e.settle();
    expect(await e.context.cookies()).toHaveLength(1);
    const after = await e.page.evaluate(async () => {
      const rt = (window as unknown as TrackerWindow).RocketTracker;
      rt.consent(false);
      return [rt.getReferralCode(), await rt.trackSignup('x@example.com')];
    });
    expect(after).toEqual([null, { success: false, error: 'no consent' }]);
    expect(await e.context.cookies()).toEqual([]);
    expect(e.calls('track-signup')).toEqual([]);
  });
});
