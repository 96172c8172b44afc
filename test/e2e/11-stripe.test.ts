import { expect, it } from 'vitest';
import { describeBrowser, useE2E, type TrackerWindow } from './harness.js';

describeBrowser('autoInject=stripe', () => {
  const e = useE2E();

  const body = `<a id="link" href="https://buy.stripe.com/test_abc?prefilled_email=a%40b.c">Buy</a>
    <a id="own" href="https://buy.stripe.com/test_own?client_reference_id=user_42">Mine</a>
    <a id="other" href="https://example.com/buy.stripe.com/x">Not Stripe</a>
    <stripe-buy-button id="button" buy-button-id="buy_btn_1" publishable-key="pk_test"></stripe-buy-button>
    <stripe-pricing-table id="table" pricing-table-id="prctbl_1" publishable-key="pk_test"></stripe-pricing-table>`;

  const href = (id: string) => e.page.getAttribute(`#${id}`, 'href');
  const attr = (id: string) => e.page.getAttribute(`#${id}`, 'client-reference-id');

  it('adds the code as client_reference_id to Payment Links and Stripe embeds, also ones added later', async () => {
    e.serve('/', e.html({ query: '&autoInject=stripe', body }));
    await e.open('/?ref=REF-XYZ789');

    expect(await href('link')).toBe('https://buy.stripe.com/test_abc?prefilled_email=a%40b.c&client_reference_id=REF-XYZ789');
    expect(await href('own')).toBe('https://buy.stripe.com/test_own?client_reference_id=user_42'); // the site's own value stays
    expect(await href('other')).toBe('https://example.com/buy.stripe.com/x');
    expect(await attr('button')).toBe('REF-XYZ789');
    expect(await attr('table')).toBe('REF-XYZ789');

    await e.page.evaluate(() => {
      document.body.insertAdjacentHTML('beforeend', '<div><a id="late" href="https://buy.stripe.com/test_late">Later</a></div>');
    });
    await expect.poll(() => href('late')).toBe('https://buy.stripe.com/test_late?client_reference_id=REF-XYZ789');

    // A new code (last click, SPA) updates what the script set.
    await e.page.evaluate(() => history.pushState({}, '', '/?ref=REF-ABC234'));
    await expect.poll(() => href('link')).toBe('https://buy.stripe.com/test_abc?prefilled_email=a%40b.c&client_reference_id=REF-ABC234');
    expect(await attr('button')).toBe('REF-ABC234');
  });

  it('decorates on later pages from the stored code, and not at all without autoInject', async () => {
    e.serve('/', e.html());
    e.serve('/pricing', e.html({ query: '&autoInject=stripe', body }));
    e.serve('/plain', e.html({ body }));
    await e.open('/?ref=REF-XYZ789');
    await e.open('/plain');
    expect(await href('link')).toBe('https://buy.stripe.com/test_abc?prefilled_email=a%40b.c');
    await e.open('/pricing');
    expect(await attr('table')).toBe('REF-XYZ789');
    expect(await e.page.evaluate(() => (window as unknown as TrackerWindow).RocketTracker.getReferralCode())).toBe('REF-XYZ789');
  });
});
