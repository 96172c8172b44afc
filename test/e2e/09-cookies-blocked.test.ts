import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('cookies blocked', () => {
  const e = useE2E();

  it('falls back to localStorage and still credits the signup', async () => {
    const cdp = await e.cdp();
    await cdp.send('Emulation.setDocumentCookieDisabled', { disabled: true });
    e.serve('/', e.html());
    e.serve('/signup', e.html());
    await e.open('/?ref=REF-XYZ789');

    expect(await e.context.cookies()).toEqual([]);
    const saved = JSON.parse((await e.page.evaluate(() => localStorage.getItem('rocket_ref')))!);
    expect(saved.code).toBe(ADVOCATE.referralCode);
    expect((saved.expires - Date.now()) / 864e5).toBeGreaterThan(29.9);
    expect(e.calls('track-visit')).toHaveLength(1);

    await e.open('/signup');
    const result = await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.trackSignup('nocookie@example.com'));
    expect(result).toMatchObject({ success: true });
    expect((await e.entry('nocookie@example.com'))!.referred_by).toBe(e.advocateId);
  });
});
