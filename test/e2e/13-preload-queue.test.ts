import { expect, it } from 'vitest';
import { PRELOAD_STUB } from '../client/stub.js';
import { ADVOCATE, describeBrowser, useE2E } from './harness.js';

describeBrowser('pre-load queue', () => {
  const e = useE2E();

  it('calls made through the documented stub before the script loads run once it loads', async () => {
    // The tag is added late, as a slow network or tag manager would.
    e.serve(
      '/',
      e.html({
        noTag: true,
        head: `<script>${PRELOAD_STUB}</script>
          <script>
            window.results = [];
            window.stubObject = RocketTracker;
            RocketTracker.consent(true).then(function (r) { results.push(['consent', r]); });
            RocketTracker.trackSignup('early@example.com', 'Early Bird').then(function (r) { results.push(['signup', r]); });
          </script>`,
        body: `<script>setTimeout(function () {
          var s = document.createElement('script');
          s.src = ${JSON.stringify(`${e.collector}/referral-tracker.js?campaignId=${e.contestId}`)};
          s.setAttribute('data-consent', 'required');
          document.body.appendChild(s);
        }, 50);</script>`,
      }),
    );
    await e.page.goto(e.url('/?ref=REF-XYZ789'));
    expect(e.calls()).toEqual([]);
    await e.page.waitForFunction(() => (window as unknown as { results: unknown[] }).results.length === 2);
    const results = await e.page.evaluate(() => (window as unknown as { results: unknown[] }).results);
    expect(results[0]).toEqual(['consent', undefined]); // consent() returns nothing
    expect(results[1]).toMatchObject(['signup', { success: true, data: { isReferred: true } }]);
    expect(await e.entry('early@example.com')).toMatchObject({ referred_by: e.advocateId, name: 'Early Bird' });
    // The queued consent ran before the signup: the visit was captured first.
    expect(e.calls().map((r) => r.api)).toEqual(['/api/referral/track-visit', '/api/referral/track-signup']);
    expect((e.calls('track-signup')[0].body as { referralCode: string }).referralCode).toBe(ADVOCATE.referralCode);
    // The stub's object is the live API: references taken before load keep working.
    expect(
      await e.page.evaluate(() => {
        const w = window as unknown as { stubObject: unknown; RocketTracker: { q?: unknown } & object };
        return [w.stubObject === w.RocketTracker, 'q' in w.RocketTracker];
      }),
    ).toEqual([true, false]);
  });
});
