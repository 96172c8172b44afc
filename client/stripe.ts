/**
 * `autoInject=stripe`: hands the referral code to Stripe as `client_reference_id`, which Stripe
 * copies onto the Checkout Session (and its webhooks). Covers Payment Links (anchors to
 * `https://buy.stripe.com/…`, as a query parameter) and the `<stripe-buy-button>` /
 * `<stripe-pricing-table>` embeds (as the `client-reference-id` attribute). A value the site set
 * itself is left alone; values this script set follow the code when it changes.
 */
const ours = new WeakSet<Element>();

export function decorateStripe(root: ParentNode, code: string): void {
  root
    .querySelectorAll('a[href^="https://buy.stripe.com/"],stripe-buy-button,stripe-pricing-table')
    .forEach((element) => {
      const link = (element as HTMLAnchorElement).href;
      const url = link && new URL(link);
      const current = url ? url.searchParams.get('client_reference_id') : element.getAttribute('client-reference-id');
      if (current != code && (!current || ours.has(element))) {
        ours.add(element);
        if (url) {
          url.searchParams.set('client_reference_id', code);
          (element as HTMLAnchorElement).href = url.href;
        } else element.setAttribute('client-reference-id', code);
      }
    });
}
