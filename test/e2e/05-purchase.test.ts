import { expect, it } from 'vitest';
import { ADVOCATE, describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('purchase on a later page', () => {
  const e = useE2E();

  it('a data-rocket-purchase element on the thank-you page credits the advocate, once', async () => {
    e.serve('/', e.html());
    e.serve(
      '/thank-you',
      e.html({
        body: `<h1>Thanks!</h1><div data-rocket-purchase data-order-id="order-123" data-amount="49.99"
          data-currency="EUR" data-email="buyer@example.com"></div>`,
      }),
    );
    await e.open('/?ref=REF-XYZ789');
    await e.open('/thank-you');

    const [purchase] = e.calls('track-purchase');
    expect(purchase.body).toEqual({
      email: 'buyer@example.com',
      orderId: 'order-123',
      amount: 49.99,
      currency: 'EUR',
      referralCode: ADVOCATE.referralCode,
      // The code came from the script's storage (issue 17: recorded as how it arrived).
      codeSource: 'script',
      contestId: e.contestId,
    });
    expect(purchase.status).toBe(200);
    expect(await e.purchases()).toEqual([
      { order_id: 'order-123', credited_entry_id: e.advocateId, amount_minor: 4999, currency: 'EUR' },
    ]);
    expect((await e.entry(ADVOCATE.email))!.points).toBeGreaterThan(0);

    // A reload of the thank-you page sends nothing more.
    await e.page.reload();
    await e.settle();
    expect(e.calls('track-purchase')).toHaveLength(1);
  });

  it('an element added later (single-page checkout) is tracked too', async () => {
    e.serve('/', e.html());
    await e.open('/?ref=REF-XYZ789');
    await e.page.evaluate(() => {
      document.body.insertAdjacentHTML(
        'beforeend',
        '<p data-rocket-purchase data-order-id="order-spa" data-amount="10" data-currency="USD" data-email="spa@example.com"></p>',
      );
    });
    const [purchase] = await e.waitForCalls('track-purchase', 1);
    expect(purchase.body).toMatchObject({ orderId: 'order-spa', amount: 10 });
  });

  it('RocketTracker.trackPurchase(orderId, amount, currency, email) credits the advocate', async () => {
    e.serve('/', e.html());
    e.serve('/checkout', e.html());
    await e.open('/?ref=REF-XYZ789');
    await e.open('/checkout');
    const result = await e.page.evaluate(() =>
      (window as unknown as TrackerWindow).RocketTracker.trackPurchase('order-456', 99.99, 'USD', 'api-buyer@example.com'),
    );
    expect(result).toMatchObject({ success: true, data: { entryId: e.advocateId } });
    expect(await e.purchases()).toEqual([
      { order_id: 'order-456', credited_entry_id: e.advocateId, amount_minor: 9999, currency: 'USD' },
    ]);
  });
});
