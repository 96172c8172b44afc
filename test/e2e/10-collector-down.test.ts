import { expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describeBrowser, useE2E, type TrackerWindow } from './harness.js';

/** A loopback port with nothing listening. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeBrowser('collector down', () => {
  const e = useE2E();

  it('raises no page error and resolves track calls with {success: false}', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    e.serve('/', e.html({ attrs: `data-api="${dead}"` }));
    await e.page.goto(e.url('/?ref=REF-XYZ789'));
    await e.page.waitForFunction(() => 'RocketTracker' in window);
    const results = await e.page.evaluate(async () => {
      const rt = (window as unknown as TrackerWindow).RocketTracker;
      return [await rt.trackSignup('down@example.com'), await rt.trackPurchase('o-1', 5, 'USD', 'down@example.com')];
    });
    expect(results).toEqual([
      { success: false, error: expect.any(String) },
      { success: false, error: expect.any(String) },
    ]);
    // The code is still stored for when the collector is back.
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBe('REF-XYZ789');
    await expect.poll(() => e.log.filter((r) => r.url.startsWith(dead)).every((r) => r.failure)).toBe(true);
    expect(e.log.filter((r) => r.url.startsWith(dead)).map((r) => r.url.slice(dead.length))).toEqual([
      '/api/referral/track-visit',
      '/api/referral/track-signup',
      '/api/referral/track-purchase',
    ]);
    // pageerror is checked after every test by the harness.
  });

  it('a script that cannot load leaves the page working (pre-load stub calls stay pending, nothing throws)', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    e.serve('/', e.html({ noTag: true, body: `<script async src="${dead}/referral-tracker.js?campaignId=x"></script><p id="ok">ok</p>` }));
    await e.page.goto(e.url('/?ref=REF-XYZ789'));
    await expect.poll(() => e.log.some((r) => r.url.startsWith(dead) && r.failure)).toBe(true);
    expect(await e.page.textContent('#ok')).toBe('ok');
  });
});
