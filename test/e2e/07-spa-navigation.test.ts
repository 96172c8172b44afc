import { expect, it } from 'vitest';
import { SECOND_ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('single-page app navigation', () => {
  const e = useE2E();

  it('captures ?ref reached by pushState, replaceState and popstate', async () => {
    // The app keeps the browser's own pushState, to reach a URL without the tracker noticing.
    e.serve('/', e.html({ head: '<script>window.rawPushState = history.pushState.bind(history);</script>' }));
    await e.open('/');
    expect(e.calls()).toEqual([]);

    await e.page.evaluate(() => history.pushState({}, '', '/pricing?ref=REF-XYZ789'));
    let visits = await e.waitForCalls('track-visit', 1);
    expect(visits[0].body).toMatchObject({ referralCode: 'REF-XYZ789', url: e.url('/pricing?ref=REF-XYZ789') });

    await e.page.evaluate(() => history.replaceState({}, '', '/pricing?ref=REF-ABC234'));
    visits = await e.waitForCalls('track-visit', 2);
    expect(visits[1].body).toMatchObject({ referralCode: SECOND_ADVOCATE.referralCode });
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBe(
      SECOND_ADVOCATE.referralCode,
    );

    // Back/forward to an entry with a code the tracker has not seen: popstate.
    await e.page.evaluate(() => {
      (window as unknown as { rawPushState: History['pushState'] }).rawPushState({}, '', '/blog?ref=REF-XYZ789&again=1');
      history.pushState({}, '', '/blog/post');
    });
    await e.settle();
    expect(e.calls('track-visit')).toHaveLength(2); // REF-XYZ789 was already seen this session
    await e.page.goBack();
    await expect
      .poll(() => e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode()))
      .toBe('REF-XYZ789');
    await e.settle();
    // Still one visit per code per session.
    expect(e.calls('track-visit').map((r) => (r.body as { referralCode: string }).referralCode)).toEqual([
      'REF-XYZ789',
      'REF-ABC234',
    ]);
    expect(await e.visits()).toHaveLength(2);
  });
});
