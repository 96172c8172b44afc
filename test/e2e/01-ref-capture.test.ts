import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('landing with ?ref', () => {
  const e = useE2E();

  it('stores the code in a first-party cookie and records one visit; a reload records none', async () => {
    e.serve('/landing', e.html());
    const landing = e.url('/landing?ref=REF-XYZ789&utm_source=newsletter');
    const globalsBefore = await e.page.evaluate(() => Object.keys(window));
    await e.page.goto(landing, { referer: 'https://news.example/issue-12' });
    await e.settle();

    const [visit, ...more] = e.calls();
    expect(more).toEqual([]);
    expect(visit).toMatchObject({
      method: 'POST',
      api: '/api/referral/track-visit',
      type: 'fetch',
      contentType: 'text/plain;charset=UTF-8',
      status: 200,
      body: { referralCode: 'REF-XYZ789', contestId: e.contestId, url: landing, referrer: 'https://news.example/issue-12' },
    });
    // A text/plain body and no custom headers: the browser sends no CORS preflight.
    expect(e.serverLog.filter((line) => line.startsWith('OPTIONS'))).toEqual([]);
    expect(await e.visits()).toEqual([{ entry_id: e.advocateId, url: landing, referrer: 'https://news.example/issue-12' }]);

    const [cookie] = (await e.context.cookies()).filter((c) => c.name === 'rocket_ref');
    expect(cookie).toMatchObject({ value: ADVOCATE.referralCode, domain: '.shop.test', path: '/', sameSite: 'Lax', secure: false });
    const days = (cookie.expires * 1000 - Date.now()) / 864e5;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBe('REF-XYZ789');

    // The only global the script adds is RocketTracker.
    const globalsAfter = await e.page.evaluate(() => Object.keys(window));
    expect(globalsAfter.filter((key) => !globalsBefore.includes(key))).toEqual(['RocketTracker']);

    await e.page.reload();
    await e.settle();
    expect(e.calls()).toHaveLength(1);
    expect(await e.visits()).toHaveLength(1);
  });

  it('works as a plain, defer and tag-manager-injected tag', async () => {
    const variants = {
      '/plain': e.html({ noTag: true, body: e.tag().replace(' async', '') }),
      '/defer': e.html({ noTag: true, body: e.tag().replace(' async', ' defer') }),
      // What a tag manager does: create the element from script, later.
      '/gtm': e.html({
        noTag: true,
        body: `<script>setTimeout(function () { var s = document.createElement('script');
          s.src = ${JSON.stringify(`${e.collector}/referral-tracker.js?campaignId=${e.contestId}`)};
          s.async = true; document.head.appendChild(s); }, 10);</script>`,
      }),
    };
    const codes = { '/plain': 'REF-XYZ789', '/defer': 'REF-ABC234', '/gtm': 'REF-XYZ789' };
    for (const [path, html] of Object.entries(variants)) {
      e.serve(path, html);
      const page = await e.newPage();
      await page.goto(e.url(`${path}?ref=${codes[path as keyof typeof codes]}`));
      await e.settle(page);
      await page.close();
    }
    expect(e.calls('track-visit').map((r) => [new URL((r.body as { url: string }).url).pathname, r.status])).toEqual([
      ['/plain', 200],
      ['/defer', 200],
      ['/gtm', 200],
    ]);
  });

  it('ignores a malformed code', async () => {
    e.serve('/landing', e.html());
    await e.open('/landing?ref=%3Cscript%3E');
    expect(e.calls()).toEqual([]);
    expect(await e.context.cookies()).toEqual([]);
  });
});
