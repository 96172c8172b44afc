/**
 * Tracking without code: `<form data-rocket-signup>` submissions and `[data-rocket-purchase]`
 * elements (typically on a thank-you page).
 */

type TrackSignup = (email: string, name?: string) => unknown;
type TrackPurchase = (orderId: string, amount?: string, currency?: string, email?: string) => unknown;

/** The trimmed value of the first `selector` field inside `root`, else ''. */
export function field(root: ParentNode, selector: string): string {
  return (((root.querySelector(selector) || {}) as HTMLInputElement).value || '').trim();
}

/**
 * A document `submit` listener: for a `form[data-rocket-signup]`, tracks a signup with the value of
 * its first `[type=email]` or `[name=email]` field and, when present, its `[name=name]` field. Runs in the bubbling phase, after the site's own
 * handlers; it never cancels the submission.
 */
export function signupFormListener(trackSignup: TrackSignup) {
  return (event: Event) => {
    try {
      const form = event.target as Element;
      if (!form.matches('form[data-rocket-signup]')) return;
      const email = field(form, '[type=email],[name=email]');
      if (email) trackSignup(email, field(form, '[name=name]') || undefined);
    } catch {}
  };
}

/**
 * Tracks each `[data-rocket-purchase]` element's order (`data-order-id`, `data-amount`,
 * `data-currency`, `data-email`) once: `isNew(key)` dedupes per tab session.
 */
export function capturePurchases(root: ParentNode, trackPurchase: TrackPurchase, isNew: (key: string) => boolean) {
  root.querySelectorAll<HTMLElement>('[data-rocket-purchase]').forEach((element) => {
    const data = element.dataset;
    if (data.orderId && isNew('p:' + data.orderId)) {
      trackPurchase(data.orderId, data.amount, data.currency, data.email);
    }
  });
}
